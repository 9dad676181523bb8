// A fleet's counters at one moment (each server's 2xx, HAProxy's rows, its CPU) and what changed between two.

import type { FleetLab } from "../placement/fleet-lab.ts";
import { BACKEND, FRONTEND } from "../processes/haproxy-config.ts";
import { proxyRow, type StatRow, serverRows } from "../processes/haproxy-stats.ts";
import { count2xx, fetchLabStats } from "../processes/lab-stats.ts";

export interface Snap {
  atMs: number;
  /** per server host: 2xx it answered (its admin socket; health checks are counted apart) */
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

/** One server's row of a snapshot (undefined: not in the backend). */
export const serverRow = (s: Snap, name: string): StatRow | undefined =>
  serverRows(s.lb, BACKEND).find((r) => r.name === name);

export type ServerDelta = ReturnType<typeof serverDelta>;

function serverDelta(a: Snap, b: Snap, name: string) {
  const [ra, rb] = [serverRow(a, name), serverRow(b, name)];
  const [sa, sb] = [a.served[name], b.served[name]];
  const d = (f: (r: StatRow) => number): number => (rb ? f(rb) : 0) - (ra ? f(ra) : 0);
  return {
    name,
    /** null when the server could not be asked afterwards (killed) */
    served: sa === undefined || sb === undefined ? null : sb - sa,
    ...{ lb2xx: d((r) => r.hrsp["2xx"]), lb5xx: d((r) => r.hrsp["5xx"]) },
    ...{ eresp: d((r) => r.eresp), econ: d((r) => r.econ), wretr: d((r) => r.wretr) },
    ...{ wredis: d((r) => r.wredis), srvAbrt: d((r) => r.srvAbrt), cliAbrt: d((r) => r.cliAbrt) },
  };
}

/** What changed between two snapshots: per server (those a could ask) and at the LB's frontend. */
export function delta(a: Snap, b: Snap) {
  const perServer = Object.keys(a.served).map((name) => serverDelta(a, b, name));
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
