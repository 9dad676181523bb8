// A fleet run's rows (pure): each server's counters, CPU and run-queue wait, and the LB's, from readings around the phase.
import type { FleetLbRow, FleetRecord, FleetServerRow } from "../contract/fleet.ts";
import type { ServerBucketsUs } from "../contract/lateness.ts";
import { affinityOf } from "../placement/cpus.ts";
import { type FleetStats, lbOwnAnswers } from "../processes/fleet-stats.ts";
import { BACKEND, FRONTEND } from "../processes/haproxy-config.ts";
import { proxyRow, type StatRow, serverRows } from "../processes/haproxy-stats.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import type { FleetMeters, MemberMeter } from "./fleet-meters.ts";
import { serverDelta } from "./measurements.ts";
import { serverLateness } from "./server-late.ts";

/** The LB's figures the rows need beyond its stats socket: CPU over the phase and its share of its CPUs. */
export interface LbFigures {
  host: string;
  address: string;
  version: string;
  processes: number;
  nbthread: number;
  maxconn: number;
  /** µs over the phase, % of one core over the steady window, CPUs given; null on another machine */
  cpu: { us: number; pct: number; cpus: number } | null;
}

const d = (a: number, b: number): number => Math.max(0, a - b);

function serverRow(
  name: string,
  s: { before: LabStats; after: LabStats },
  lb: { before?: StatRow; after?: StatRow },
  meter: MemberMeter,
  totalRequests: number,
): FleetServerRow {
  const { requests, responses, responses2xx: ok, aborted } = serverDelta(s.before, s.after);
  const late: ServerBucketsUs | null = serverLateness(s.before, s.after);
  const f = (k: "stot" | "econ" | "eresp" | "wretr" | "wredis" | "chkdown") =>
    d(lb.after?.[k] ?? 0, lb.before?.[k] ?? 0);
  return {
    ...{ host: name, address: "", workers: s.after.workers },
    cpus: meter.cpuUs === null ? null : affinityOf(s.after.primaryPid),
    ...{ requests, responses2xx: ok, non2xx: responses - ok, aborted },
    checks: s.after.checks === undefined ? null : s.after.checks - (s.before.checks ?? 0),
    sharePct: totalRequests > 0 ? (requests / totalRequests) * 100 : 0,
    cpuUs: meter.cpuUs === null ? null : Math.round(meter.cpuUs),
    usPerRequest: meter.cpuUs === null ? null : responses > 0 ? meter.cpuUs / responses : 0,
    runQueueWaitPct: meter.waitPct === null ? null : Math.round(meter.waitPct * 100) / 100,
    ownLateP99Us: late?.p99 ?? null,
    lb: {
      ...{ sessions: f("stot"), connErrors: f("econ"), respErrors: f("eresp"), retries: f("wretr") },
      ...{ redispatches: f("wredis"), downs: f("chkdown"), status: lb.after?.status ?? "?" },
    },
  };
}

/** `answered`: every answer of the fleet over the phase (the servers' and the LB's own): the LB handled each. */
function lbRow(before: FleetStats, after: FleetStats, fig: LbFigures, answered: number): FleetLbRow {
  const fa = proxyRow(after.lbRows, FRONTEND, "frontend");
  const fb = proxyRow(before.lbRows, FRONTEND, "frontend");
  const ba = proxyRow(after.lbRows, BACKEND, "backend");
  const bb = proxyRow(before.lbRows, BACKEND, "backend");
  const ownA = lbOwnAnswers(after.lbRows);
  const ownB = lbOwnAnswers(before.lbRows);
  const own = Object.fromEntries(Object.entries(ownA).map(([k, v]) => [k, d(v, ownB[k] ?? 0)]));
  const downs = (rows: StatRow[]) => serverRows(rows, BACKEND).reduce((a, r) => a + r.chkdown, 0);
  const lbPid = after.lbPids[0] ?? null;
  return {
    ...{ host: fig.host, address: fig.address, cpus: lbPid === null ? null : affinityOf(lbPid) },
    ...{ pid: lbPid, processes: fig.processes },
    ...{ version: fig.version, nbthread: fig.nbthread, maxconn: fig.maxconn },
    ...lbCpu(fig.cpu, answered),
    ...{ sessions: d(fa.stot, fb.stot), peakSessions: fa.smax, peakQueue: ba.qmax },
    sessionsEach: after.lbSessionsEach.map((x, i) => d(x, before.lbSessionsEach[i] ?? 0)),
    ...{ connErrors: d(ba.econ, bb.econ), respErrors: d(ba.eresp, bb.eresp), retries: d(ba.wretr, bb.wretr) },
    ...{
      redispatches: d(ba.wredis, bb.wredis),
      healthTransitions: d(downs(after.lbRows), downs(before.lbRows)),
    },
    ...{ ownAnswers: own, denied: d(fa.dreq, fb.dreq) },
  };
}

/** The record's fleet part from the readings before and after the phase. */
export function fleetRecord(
  before: FleetStats,
  after: FleetStats,
  meters: FleetMeters,
  lb: LbFigures,
  addresses: Record<string, string>,
): FleetRecord {
  const pairs = after.members.map((m, i) => {
    const b = before.members.find((x) => x.name === m.name)?.stats ?? m.stats;
    return { name: m.name, i, s: { before: b, after: m.stats } };
  });
  const total = pairs.reduce((a, p) => a + p.s.after.requests - p.s.before.requests, 0);
  const row = (rows: StatRow[], name: string) => serverRows(rows, BACKEND).find((r) => r.name === name);
  const servers = pairs.map((p) => ({
    ...serverRow(
      p.name,
      p.s,
      { before: row(before.lbRows, p.name), after: row(after.lbRows, p.name) },
      meters.of(p.i),
      total,
    ),
    address: addresses[p.name] ?? "",
  }));
  // NOTE: per answer the fleet gave, the LB's own among them: the same count as measurements.cpu.lbUsPerRequest.
  const answered = servers.reduce((a, s) => a + s.responses2xx + s.non2xx, after.lbOwn - before.lbOwn);
  return { lb: lbRow(before, after, lb, answered), servers };
}

function lbCpu(cpu: LbFigures["cpu"], answered: number) {
  if (!cpu) return { cpuUs: null, cpuPct: null, ofItsCpusPct: null, usPerRequest: null };
  return {
    ...{ cpuUs: Math.round(cpu.us), cpuPct: cpu.pct, ofItsCpusPct: cpu.cpus > 0 ? cpu.pct / cpu.cpus : 0 },
    usPerRequest: answered > 0 ? cpu.us / answered : 0,
  };
}
