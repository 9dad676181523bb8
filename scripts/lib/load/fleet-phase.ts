// A fleet run's own readings around the measured phase: the LB's CPU set, its peaks reset, its show info, the rows.
import type { FleetRecord } from "../contract/fleet.ts";
import { affinityOf } from "../placement/cpus.ts";
import type { RunPlacement } from "../placement/run-placement.ts";
import { fleetOf, type StatsSource } from "../processes/fleet-stats.ts";
import { haproxyClient } from "../processes/haproxy-client.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import type { FleetMeters } from "./fleet-meters.ts";
import { fleetRecord } from "./fleet-rows.ts";
import type { Collected } from "./measurements.ts";

/** A fleet's LB: its CPU set read back from its process (a side of its own); none on another machine. */
export function withLbCpus(rp: RunPlacement, first: LabStats): RunPlacement {
  const lb = fleetOf(first)?.lbPids[0];
  const cpus = lb ? affinityOf(lb) : null;
  return cpus ? { ...rp, lbCpus: cpus } : rp;
}

// NOTE: HAProxy's peaks (smax, qmax) run from its start: without this a run would report an earlier run's or the
// warm-up's peak sessions and queue. `clear counters` resets only the maxima; the totals the deltas use stay.
/** Before a measured phase: the LB's peaks back to now. */
export async function resetLbPeaks(src: StatsSource): Promise<void> {
  if (typeof src !== "string") await haproxyClient(src.lb.sockets).command("clear counters");
}

/** The fleet's rows: the LB's show info read now, its CPU from the collected figures (null: another machine's). */
export async function fleetPart(
  src: StatsSource,
  r: { before: LabStats; after: LabStats; meters: FleetMeters; c: Collected },
): Promise<FleetRecord | undefined> {
  const [fb, fa] = [fleetOf(r.before), fleetOf(r.after)];
  if (!fb || !fa || typeof src === "string") return undefined;
  const info = await haproxyClient(src.lb.sockets).info();
  const addresses = Object.fromEntries(src.servers.map((s) => [s.name, s.address]));
  const cpu = r.c.cpu.lb;
  const lb = {
    ...{ host: src.lb.host, address: src.lb.address, version: info.version, nbthread: info.nbthread },
    processes: info.processes,
    maxconn: info.maxconn,
    cpu: cpu ? { us: cpu.cpuUs, pct: r.c.window?.lbPct ?? cpu.pct, cpus: cpu.cpus } : null,
  };
  return fleetRecord(fb, fa, r.meters, lb, addresses);
}
