// SERVERS=n for a load run: the fleet's hosts up, servers and HAProxy started, what the run needs to target and read it.
import type { FleetSource } from "../processes/fleet-stats.ts";
import { resolveSplit } from "./cpus.ts";
import { type FleetLab, startFleetLab } from "./fleet-lab.ts";
import { type FleetNetns, fleetNetnsUp } from "./fleet-netns.ts";
import type { PlacementRequest } from "./run-placement.ts";
import { inNetns } from "./topology.ts";

export interface FleetRunSpec {
  servers: number;
  clients: number;
  workers: number;
  port: number;
  stubMs: number;
  connections: number;
  /** requests/s per client address the LB answers beyond with 429 (0: no limit) */
  rateLimit: number;
  /** HAProxy processes sharing the LB's port */
  lbProcesses: number;
  /** the servers' and the LB's CPUs (split's server side), and wrk's */
  serverCpus?: number[];
  generatorCpus?: number[];
  signal: AbortSignal;
}

export interface FleetRun {
  fleet: FleetNetns;
  lab: FleetLab;
  url: string;
  statsBase: FleetSource;
  request: PlacementRequest;
  /** one line for people: where each host runs */
  label: string;
  output: () => string;
  stop: () => Promise<void>;
}

// NOTE: on this 2-CPU box the servers and HAProxy share the server side's CPUs and wrk has the rest: wrk's clock
// judges the latency, so it never waits behind the LB; each side's CPU is read from its own processes.
export async function startFleetRun(s: FleetRunSpec): Promise<FleetRun> {
  const split = resolveSplit(s.serverCpus, s.generatorCpus);
  const fleet = await fleetNetnsUp({
    ...{ servers: s.servers, clients: s.clients, signal: s.signal },
    ...{ serverCpus: split.server, lbCpus: split.server, clientCpus: split.generator },
  });
  let lab: FleetLab;
  try {
    lab = await startFleetLab({
      ...{ fleet, workers: s.workers, port: s.port, stubMs: s.stubMs },
      ...{ connections: s.connections, nbthread: 1, lbProcesses: s.lbProcesses },
      lb: s.rateLimit > 0 ? { rateLimit: { requests: s.rateLimit, windowS: 1 } } : undefined,
    });
  } catch (e) {
    await fleet.down();
    throw e;
  }
  const stop = async (): Promise<void> => {
    try {
      await lab.stop();
    } finally {
      await fleet.down(); // NOTE: the namespaces go even when a process would not stop: down kills what is left
    }
  };
  return {
    fleet,
    lab,
    url: lab.url,
    statsBase: sourceOf(fleet, lab),
    request: requestOf(fleet, split.generator),
    label: labelOf(fleet),
    output: () => lab.members.map((m) => `${m.host.name}: ${m.server.output().trim()}`).join("\n"),
    stop,
  };
}

function sourceOf(fleet: FleetNetns, lab: FleetLab): FleetSource {
  return {
    lb: { sockets: lab.lb.sockets, pids: lab.lb.pids, host: fleet.lb.ns, address: fleet.lb.address },
    servers: lab.members.map((m) => ({
      name: m.host.name,
      base: m.server.statsBase,
      address: m.host.address,
    })),
  };
}

function requestOf(fleet: FleetNetns, generatorCpus: number[]): PlacementRequest {
  const clients = fleet.clients;
  return {
    kind: "fleet",
    generatorCpus,
    shardPrefix: (i) => {
      const c = clients[i % clients.length] as (typeof clients)[number];
      return inNetns(c.ns, [], c.cpus);
    },
    hosts: {
      server: fleet.servers.map((h) => h.ns).join("+"),
      serverAddress: fleet.servers.map((h) => h.address).join("+"),
      clients: clients.map((c) => c.ns),
    },
  };
}

const labelOf = (f: FleetNetns): string =>
  `fleet — HAProxy ${f.lb.ns} ${f.lb.address}, servers ${f.servers.map((h) => `${h.ns} ${h.address}`).join(", ")}, clients ${f.clients.map((c) => c.ns).join(", ")}`;
