// A server fleet as emulated hosts: a load-balancer host, n server hosts and K client hosts on the lab bridge.
import { mkdirSync, rmSync } from "node:fs";
import { InvalidRun } from "../core/cli.ts";
import { checkInterrupted } from "../core/interrupt.ts";
import { undoAll } from "../core/settle.ts";
import { loadNetConfig, type NetConfig } from "./net-config.ts";
import { addHost, listNamespaces, netnsDown, netnsUp, removeNamespace } from "./netns.ts";
import { IFNAME, type NsHost, type Topology } from "./topology.ts";

export interface FleetNetnsOptions {
  servers: number;
  clients: number;
  /** every server host's CPU set (null = all) */
  serverCpus?: number[] | null;
  lbCpus?: number[] | null;
  clientCpus?: number[] | null;
  signal?: AbortSignal;
}

export interface FleetNetns {
  /** hub, clients, and the LB as topology.server (the address the clients target) */
  topology: Topology;
  lb: NsHost;
  servers: NsHost[];
  clients: NsHost[];
  /** a lab-private directory for the fleet's sockets and configs (/run/<prefix>fleet-<pid>), removed by down */
  runDir: string;
  /** every process in the fleet's namespaces stopped, the namespaces and runDir removed; safe to call twice */
  down: () => Promise<void>;
}

export const MAX_FLEET_SERVERS = 8;

// NOTE: the LB takes the server's address (configs/net.json serverHost, .10), so wrk targets the same address in
// a fleet as in the one-server netns placement; server hosts follow it (.11 …), below the first client (.101).
/** Server hosts s1…sn at serverHost+1…; names and addresses only (netnsUp has planned the rest). */
export function planFleetServers(cfg: NetConfig, n: number, cpus?: number[] | null): NsHost[] {
  const last = cfg.serverHost + n;
  if (!Number.isInteger(n) || n < 1 || n > MAX_FLEET_SERVERS) {
    throw new InvalidRun(`SERVERS must be from 1 to ${MAX_FLEET_SERVERS}, got ${n}`);
  }
  if (last >= cfg.firstClientHost || (cfg.hubHost > cfg.serverHost && cfg.hubHost <= last) || last > 254) {
    throw new InvalidRun(
      `${n} server hosts after serverHost ${cfg.serverHost} collide with the hub or the clients in configs/net.json`,
    );
  }
  return Array.from({ length: n }, (_, i) => ({
    name: `s${i + 1}`,
    role: "server" as const,
    ns: `${cfg.prefix}s${i + 1}`,
    ifname: IFNAME,
    address: `${cfg.net24}.${cfg.serverHost + i + 1}`,
    cpus: cpus ?? null,
    sysctls: {},
  }));
}

/** Bring the fleet's hosts up; on any failure or interrupt, everything made so far is removed again. */
export async function fleetNetnsUp(
  o: FleetNetnsOptions,
  cfg: NetConfig = loadNetConfig(),
): Promise<FleetNetns> {
  // NOTE: checked before netnsUp, which would otherwise make the hub, the LB and the clients first.
  const servers = planFleetServers(cfg, o.servers, o.serverCpus);
  const taken = new Set(await listNamespaces());
  const clash = servers.find((h) => taken.has(h.ns));
  if (clash) {
    throw new InvalidRun(
      `namespace ${clash.ns} already exists (a killed run left it) — run make netns-clean`,
    );
  }
  const t = await netnsUp(
    {
      clients: o.clients,
      serverCpus: o.lbCpus,
      clientCpus: o.clientCpus,
      signal: o.signal,
      serverName: "lb",
    },
    cfg,
  );
  const runDir = `/run/${t.prefix}fleet-${process.pid}`;
  let downing: Promise<void> | null = null;
  const down = (): Promise<void> => {
    // NOTE: the traffic first (clients, then the LB and its pooled server connections), so the servers drain
    // with nothing new arriving; the hub last (netnsDown: the others are gone by then).
    // NOTE: every step runs even when one fails (the first failure thrown at the end); a failed down can be retried.
    downing ??= (async () => {
      const order = [...t.clients.map((c) => c.ns), t.server.ns, ...servers.map((s) => s.ns)];
      const steps = [
        async () => rmSync(runDir, { recursive: true, force: true }),
        () => netnsDown(t),
        ...order.reverse().map((ns) => () => removeNamespace(ns)),
      ];
      const failed = await undoAll(steps);
      if (failed.length) {
        downing = null;
        throw new Error(`the fleet's teardown: ${failed.join("; ")} — run make netns-clean`);
      }
    })();
    return downing;
  };
  try {
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    for (const h of servers) {
      if (o.signal) checkInterrupted(o.signal);
      await addHost(t, h, cfg);
    }
  } catch (e) {
    await down();
    throw e;
  }
  return { topology: t, lb: t.server, servers, clients: t.clients, runDir, down };
}

// NOTE: without a signal of the caller's, a Ctrl-C or SIGTERM tears the fleet down and exits 130 (a test, a
// one-off script): while the hosts come up it aborts them (netnsUp removes what it made, then Interrupted is
// thrown); once they are up it removes them and exits. A driver passes interruptSignal() and unwinds instead.
/** Run fn with a fleet up; torn down when fn returns or throws, and on Ctrl-C. */
export async function withFleetNetns<T>(
  o: FleetNetnsOptions,
  fn: (f: FleetNetns) => Promise<T>,
  cfg: NetConfig = loadNetConfig(),
): Promise<T> {
  const own = o.signal ? null : new AbortController();
  let fleet: FleetNetns | null = null;
  const onSignal = (): void => {
    own?.abort();
    if (fleet) void fleet.down().finally(() => process.exit(130));
  };
  if (own) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  try {
    fleet = await fleetNetnsUp({ ...o, signal: o.signal ?? own?.signal }, cfg);
    return await fn(fleet);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await fleet?.down();
  }
}
