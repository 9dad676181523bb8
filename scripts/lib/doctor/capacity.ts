// The doctor's blocking checks for one run's shape, before every load run: the capacity, or one invalid line.
import { InvalidRun } from "../core/cli.ts";
import type { Capacity } from "../load/checks.ts";
import { FD_RESERVE, nofileLimits, planShards } from "../machine/limits.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import { blocking, runChecks } from "./doctor-checks.ts";

/** The doctor's checks before every run: a blocking FAIL makes the run invalid (exit 2, one line). */
export function checkCapacity(
  s: LabStats,
  conns: number,
  threads: number,
  shards: number,
  expectNative = true,
): Capacity {
  if (conns < threads) throw new InvalidRun(`--connections ${conns} must be ≥ --threads ${threads}`);
  const checks = runChecks({
    connections: conns,
    workers: s.workers,
    wrkThreads: threads,
    shards,
    serverPids: s.pids,
    // NOTE: a server that does not report nativeUws at all fails too (unless it is a peer, not uWS).
    serverNativeUws: expectNative ? s.nativeUws === true : undefined,
  });
  const fails = blocking(checks);
  if (fails.length > 0) {
    throw new InvalidRun(
      fails.map((f) => `${f.name}: ${f.current}, needs ${f.needed} — ${f.fix}`).join("; "),
    );
  }
  const workerNofile = s.pids.map((pid) => ({ pid, ...nofileLimits(pid) }));
  return { shards: shards || planShards(conns, nofileLimits("self").soft, FD_RESERVE), workerNofile };
}
