// The netns placement end to end: emulated hosts up, the server inside its namespace, wrk shards in the clients'.
import { rmSync } from "node:fs";
import { type RunningServer, startServer } from "../processes/server.ts";
import { resolveSplit } from "./cpus.ts";
import { netnsDown, netnsUp } from "./netns.ts";
import type { PlacementRequest } from "./run-placement.ts";
import { inNetns, type Topology } from "./topology.ts";

export interface NetnsLabSpec {
  clients: number;
  serverCpus?: number[];
  generatorCpus?: number[];
  workers: number;
  port: number;
  stubMs: number;
  signal: AbortSignal;
}

export interface NetnsLab {
  topology: Topology;
  server: RunningServer;
  url: string;
  /** what runLoad needs: shards through `ip netns exec <client>`, stats over the server's admin socket */
  request: PlacementRequest;
  stop: () => Promise<void>;
}

// NOTE: the stats are not served on 10.77.0.10 (beyond loopback, server/admin.ts): the primary answers them on a
// unix socket, which the lab in the root namespace reaches through the shared filesystem.
export async function startNetnsLab(s: NetnsLabSpec): Promise<NetnsLab> {
  const split = resolveSplit(s.serverCpus, s.generatorCpus);
  const t = await netnsUp({
    clients: s.clients,
    serverCpus: split.server,
    clientCpus: split.generator,
    signal: s.signal,
  });
  const sock = `/run/${t.prefix}admin-${process.pid}.sock`;
  let server: RunningServer | null = null;
  const stop = async (): Promise<void> => {
    await server?.stop();
    rmSync(sock, { force: true });
    await netnsDown(t);
  };
  try {
    server = await startServer({
      ...{ host: t.server.address, port: s.port, workers: s.workers, stubMs: s.stubMs },
      ...{ adminSocket: sock, prefix: inNetns(t.server.ns, [], t.server.cpus) },
    });
  } catch (e) {
    await stop();
    throw e;
  }
  const clients = t.clients;
  const request: PlacementRequest = {
    kind: "netns",
    generatorCpus: split.generator,
    shardPrefix: (i) => {
      const c = clients[i % clients.length] as (typeof clients)[number];
      return inNetns(c.ns, [], c.cpus);
    },
    hosts: { server: t.server.ns, clients: clients.map((c) => c.ns) },
  };
  return { topology: t, server, url: `http://${t.server.address}:${s.port}/ping/`, request, stop };
}
