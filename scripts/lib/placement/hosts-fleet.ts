// SERVERS=n with HOSTS=<inventory>: the inventory's fleet (servers + lb) started over ssh, as the hosts run reads it.
import { InvalidRun } from "../core/cli.ts";
import type { FleetSource } from "../processes/fleet-stats.ts";
import { startSshFleetLab } from "./fleet-ssh.ts";
import type { Inventory } from "./inventory.ts";

export interface HostsFleetSpec {
  workers: number;
  port: number;
  stubMs: number;
  /** how many of the inventory's server hosts (its "servers", in order) */
  servers: number;
  connections: number;
  /** requests/s per client address the LB answers beyond with 429 (0: no limit) */
  rateLimit: number;
  signal?: AbortSignal;
}

export interface HostsFleet {
  url: string;
  statsBase: FleetSource;
  lbName: string;
  /** the server hosts, for the record's placement: "s1+s2" and their addresses */
  serverNames: string;
  serverAddresses: string;
  /** whether the fleet's pids are this machine's (emulated hosts): its CPU is readable here */
  localPids: boolean;
  stop: () => Promise<void>;
}

/** The first `servers` of the inventory's server hosts behind its LB host; a one-line refusal without a fleet. */
export async function startHostsFleet(inv: Inventory, s: HostsFleetSpec): Promise<HostsFleet> {
  if (!inv.lb || inv.servers.length < s.servers)
    throw new InvalidRun(
      `SERVERS=${s.servers} with HOSTS=${inv.path}: the inventory names ${inv.servers.length} server host(s)${inv.lb ? "" : " and no lb"} — add "servers" and "lb" (configs/hosts/fleet-example.json) or lower SERVERS`,
    );
  const lab = await startSshFleetLab({
    inventory: { ...inv, servers: inv.servers.slice(0, s.servers) },
    ...{ workers: s.workers, port: s.port, stubMs: s.stubMs, connections: s.connections, nbthread: 1 },
    lb: s.rateLimit > 0 ? { rateLimit: { requests: s.rateLimit, windowS: 1 } } : undefined,
    signal: s.signal,
  });
  const lb = inv.lb;
  const statsBase: FleetSource = {
    lb: {
      sockets: [lab.lb.socket],
      pids: lab.localPids ? [lab.lb.pid] : [],
      host: lb.name,
      address: lb.address,
    },
    servers: lab.members.map((m) => ({ name: m.host.name, base: m.statsBase, address: m.host.address })),
  };
  const [names, addresses] = [lab.members.map((m) => m.host.name), lab.members.map((m) => m.host.address)];
  return {
    ...{ url: lab.url, statsBase, lbName: lb.name, localPids: lab.localPids, stop: lab.stop },
    ...{ serverNames: names.join("+"), serverAddresses: addresses.join("+") },
  };
}
