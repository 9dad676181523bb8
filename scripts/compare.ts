// `make compare`: the same stub, workers and connections on uWS, a node:http cluster and FastAPI + uvicorn, in turn.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { Mode } from "./lib/contract/record.ts";
import { loadSlo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, runMain } from "./lib/core/cli.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { options } from "./lib/core/options.ts";
import { sleep } from "./lib/load/live.ts";
import { runLoad } from "./lib/load/run.ts";
import {
  type CompareRecord,
  type CompareRow,
  compareMarkdown,
  rowOf,
  withRatios,
  writeCompare,
} from "./lib/planning/compare-report.ts";
import { PEER_LABEL, PEERS, type Peer, startPeer } from "./lib/processes/peer.ts";
import type { RunningServer } from "./lib/processes/server.ts";
import { stamp } from "./lib/results/run-dir.ts";

const say = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    options(
      yargs(hideBin(process.argv))
        .scriptName("compare")
        .usage(
          "$0 [options] — exit 0 when every server was measured (verdicts are data), 2 bad options, 130 Ctrl-C",
        ),
      [
        ...["workers", "connections", "mode", "target-rps", "duration", "warmup", "cooldown", "threads"],
        ...["stub-ms", "budget-ms", "peers", "results-dir"],
      ] as const,
      { workers: 2, duration: "10s", warmup: "3s", peers: { default: PEERS.join(","), allowed: PEERS } },
      slo,
    ),
  );
  const peers = a.peers as Peer[];
  const settings: CompareRecord["settings"] = {
    workers: a.workers,
    connections: a.connections,
    mode: a.mode,
    stubMs: a["stub-ms"],
    budgetMs: a["budget-ms"],
    targetRps: a["target-rps"],
    durationS: a.duration,
    warmupS: a.warmup,
    threads: a.threads,
  };
  const cooldownMs = a.cooldown * 1000;
  const startedAt = new Date();
  const id = `${stamp(startedAt)}-w${settings.workers}-c${settings.connections}-${settings.mode}`;

  const signal = interruptSignal();
  const rows: CompareRow[] = [];
  let server: RunningServer | null = null;
  try {
    for (const [i, peer] of peers.entries()) {
      checkInterrupted(signal);
      if (i > 0 && cooldownMs > 0) await Promise.race([sleep(cooldownMs), whenInterrupted(signal)]);
      say(`\ncompare ${i + 1}/${peers.length}: ${PEER_LABEL[peer]}, ${settings.workers} workers …`);
      server = await startPeer({ peer, workers: settings.workers, stubMs: settings.stubMs }).catch(
        (e: Error) => {
          rows.push(rowOf(peer, null, `did not start: ${e.message.trim().split("\n").slice(-1)[0]}`));
          return null;
        },
      );
      if (!server) continue;
      try {
        const { record } = await runLoad({
          url: `${server.url}/ping/`,
          mode: settings.mode as Mode,
          threads: settings.threads,
          shards: 0,
          warmupS: settings.warmupS,
          timeoutS: 2,
          resultsDir: a["results-dir"],
          slo: {
            ...slo,
            connections: settings.connections,
            targetRps: settings.targetRps,
            durationS: settings.durationS,
            overheadBudgetMs: settings.budgetMs,
          },
          // NOTE: peers are not uWS: runLoad skips its native-uWS check for them.
          expectNative: peer === "uws",
        });
        rows.push(rowOf(peer, record));
        say(
          `  → ${record.verdict.pass ? "PASS" : "FAIL"} ${Math.round(record.measurements.rps)} rps · ${record.id}`,
        );
      } catch (e) {
        if (!(e instanceof InvalidRun)) throw e;
        rows.push(rowOf(peer, null, e.message)); // NOTE: a server that cannot hold the shape is a row, not a crash
      } finally {
        await server.stop();
        server = null;
      }
    }
  } finally {
    await (server as RunningServer | null)?.stop(); // also on failure and Ctrl-C
  }
  const record: CompareRecord = {
    schema: "compare/1",
    id,
    startedAt: startedAt.toISOString(),
    settings,
    rows: withRatios(rows),
  };
  const dir = writeCompare(a["results-dir"], record);
  process.stdout.write(`\n${compareMarkdown(record)}\ncompare: ${dir}/compare.md\n`);
  if (rows.every((r) => r.resultId === null))
    throw new InvalidRun("no server could be measured (see the table)");
  return 0;
});
