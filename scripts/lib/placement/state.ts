// The fleet's state dir (topology, keys, sshd configs, control sockets): where it is, and the topology file in it.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../core/atomic.ts";
import { InvalidRun } from "../core/cli.ts";
import type { Topology } from "./topology.ts";

// NOTE: under /run (root-owned 0755 tmpfs), not /tmp or results/: sshd's StrictModes refuses an
// AuthorizedKeysFile below a world-writable dir like /tmp, ssh's ControlPath must fit a unix socket path
// (~107 bytes, too short for a deep checkout), and keys must never land in the repository. A reboot clears
// it, as it clears the namespaces. LAB_FLEET_DIR overrides it (must be root-owned, not group/world-writable).
export function fleetDir(prefix: string, env = process.env): string {
  return env.LAB_FLEET_DIR ?? `/run/${prefix}fleet`;
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export const topologyPath = (dir: string): string => join(dir, "topology.json");

export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`, 0o600);
}

export function saveTopology(dir: string, t: Topology): string {
  const path = topologyPath(ensureDir(dir));
  writeJsonAtomic(path, t);
  return path;
}

/** The topology netns-up / fleet-up recorded, or null when none is up. */
export function loadTopology(dir: string): Topology | null {
  const path = topologyPath(dir);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Topology;
  } catch (e) {
    throw new InvalidRun(`${path} is unreadable (${(e as Error).message}) — run make netns-clean`);
  }
}
