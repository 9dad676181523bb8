// Before a load run: loopback URL, server reachable, and the type of the doctor's capacity check it is given.
import { InvalidRun } from "../core/cli.ts";
import { isLabAddress } from "../placement/net-config.ts";
import { guardTarget, remoteAllowed } from "../placement/reach.ts";
import { readStats, type StatsSource, sourceText } from "../processes/fleet-stats.ts";
import type { LabStats } from "../processes/lab-stats.ts";

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

export async function serverStats(base: StatsSource): Promise<LabStats> {
  try {
    return await readStats(base);
  } catch (e) {
    throw new InvalidRun(
      `server unreachable at ${sourceText(base)} (${(e as Error).message}) — ${typeof base === "string" ? "start it with `make run-4-workers`" : "a fleet's server or HAProxy stopped: make lab SERVERS=n starts them"}`,
    );
  }
}

export interface Capacity {
  shards: number;
  workerNofile: { pid: number; soft: number; hard: number }[];
}

/** The doctor's capacity check (doctor/capacity.ts), passed in by the caller: load sits below doctor. */
export type CheckCapacity = (
  s: LabStats,
  conns: number,
  threads: number,
  shards: number,
  expectNative?: boolean,
) => Capacity;
