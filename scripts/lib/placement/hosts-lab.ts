// The hosts placement end to end: an inventory's client hosts checked and readied over ssh, the server where it says.

import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isLoopback } from "../../../server/options.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { settleAll, undoAll } from "../core/settle.ts";
import type { StatsSource } from "../processes/fleet-stats.ts";
import { type RunningServer, startServer } from "../processes/server.ts";
import { tasksetPrefix } from "./cpus.ts";
import { checkHost, sshFor } from "./host-check.ts";
import { type HostsFleetSpec, startHostsFleet } from "./hosts-fleet.ts";
import { type ClientHost, type Inventory, loadInventory } from "./inventory.ts";
import { guardInventory } from "./reach.ts";
import { sharesPids, startRemoteServer } from "./remote-server.ts";
import { type ClientSlot, remoteShards } from "./remote-shards.ts";
import { hostsGeneratorCpus, type PlacementRequest } from "./run-placement.ts";
import { inNetns } from "./topology.ts";

export interface HostsLabSpec {
  inventory: string;
  workers: number;
  port: number;
  stubMs: number;
  /** SERVERS=n: the inventory's fleet (servers behind its lb) instead of its one server */
  fleet?: Omit<HostsFleetSpec, "workers" | "port" | "stubMs">;
}

export interface HostsLab {
  inventory: Inventory;
  url: string;
  statsBase: StatsSource;
  request: PlacementRequest;
  output: () => string;
  stop: () => Promise<void>;
}

/** Check a client host (reachable, wrk there), make its temp dir and copy the wrk scripts into it. */
async function readyClient(inv: Inventory, c: ClientHost, stateDir: string, undo: (() => Promise<void>)[]) {
  const ssh = sshFor(inv, c, stateDir);
  undo.push(() => ssh.close());
  await ssh.connect();
  const chk = await checkHost(ssh, c.wrk);
  if (chk.wrk === null)
    throw new InvalidRun(
      `host ${c.name} has no wrk at ${c.wrk} — install it there (apt-get install -y wrk) or fix its "wrk" in ${inv.path}`,
    );
  const dir = (await ssh.runOk(["mktemp", "-d", "/tmp/labx-wrk-XXXXXX"], "making the lab dir")).trim();
  undo.push(() => ssh.run(["rm", "-rf", dir], { timeoutMs: 10_000 }).then(() => undefined));
  const scripts = readdirSync(join(ROOT, "configs/wrk")).filter((f) => f.endsWith(".lua"));
  await ssh.copyTo(
    scripts.map((f) => join(ROOT, "configs/wrk", f)),
    dir,
  );
  const slot: ClientSlot = { name: c.name, ssh, wrk: c.wrk, dir, localPids: await sharesPids(ssh) };
  return slot;
}

/** Start everything; on any failure what was made is undone and the error (one line naming the host) rethrown. */
export async function startHostsLab(s: HostsLabSpec): Promise<HostsLab> {
  const inventory = loadInventory(s.inventory);
  guardInventory(inventory);
  // NOTE: our own ssh state (control sockets, known_hosts) in a fresh short dir: ControlPath must fit a unix
  // socket path, and a user's inventory must not write into the fleet's state dir.
  const stateDir = mkdtempSync("/tmp/labx-ssh-");
  const undo: (() => Promise<void>)[] = [async () => rmSync(stateDir, { recursive: true, force: true })];
  // NOTE: every undo step runs; what failed (a process left on a host) is said, not swallowed.
  const stop = async (): Promise<void> => {
    for (const f of await undoAll(undo)) process.stderr.write(`hosts: teardown: ${f}\n`);
  };
  try {
    const slots = await settleAll(inventory.clients.map((c) => readyClient(inventory, c, stateDir, undo)));
    const server = s.fleet
      ? await fleetSide(inventory, s, s.fleet, undo)
      : await startServerSide(inventory, s, stateDir, undo);
    const remote = remoteShards(slots);
    if (!server.localPids) remote.cpuUnknown.push("server");
    const request: PlacementRequest = {
      kind: s.fleet ? "fleet" : "hosts",
      generatorCpus: null,
      hosts: {
        server: server.name,
        ...(server.address ? { serverAddress: server.address } : {}),
        clients: slots.map((x) => x.name),
        clientCpus: inventory.clients.map((c) => c.cpus),
      },
      remote,
      minShards: slots.length,
      generatorCpuCount: hostsGeneratorCpus(
        inventory.clients.map((c) => c.cpus),
        slots.every((x) => x.localPids),
      ),
    };
    const a = inventory.server.address;
    const url = server.url ?? `http://${a.includes(":") ? `[${a}]` : a}:${s.port}/ping/`;
    return { inventory, url, statsBase: server.statsBase, request, output: server.output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

interface ServerSide {
  /** the record's server host: the inventory's server, or a fleet's LB */
  name: string;
  statsBase: StatsSource;
  output: () => string;
  localPids: boolean;
  /** a fleet: the LB's URL, and the servers' addresses ("a+b") */
  url?: string;
  address?: string;
}

/** SERVERS=n: the inventory's fleet over ssh (placement/hosts-fleet.ts), stopped with the rest. */
async function fleetSide(
  inv: Inventory,
  s: HostsLabSpec,
  f: NonNullable<HostsLabSpec["fleet"]>,
  undo: (() => Promise<void>)[],
): Promise<ServerSide> {
  const fleet = await startHostsFleet(inv, { ...f, workers: s.workers, port: s.port, stubMs: s.stubMs });
  undo.push(fleet.stop);
  const output = () => `fleet of ${f.servers} behind ${fleet.lbName}`;
  return {
    ...{ name: fleet.serverNames, address: fleet.serverAddresses, statsBase: fleet.statsBase, output },
    ...{ localPids: fleet.localPids, url: fleet.url },
  };
}

/** The server: over ssh on its host (stats over a forwarded socket), or here, in its namespace when given. */
async function startServerSide(
  inv: Inventory,
  s: HostsLabSpec,
  stateDir: string,
  undo: (() => Promise<void>)[],
): Promise<ServerSide> {
  const h = inv.server;
  const spec = { workers: s.workers, port: s.port, stubMs: s.stubMs };
  if (h.ssh !== null) {
    const ssh = sshFor(inv, h, stateDir);
    undo.push(() => ssh.close());
    const localPids = await sharesPids(ssh);
    const srv = await startRemoteServer(ssh, {
      ...spec,
      address: h.address,
      localSock: join(stateDir, "admin.sock"),
    });
    undo.push(srv.stop);
    return { name: h.name, statsBase: srv.statsBase, output: srv.output, localPids };
  }
  const adminSocket = isLoopback(h.address) ? undefined : join(stateDir, "admin.sock");
  const prefix = h.netns ? inNetns(h.netns, [], h.cpus) : tasksetPrefix(h.cpus);
  let server: RunningServer;
  try {
    server = await startServer({ ...spec, host: h.address, adminSocket, prefix });
  } catch (e) {
    throw new InvalidRun(
      `the server on host ${h.name} did not start: ${(e as Error).message.split("\n").at(-1)}`,
    );
  }
  undo.push(() => server.stop().then(() => undefined));
  return { name: h.name, statsBase: server.statsBase, output: server.output, localPids: true };
}
