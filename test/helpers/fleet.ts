// Fleet tests' plumbing: a fleet behind HAProxy in labt namespaces, paced wrk from a client host, counters before/after.
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { procStat } from "../../scripts/lib/machine/proc.ts";
import { type FleetLab, type FleetLabSpec, startFleetLab } from "../../scripts/lib/placement/fleet-lab.ts";
import { type FleetNetns, withFleetNetns } from "../../scripts/lib/placement/fleet-netns.ts";
import { loadNetConfig, type NetConfig } from "../../scripts/lib/placement/net-config.ts";
import { listNamespaces, rootLinks } from "../../scripts/lib/placement/netns.ts";
import { inNetns, type NsHost } from "../../scripts/lib/placement/topology.ts";
import { wrkPath } from "../../scripts/lib/processes/generator-build.ts";
import { haproxyPath } from "../../scripts/lib/processes/haproxy.ts";
import { BACKEND, FRONTEND } from "../../scripts/lib/processes/haproxy-config.ts";
import { proxyRow, type StatRow, serverRows } from "../../scripts/lib/processes/haproxy-stats.ts";
import { count2xx, fetchLabStats } from "../../scripts/lib/processes/lab-stats.ts";
import { buildShards, startShards } from "../../scripts/lib/processes/wrk.ts";
import type { WrkReport } from "../../scripts/lib/processes/wrk-report.ts";
import { testPrefix } from "./netns.ts";

export const FLEET_PREFIX = testPrefix("h");

/** Why a fleet test cannot run here, or false. */
export function fleetSkip(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns)";
  if (os.cpus().length < 2) return "needs 2 CPUs";
  return !existsSync(haproxyPath()) && "HAProxy is not unpacked: run haproxy/get.sh (make deps)";
}

export const STUB = 200;
export const INTER = 1000;
export const FAST = 200;
export const CONNS = 400;
export const fleetCfg = (): NetConfig => ({ ...loadNetConfig(), prefix: FLEET_PREFIX });

export type LabOptions = Omit<FleetLabSpec, "fleet">;

/** 2 workers per server, HAProxy on one thread, checks every second (200 ms in a transition), fall 2, rise 2. */
export const BASE: LabOptions = {
  ...{ workers: 2, port: 8000, stubMs: STUB, connections: CONNS, nbthread: 1 },
  lb: { checkInterMs: INTER, checkFastInterMs: FAST, fall: 2, rise: 2 },
};

/** Every pid of the fleet: HAProxy, each server's primary and workers. */
export async function fleetPids(lab: FleetLab): Promise<number[]> {
  const pids = [lab.lb.pid];
  for (const m of lab.members) pids.push(m.server.pid, ...(await fetchLabStats(m.server.statsBase)).pids);
  return pids;
}

export const errorsOf = (e: WrkReport["summary"]["errors"]): number =>
  e.connect + e.read + e.write + e.status + e.timeout;

/** Two server hosts (CPU 1), the LB (CPU 1), one client (CPU 0). */
export const SHAPE = { servers: 2, clients: 1, serverCpus: [1], lbCpus: [1], clientCpus: [0] };

/** The fleet of SHAPE with spec's lab on it; fn gets both, then everything is stopped and removed. */
export function withFleetLab<T>(
  spec: LabOptions,
  fn: (f: FleetNetns, lab: FleetLab) => Promise<T>,
): Promise<T> {
  return withFleetNetns(
    SHAPE,
    async (f) => {
      const lab = await startFleetLab({ ...spec, fleet: f });
      try {
        return await fn(f, lab);
      } finally {
        await lab.stop();
      }
    },
    fleetCfg(),
  );
}

export interface Paced {
  url: string;
  client: NsHost;
  connections: number;
  rps: number;
  durationS: number;
}

