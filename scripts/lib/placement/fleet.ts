// A fleet of emulated hosts: the netns topology, a lab key, sshd in every host namespace, and its inventory file.

import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkInterrupted } from "../core/interrupt.ts";
import { wrkPath } from "../processes/generator-build.ts";
import { loadNetConfig, type NetConfig } from "./net-config.ts";
import { netnsCleanup, netnsUp } from "./netns.ts";
import { ensureKey, type SshdInfo, startSshd, stopSshd } from "./sshd.ts";
import { ensureDir, fleetDir, saveTopology, writeJsonAtomic } from "./state.ts";
import { hostsOf, type NetnsOptions, type NsHost, type Topology } from "./topology.ts";

export interface Fleet {
  dir: string;
  topology: Topology;
  key: string;
  sshd: SshdInfo[];
  inventoryPath: string;
}

const target = (h: NsHost): string => `root@${h.address}`;

/**
 * The inventory of a fleet: every host reached over ssh from the hub namespace with the lab key. Its clients run
 * the wrk this machine runs (the lab's build unless WRK=): emulated hosts share its filesystem.
 */
export function fleetInventory(t: Topology, key: string, sshPort: number): object {
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
  };
}

/** Bring a fleet up; on any failure or interrupt everything made so far is removed again. */
export async function fleetUp(opts: NetnsOptions, cfg: NetConfig = loadNetConfig()): Promise<Fleet> {
  const dir = fleetDir(cfg.prefix);
  const topology = await netnsUp(opts, cfg);
  try {
    ensureDir(dir);
    saveTopology(dir, topology);
    const key = await ensureKey(join(dir, "id_ed25519"), `labx fleet ${cfg.prefix}`);
    const sshd: SshdInfo[] = [];
    for (const h of hostsOf(topology)) {
      if (opts.signal) checkInterrupted(opts.signal);
      sshd.push(await startSshd(h, dir, `${key}.pub`, cfg.sshPort));
    }
    const inventoryPath = join(dir, "inventory.json");
    writeJsonAtomic(inventoryPath, fleetInventory(topology, key, cfg.sshPort));
    return { dir, topology, key, sshd, inventoryPath };
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
