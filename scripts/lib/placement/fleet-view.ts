// What a running fleet gives the lab wherever its hosts are (namespaces here, or over ssh): stats, the LB, the URL, stop.
import type { HaproxyClient } from "../processes/haproxy-client.ts";
import type { LabStats } from "../processes/lab-stats.ts";

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
