// The emulated hosts' shape: names and addresses of the hub, the server and K client namespaces, and the argv prefix.
import { InvalidRun } from "../core/cli.ts";
import { tasksetPrefix } from "./cpus.ts";
import type { NetConfig } from "./net-config.ts";

export interface NsHost {
  /** host name in the inventory: "srv", "c1", … */
  name: string;
  role: "server" | "client";
  /** network namespace ("labx-srv") — also the name of its veth end in the hub */
  ns: string;
  /** the interface inside ns */
  ifname: string;
  address: string;
  /** CPU set every process started there runs on (taskset), null = all */
  cpus: number[] | null;
  /** per-namespace sysctls as read back after writing */
  sysctls: Record<string, string>;
}

export interface Topology {
  version: 1;
  prefix: string;
  subnet: string;
  /** namespace holding the bridge; the bridge's address is where the lab's ssh and probes start from */
  hub: { ns: string; bridge: string; address: string };
  server: NsHost;
  clients: NsHost[];
  createdAt: string;
}

export interface NetnsOptions {
  clients: number;
  serverCpus?: number[] | null;
  clientCpus?: number[] | null;
  signal?: AbortSignal;
  /** the name of the host at the server's address (default "srv"; a fleet puts its load balancer there: "lb") */
  serverName?: string;
}

export const IFNAME = "eth0";

/** Every name and address, before anything exists (sysctls filled in by netnsUp). */
export function planTopology(cfg: NetConfig, opts: NetnsOptions): Topology {
  if (!Number.isInteger(opts.clients) || opts.clients < 1 || opts.clients > cfg.maxClients) {
    throw new InvalidRun(
      `CLIENTS must be from 1 to ${cfg.maxClients} (maxClients in configs/net.json), got ${opts.clients}`,
    );
  }
  const host = (
    name: string,
    role: NsHost["role"],
    n: number,
    cpus: number[] | null | undefined,
  ): NsHost => ({
    name,
    role,
    ns: `${cfg.prefix}${name}`,
    ifname: IFNAME,
    address: `${cfg.net24}.${n}`,
    cpus: cpus ?? null,
    sysctls: {},
  });
  return {
    version: 1,
    prefix: cfg.prefix,
    subnet: cfg.subnet,
    hub: { ns: `${cfg.prefix}hub`, bridge: `${cfg.prefix}br`, address: `${cfg.net24}.${cfg.hubHost}` },
    server: host(opts.serverName ?? "srv", "server", cfg.serverHost, opts.serverCpus),
    clients: Array.from({ length: opts.clients }, (_, i) =>
      host(`c${i + 1}`, "client", cfg.firstClientHost + i, opts.clientCpus),
    ),
    createdAt: new Date().toISOString(),
  };
}

export function hostsOf(t: Topology): NsHost[] {
  return [t.server, ...t.clients];
}

/** Namespaces in teardown order: hosts first, the hub (bridge) last. */
export function namespacesOf(t: Topology): string[] {
  return [...t.clients.map((c) => c.ns), t.server.ns, t.hub.ns];
}

/** argv that runs argv inside ns (on cpus when given): `ip netns exec NS [taskset -c L] …`. */
export function inNetns(ns: string, argv: string[], cpus?: number[] | null): string[] {
  return ["ip", "netns", "exec", ns, ...tasksetPrefix(cpus && cpus.length > 0 ? cpus : null), ...argv];
}
