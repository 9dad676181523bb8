// A fleet of emulated hosts: the netns topology, a lab key, sshd in every host namespace, and its inventory file.

import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkInterrupted } from "../core/interrupt.ts";
import { wrkPath } from "../processes/generator-build.ts";
import { haproxyPath } from "../processes/haproxy.ts";
import { fleetNetnsUp } from "./fleet-netns.ts";
import { loadNetConfig, type NetConfig } from "./net-config.ts";
import { netnsCleanup, netnsUp } from "./netns.ts";
import { ensureKey, type SshdInfo, startSshd, stopSshd } from "./sshd.ts";
import { ensureDir, fleetDir, saveTopology, writeJsonAtomic } from "./state.ts";
import { hostsOf, type NetnsOptions, type NsHost, type Topology } from "./topology.ts";

export interface Fleet {
  dir: string;
  /** with servers: its server host (topology.server) is the load balancer, "lb" */
  topology: Topology;
  /** server hosts behind the LB (s1 …), when asked for */
  servers: NsHost[];
  key: string;
  sshd: SshdInfo[];
  inventoryPath: string;
}

const target = (h: NsHost): string => `root@${h.address}`;

export interface FleetUpOptions extends NetnsOptions {
  /** server hosts behind a load-balancer host (the LB on the server CPUs too); none = one server host */
  servers?: number;
}

// NOTE: the fleet's hosts run what this machine runs: emulated hosts share its filesystem, so its node and the
// lab's HAProxy (haproxy/get.sh; HAPROXY= selects another) are there at the same paths. A fleet over ssh still
// pushes the server into each host's own run dir (fleet-ssh.ts): only node and haproxy are taken from the host.
function fleetEntries(t: Topology, servers: NsHost[], sshPort: number): object {
  if (servers.length === 0) return {};
  const entry = (h: NsHost) => ({
    name: h.name,
    address: h.address,
    ssh: target(h),
    port: sshPort,
    cpus: h.cpus,
  });
  return {
    servers: servers.map((h) => ({ ...entry(h), node: process.execPath })),
    lb: { ...entry(t.server), haproxy: haproxyPath() },
  };
}

/**
 * The inventory of a fleet: every host reached over ssh from the hub namespace with the lab key. Its clients run
 * the wrk this machine runs (the lab's build unless WRK=): emulated hosts share its filesystem. With servers, the
 * one-server placement's "server" is the LB host (the same machine, as in the netns topology).
 */
export function fleetInventory(t: Topology, key: string, sshPort: number, servers: NsHost[] = []): object {
  return {
    $comment: `written by make fleet-up: emulated hosts in network namespaces (${t.subnet} exists only inside them); ssh runs from ${t.hub.ns}`,
    key,
    controlNetns: t.hub.ns,
    server: {
      name: t.server.name,
      address: t.server.address,
      ssh: target(t.server),
      port: sshPort,
      cpus: t.server.cpus,
    },
    clients: t.clients.map((c) => ({
      name: c.name,
      ssh: target(c),
      port: sshPort,
      cpus: c.cpus,
      wrk: wrkPath(),
    })),
    ...fleetEntries(t, servers, sshPort),
  };
}

/** The hosts: netns-up's topology, or with servers the fleet's (fleet-netns.ts: the LB at the server's address). */
async function hostsUp(
  opts: FleetUpOptions,
  cfg: NetConfig,
): Promise<{ topology: Topology; servers: NsHost[] }> {
  if (!opts.servers) return { topology: await netnsUp(opts, cfg), servers: [] };
  const f = await fleetNetnsUp({ ...opts, servers: opts.servers, lbCpus: opts.serverCpus }, cfg);
  // NOTE: that run dir is for a fleet run from this process (fleet-lab.ts), which fleet-up is not.
  rmSync(f.runDir, { recursive: true, force: true });
  return { topology: f.topology, servers: f.servers };
}

/** Bring a fleet up; on any failure or interrupt everything made so far is removed again. */
export async function fleetUp(opts: FleetUpOptions, cfg: NetConfig = loadNetConfig()): Promise<Fleet> {
  const dir = fleetDir(cfg.prefix);
  const { topology, servers } = await hostsUp(opts, cfg);
  try {
    ensureDir(dir);
    saveTopology(dir, topology);
    const key = await ensureKey(join(dir, "id_ed25519"), `labx fleet ${cfg.prefix}`);
    const sshd: SshdInfo[] = [];
    for (const h of [...hostsOf(topology), ...servers]) {
      if (opts.signal) checkInterrupted(opts.signal);
      sshd.push(await startSshd(h, dir, `${key}.pub`, cfg.sshPort));
    }
    const inventoryPath = join(dir, "inventory.json");
    writeJsonAtomic(inventoryPath, fleetInventory(topology, key, cfg.sshPort, servers));
    return { dir, topology, servers, key, sshd, inventoryPath };
  } catch (e) {
    await fleetDown(cfg);
    throw e;
  }
}

/** Stop every sshd, remove every prefixed namespace (and what runs in them) and the state dir with its keys. */
export async function fleetDown(cfg: NetConfig = loadNetConfig()): Promise<string[]> {
  const dir = fleetDir(cfg.prefix);
  const removed: string[] = [];
  let hosts: string[] = [];
  try {
    hosts = readdirSync(join(dir, "hosts"));
  } catch {
    // no fleet state
  }
  for (const h of hosts) {
    stopSshd(join(dir, "hosts", h, "sshd.pid"), join(dir, "hosts", h, "sshd_config"));
    removed.push(`sshd ${h}`);
  }
  // NOTE: namespaces by prefix, not by the recorded topology: a fleet-up killed before it saved the
  // topology still leaves nothing behind. The ssh masters live in the hub namespace and go with it.
  removed.push(...(await netnsCleanup(cfg.prefix)));
  rmSync(dir, { recursive: true, force: true });
  return [...removed, ...sweepRunDirs(cfg.prefix)];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// NOTE: a fleet behind HAProxy (fleet-netns.ts: make lb-cost) keeps its sockets and config in
// /run/<prefix>fleet-<pid>; one whose process is gone was left by a killed run. A live run's is left alone.
function sweepRunDirs(prefix: string): string[] {
  const left = readdirSync("/run").filter((f) => {
    const pid = new RegExp(`^${prefix}fleet-(\\d+)$`).exec(f)?.[1];
    return pid !== undefined && !alive(Number(pid));
  });
  for (const f of left) rmSync(join("/run", f), { recursive: true, force: true });
  return left.map((f) => `/run/${f}`);
}
