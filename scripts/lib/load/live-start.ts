// The measured phase's samplers started: the live line over the server (a fleet's servers, its LB apart) and wrk,
// each side's contention, and a fleet's per-server meters.

import type { RunPlacement } from "../placement/run-placement.ts";
import { fleetOf, type StatsSource, serverPidsOf } from "../processes/fleet-stats.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import { contentionFor } from "./contention.ts";
import { FleetMeters } from "./fleet-meters.ts";
import { LiveSampler } from "./live.ts";

/** What starting the live sampler needs of the run's plan (load/run-phases.ts's Prepared has it). */
export interface LiveStart {
  base: StatsSource;
  placement: RunPlacement;
  cpuUnknown: readonly ("server" | "generator")[];
  durationS: number;
  log: (line: string) => void;
  /** the shards run over ssh (hosts; a fleet over ssh) */
  remote: boolean;
}

/** The live sampler over the server (a fleet's servers, its LB apart), wrk, and each side's contention. */
export function startLive(p: LiveStart, before: LabStats, wrkPids: () => number[]) {
  const serverVisible = !p.cpuUnknown.includes("server");
  const pids = serverVisible ? serverPidsOf(before) : [];
  const fleet = fleetOf(before);
  // NOTE: a fleet on other machines (ssh hosts): neither its servers' nor its LB's pids are this machine's.
  const lbPids = fleet && serverVisible ? fleet.lbPids : [];
  // NOTE: a fleet's LB shares the servers' CPUs here: it is the lab's own task there, not another's.
  const contention = contentionFor(
    p.placement,
    p.cpuUnknown,
    () => [...live.serverPidsNow(), ...lbPids],
    wrkPids,
    p.remote,
  );
  const live = new LiveSampler(p.base, pids, wrkPids, p.durationS, p.log, serverVisible, contention, lbPids);
  const meters = fleet ? new FleetMeters(fleet, serverVisible) : null;
  live.start();
  meters?.sample();
  return { live, meters };
}

// NOTE: a fleet's listen queues are the LB's (the clients') and each server's (the LB's connections): all summed.
/** Whose network namespaces the kernel counters are read in: the server's, a fleet's LB and servers, none elsewhere. */
export function kernelPids(cpuUnknown: LiveStart["cpuUnknown"], before: LabStats): number[] {
  if (cpuUnknown.includes("server")) return [];
  const f = fleetOf(before);
  if (!f) return [before.primaryPid];
  return [...f.lbPids.slice(0, 1), ...f.members.map((m) => m.stats.primaryPid)];
}
