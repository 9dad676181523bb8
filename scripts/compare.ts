// `make compare`: the same stub, workers and connections on uWS, a node:http cluster and FastAPI + uvicorn, in turn.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { Mode } from "./lib/contract/record.ts";
import { loadSlo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
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
    yargs(hideBin(process.argv))
      .scriptName("compare")
      .usage(
        "$0 [options] — exit 0 when every server was measured (verdicts are data), 2 bad options, 130 Ctrl-C",
      )
      .option("workers", { type: "string", default: "2" })
      .option("connections", { type: "string", default: String(slo.connections) })
      .option("mode", { choices: ["saturate", "paced"], default: "saturate" })
      .option("target-rps", {
        type: "string",
        default: String(slo.targetRps),
        desc: "SLO target (paced: the rate)",
      })
      .option("duration", { type: "string", default: "10s" })
      .option("warmup", { type: "string", default: "3s" })
      .option("cooldown", { type: "string", default: "5s", desc: "pause between servers" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("stub-ms", { type: "string", default: String(slo.stubMs) })
      .option("budget-ms", { type: "string", default: String(slo.overheadBudgetMs) })
      .option("peers", { type: "string", default: PEERS.join(","), desc: "which servers, in order" })
      .option("results-dir", { type: "string", default: "results" }),
  );
  const peers = [...new Set(a.peers.split(",").map((p) => p.trim()))] as Peer[];
  for (const p of peers)
    if (!PEERS.includes(p)) throw new InvalidRun(`--peers takes ${PEERS.join(", ")}, got "${p}"`);
  const settings: CompareRecord["settings"] = {
    workers: positiveInt("workers", a.workers, 1, 64),
    connections: positiveInt("connections", a.connections, 1, 1_000_000),
    mode: a.mode,
    stubMs: positiveInt("stub-ms", a["stub-ms"], 1, 60_000),
    budgetMs: positiveInt("budget-ms", a["budget-ms"], 0, 60_000),
    targetRps: positiveInt("target-rps", a["target-rps"], 1, 10_000_000),
    durationS: parseDuration("duration", a.duration),
    warmupS: parseDuration("warmup", a.warmup),
    threads: positiveInt("threads", a.threads, 1, 64),
  };
  if (settings.durationS < 1) throw new InvalidRun("--duration must be at least 1s");
  const cooldownMs = parseDuration("cooldown", a.cooldown) * 1000;
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
