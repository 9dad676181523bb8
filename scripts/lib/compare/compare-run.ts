// Running a comparison: each server in turn (uWS and its peers) under the same load, then compare.json/.md.
import type { Mode } from "../contract/record.ts";
import { InvalidRun } from "../core/cli.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "../core/interrupt.ts";
import { sleep } from "../core/sleep.ts";
import type { Slo } from "../core/slo.ts";
import type { RunOptions } from "../load/run-phases.ts";
import type { LocalPlacement } from "../placement/local.ts";
import { PEER_LABEL, type Peer, startPeer } from "../processes/peer.ts";
import type { RunningServer } from "../processes/server.ts";
import { runLoad } from "../results/run.ts";
import {
  type CompareRecord,
  type CompareRow,
  compareMarkdown,
  rowOf,
  withRatios,
  writeCompare,
} from "./compare-report.ts";

const say = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

/** What the driver parsed from its options, with the comparison's id and start time. */
export interface CompareInput {
  id: string;
  startedAt: Date;
  peers: Peer[];
  settings: CompareRecord["settings"];
  cooldownMs: number;
  resultsDir: string;
  slo: Slo;
  placement: LocalPlacement;
  /** each run's report.html (report/run-page-lazy.ts, given by the driver: planning imports no report) */
  runPage: RunOptions["runPage"];
}

/** One row per server, in order: measured, or why it could not be. */
export async function comparePeers(i: CompareInput): Promise<CompareRow[]> {
  const signal = interruptSignal();
  const rows: CompareRow[] = [];
  let server: RunningServer | null = null;
  try {
    for (const [n, peer] of i.peers.entries()) {
      checkInterrupted(signal);
      if (n > 0 && i.cooldownMs > 0) await Promise.race([sleep(i.cooldownMs), whenInterrupted(signal)]);
      say(`\ncompare ${n + 1}/${i.peers.length}: ${PEER_LABEL[peer]}, ${i.settings.workers} workers …`);
      server = await startPeer({
        peer,
        workers: i.settings.workers,
        stubMs: i.settings.stubMs,
        prefix: i.placement.serverPrefix,
      }).catch((e: Error) => {
        rows.push(rowOf(peer, null, `did not start: ${e.message.trim().split("\n").slice(-1)[0]}`));
        return null;
      });
      if (!server) continue;
      try {
        rows.push(await measurePeer(i, peer, server));
      } finally {
        await server.stop();
        server = null;
      }
    }
  } finally {
    await (server as RunningServer | null)?.stop(); // also on failure and Ctrl-C
  }
  return rows;
}

async function measurePeer(i: CompareInput, peer: Peer, server: RunningServer): Promise<CompareRow> {
  const s = i.settings;
  try {
    const { record } = await runLoad({
      runPage: i.runPage,
      placement: i.placement.request,
      url: `${server.url}/ping/`,
      mode: s.mode as Mode,
      threads: s.threads,
      shards: 0,
      warmupS: s.warmupS,
      timeoutS: 2,
      resultsDir: i.resultsDir,
      slo: {
        ...i.slo,
        connections: s.connections,
        targetRps: s.targetRps,
        durationS: s.durationS,
        overheadBudgetMs: s.budgetMs,
      },
      // NOTE: peers are not uWS: runLoad skips its native-uWS check for them.
      expectNative: peer === "uws",
    });
    say(
      `  → ${record.verdict.pass ? "PASS" : "FAIL"} ${Math.round(record.measurements.rps)} rps · ${record.id}`,
    );
    return rowOf(peer, record);
  } catch (e) {
    if (!(e instanceof InvalidRun)) throw e;
    return rowOf(peer, null, e.message); // NOTE: a server that cannot hold the shape is a row, not a crash
  }
}

/** compare.json + compare.md, the table on stdout; exit 2 when no server at all could be measured. */
export function writeComparison(i: CompareInput, rows: CompareRow[]): void {
  const record: CompareRecord = {
    schema: "compare/1",
    id: i.id,
    startedAt: i.startedAt.toISOString(),
    settings: i.settings,
    rows: withRatios(rows),
  };
  const dir = writeCompare(i.resultsDir, record);
  process.stdout.write(`\n${compareMarkdown(record)}\ncompare: ${dir}/compare.md\n`);
  if (rows.every((r) => r.resultId === null))
    throw new InvalidRun("no server could be measured (see the table)");
}