/** One paced wrk (the lab's build, one shard, 2 threads) from the client's namespace; its report. */
export async function pacedWrk(p: Paced): Promise<WrkReport> {
  const outDir = mkdtempSync(join(os.tmpdir(), "fleet-wrk-"));
  try {
    const shards = buildShards({
      ...{ url: p.url, mode: "paced", connections: p.connections, threads: 2, shards: 1 },
      ...{ durationS: p.durationS, timeoutS: 2, targetRps: p.rps, outDir, wrk: wrkPath() },
      prefix: () => inNetns(p.client.ns, [], p.client.cpus),
    });
    const [report] = await startShards(shards).done;
    if (!report) throw new Error("no wrk report");
    return report;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

export interface Snap {
  atMs: number;
  /** per server host: 2xx it answered (its admin socket), health checks included */
  served: Record<string, number>;
  lb: StatRow[];
  lbCpuUs: number;
}

export async function snapshot(lab: FleetLab): Promise<Snap> {
  const served: Record<string, number> = {};
  for (const m of lab.members) {
    // NOTE: a killed server's admin socket is gone: it is left out, its HAProxy row stays.
    const st = await fetchLabStats(m.server.statsBase).catch(() => null);
    if (st) served[m.host.name] = count2xx(st);
  }
  return { atMs: performance.now(), served, lb: await lab.lb.stat(), lbCpuUs: lab.lb.cpuUs() ?? 0 };
}

/** What changed between two snapshots: per server and at the LB's frontend. */
export function delta(a: Snap, b: Snap) {
  const row = (s: Snap, name: string): StatRow | undefined =>
    serverRows(s.lb, BACKEND).find((r) => r.name === name);
  const perServer = Object.keys(a.served).map((name) => {
    const [ra, rb] = [row(a, name), row(b, name)];
    const [sa, sb] = [a.served[name], b.served[name]];
    return {
      name,
      /** null when the server could not be asked afterwards (killed) */
      served: sa === undefined || sb === undefined ? null : sb - sa,
      lb2xx: (rb?.hrsp["2xx"] ?? 0) - (ra?.hrsp["2xx"] ?? 0),
      lb5xx: (rb?.hrsp["5xx"] ?? 0) - (ra?.hrsp["5xx"] ?? 0),
      eresp: (rb?.eresp ?? 0) - (ra?.eresp ?? 0),
      econ: (rb?.econ ?? 0) - (ra?.econ ?? 0),
      wretr: (rb?.wretr ?? 0) - (ra?.wretr ?? 0),
      wredis: (rb?.wredis ?? 0) - (ra?.wredis ?? 0),
      srvAbrt: (rb?.srvAbrt ?? 0) - (ra?.srvAbrt ?? 0),
      cliAbrt: (rb?.cliAbrt ?? 0) - (ra?.cliAbrt ?? 0),
    };
  });
  const [fa, fb] = [proxyRow(a.lb, FRONTEND, "frontend"), proxyRow(b.lb, FRONTEND, "frontend")];
  const front = {
    "2xx": fb.hrsp["2xx"] - fa.hrsp["2xx"],
    "4xx": fb.hrsp["4xx"] - fa.hrsp["4xx"],
    "5xx": fb.hrsp["5xx"] - fa.hrsp["5xx"],
    dreq: fb.dreq - fa.dreq,
    ereq: fb.ereq - fa.ereq,
    cliAbrt: fb.cliAbrt - fa.cliAbrt,
  };
  return { perServer, front, elapsedMs: b.atMs - a.atMs, lbCpuUs: b.lbCpuUs - a.lbCpuUs };
}

/** Let requests still in flight at the servers be answered (wrk has gone, HAProxy still waits for them). */
export const settle = (stubMs: number): Promise<void> => sleep(stubMs + 400);

/** What a fleet test may leave: nothing with its prefix (namespaces, links, /run entries), no process of pids. */
export async function leftovers(pids: number[], prefix = FLEET_PREFIX): Promise<string[]> {
  const left = [
    ...(await listNamespaces()).filter((n) => n.startsWith(prefix)).map((n) => `netns ${n}`),
    ...(await rootLinks(prefix)).map((l) => `link ${l}`),
    ...readdirSync("/run")
      .filter((f) => f.startsWith(prefix))
      .map((f) => `/run/${f}`),
  ];
  for (const pid of pids) {
    try {
      process.kill(pid, 0);
      const st = procStat(pid);
      left.push(`process ${pid}${st ? ` (${st.comm}, state ${st.state}, parent ${st.ppid})` : ""}`);
    } catch {
      // gone
    }
  }
  return left;
}
