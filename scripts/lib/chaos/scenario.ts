// What a chaos scenario is, and the small helpers they share (stats consistency, worker CPU, formatting).

import { int } from "../core/format.ts";
import { procStat } from "../machine/proc.ts";
import type { NetConfig } from "../placement/net-config.ts";
import { countResponses, fetchLabStats, type LabStats } from "../processes/lab-stats.ts";
import type { Outcome, Scale } from "./result.ts";

export interface ChaosContext {
  scale: Scale;
  log: (line: string) => void;
  /** every chaos server's CPUs (placement/local.ts): the split's server side, null when shared */
  serverCpus: number[] | null;
  /** the same placement for a driver a scenario starts (loadtest.ts, lab.ts): --placement … */
  placementArgs: string[];
  /** the generator's CPUs (the split's load side; the fleet scenarios' client host), null when shared */
  generatorCpus: number[] | null;
  /** the driver's Ctrl-C: a scenario that `unwinds` stops waiting on it and removes what it made */
  signal?: AbortSignal;
  /** the fleet scenarios' emulated hosts (configs/net.json unless given: a test's own prefix) */
  net?: NetConfig;
}

export interface Scenario {
  name: string;
  run: (ctx: ChaosContext) => Promise<Outcome>;
  /**
   * it watches ctx.signal and, on a Ctrl-C, settles only once what it made outside this process's groups is gone
   * (network namespaces): the driver waits for that before it exits
   */
  unwinds?: boolean;
}

/** Pick the parameters of this scale. */
export const at = <T>(ctx: ChaosContext, p: Record<Scale, T>): T => p[ctx.scale];

// NOTE: every counted request ends as exactly one of: a response, an abort, or still in flight.
/** requests = responses + aborted + in flight, for the totals and for every worker. */
export function consistent(s: LabStats): boolean {
  const one = (w: Pick<LabStats, "requests" | "responses" | "aborted" | "inFlight">): boolean =>
    w.requests === countResponses(w as LabStats) + w.aborted + w.inFlight;
  return one(s) && s.perWorker.every(one);
}

export async function stats(url: string): Promise<LabStats> {
  return fetchLabStats(url, 3000);
}

/** Cumulative CPU µs of the given pids (gone ones count 0). */
export function cpuUs(pids: readonly number[]): number {
  return pids.reduce((a, pid) => a + (procStat(pid)?.cpuUs ?? 0), 0);
}

export const ms = (x: number): string => `${int(x)} ms`;
export const pct = (x: number): string => `${x.toFixed(0)} %`;
export { int as n };
