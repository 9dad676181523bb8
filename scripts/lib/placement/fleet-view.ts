// What a running fleet gives the lab wherever its hosts are (namespaces here, or over ssh): stats, the LB, the URL, stop.
import type { HaproxyClient } from "../processes/haproxy.ts";
import { fetchLabStats, type LabStats } from "../processes/lab-stats.ts";
import type { FleetLab } from "./fleet-lab.ts";

export interface FleetViewMember {
  host: { name: string; address: string };
  /** `unix:<path here>` for fetchLabStats: the primary's admin socket (over ssh: forwarded by the ssh master) */
  statsBase: string;
  stats: () => Promise<LabStats>;
}

export interface FleetViewLb extends HaproxyClient {
  version: string;
  /** its stats socket, here (over ssh: forwarded by the ssh master) */
  socket: string;
  /** HAProxy's pid on its host */
  pid: number;
}

export interface FleetView {
  members: FleetViewMember[];
  lb: FleetViewLb;
  /** what wrk targets: the LB */
  url: string;
  /** whether the hosts' pids are this machine's (same kernel and pid namespace): /proc CPU readings apply */
  localPids: boolean;
  /** HAProxy, then every server; safe to call twice */
  stop: () => Promise<void>;
}

/** The fleet startFleetLab runs in namespaces here, seen as a FleetView. */
export function fleetViewOf(lab: FleetLab): FleetView {
  let stopping: Promise<void> | null = null;
  return {
    members: lab.members.map((m) => ({
      host: { name: m.host.name, address: m.host.address },
      statsBase: m.server.statsBase,
      stats: () => fetchLabStats(m.server.statsBase),
    })),
    lb: lab.lb,
    url: lab.url,
    localPids: true,
    stop: () => {
      stopping ??= lab.stop();
      return stopping;
    },
  };
}
