// Before a load run: loopback URL, server reachable, and the doctor's blocking checks for this run's shape.
import { InvalidRun } from "../core/cli.ts";
import { blocking, runChecks } from "../machine/doctor-checks.ts";
import { FD_RESERVE, nofileLimits, planShards } from "../machine/limits.ts";
import { isLabAddress } from "../placement/net-config.ts";
import { guardTarget, remoteAllowed } from "../placement/reach.ts";
import { fetchLabStats, type LabStats } from "./lab-stats.ts";

/** Parse and guard a load target. `labAddress`: the placement made this address inside its own network namespaces (configs/net.json). */
export function checkUrl(raw: string, labAddress = false): { base: string; url: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidRun(`--url "${raw}" is not a URL — e.g. http://127.0.0.1:8000/ping/`);
  }
  if (u.protocol !== "http:") throw new InvalidRun(`--url must be http://, got ${u.protocol}`);
  // NOTE: an address of the lab's namespaces is reached only from inside them, i.e. when a placement made it.
  const lab = isLabAddress(u.hostname);
  if (lab && !labAddress)
    throw new InvalidRun(`--url ${u.hostname} exists only inside the lab's namespaces — use PLACEMENT=netns`);
  if (!lab) guardTarget("--url", u.hostname, remoteAllowed());
  return { base: u.origin, url: u.href };
}

export async function serverStats(base: string): Promise<LabStats> {
  try {
    return await fetchLabStats(base);
  } catch (e) {
    throw new InvalidRun(
      `server unreachable at ${base} (${(e as Error).message}) — start it with \`make run-four-threads\``,
    );
  }
}

export interface Capacity {
  shards: number;
  workerNofile: { pid: number; soft: number; hard: number }[];
}

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
