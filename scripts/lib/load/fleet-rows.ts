// A fleet run's rows: each server's counters, CPU and run-queue wait, and the LB's, from readings around the phase.
import type { FleetLbRow, FleetRecord, FleetServerRow } from "../contract/fleet.ts";
import type { ServerBucketsUs } from "../contract/lateness.ts";
import { CpuSampler } from "../machine/cpu-sampler.ts";
import { SchedSampler } from "../machine/schedstat.ts";
import { affinityOf } from "../placement/cpus.ts";
import type { RunPlacement } from "../placement/run-placement.ts";
import { type FleetStats, fleetOf, lbOwnAnswers, type StatsSource } from "../processes/fleet-stats.ts";
import { haproxyCommand } from "../processes/haproxy.ts";
import { BACKEND, FRONTEND } from "../processes/haproxy-config.ts";
import { parseShowInfo, proxyRow, type StatRow, serverRows } from "../processes/haproxy-stats.ts";
import { count2xx, countResponses, type LabStats } from "../processes/lab-stats.ts";
import type { Collected } from "./measurements.ts";
import { serverLateness } from "./server-late.ts";

/** Each server host's CPU and its event loops' run-queue wait, sampled at the phase's start and end. */
export class FleetMeters {
  private readonly cpu: CpuSampler[];
  private readonly sched: SchedSampler[];
  private waitUs: number[] = [];
  private t0 = 0;
  private t1 = 0;

  /** visible: false for servers on other machines (their pids are not this machine's): CPU and wait read 0 */
  constructor(fleet: FleetStats, visible = true) {
    const pids = fleet.members.map((m) => (visible ? [m.stats.primaryPid, ...m.stats.pids] : []));
    this.cpu = pids.map((p) => new CpuSampler(() => p));
    this.sched = pids.map((p) => new SchedSampler(() => p, true));
  }

  sample(): void {
    this.t1 = performance.now();
    if (this.t0 === 0) this.t0 = this.t1;
    for (const c of this.cpu) c.sample();
    this.waitUs = this.sched.map((s) => s.sample().waitUs);
  }

  /** Member i: CPU µs and run-queue wait % of the phase. */
  of(i: number): { cpuUs: number; waitPct: number } {
    const ms = this.t1 - this.t0;
    const waitUs = this.waitUs[i] ?? 0;
    return { cpuUs: this.cpu[i]?.cpuUsTotal() ?? 0, waitPct: ms > 0 ? waitUs / 10 / ms : 0 };
  }
}

/** The LB's figures the rows need beyond its stats socket: CPU over the phase and its share of its CPUs. */
export interface LbFigures {
  host: string;
  address: string;
  version: string;
  nbthread: number;
  maxconn: number;
  cpuUs: number;
  cpuPct: number;
  cpuCount: number;
}

const d = (a: number, b: number): number => Math.max(0, a - b);

function serverRow(
  name: string,
  s: { before: LabStats; after: LabStats },
  lb: { before?: StatRow; after?: StatRow },
  meter: { cpuUs: number; waitPct: number },
  totalRequests: number,
): FleetServerRow {
  const requests = s.after.requests - s.before.requests;
  const responses = countResponses(s.after) - countResponses(s.before);
  const ok = count2xx(s.after) - count2xx(s.before);
  const late: ServerBucketsUs | null = serverLateness(s.before, s.after);
  const f = (k: "stot" | "econ" | "eresp" | "wretr" | "wredis" | "chkdown") =>
    d(lb.after?.[k] ?? 0, lb.before?.[k] ?? 0);
  return {
    ...{ host: name, address: "", cpus: affinityOf(s.after.primaryPid), workers: s.after.workers },
    ...{ requests, responses2xx: ok, non2xx: responses - ok, aborted: s.after.aborted - s.before.aborted },
    checks: s.after.checks === undefined ? null : s.after.checks - (s.before.checks ?? 0),
    sharePct: totalRequests > 0 ? (requests / totalRequests) * 100 : 0,
    ...{ cpuUs: Math.round(meter.cpuUs), usPerRequest: responses > 0 ? meter.cpuUs / responses : 0 },
    runQueueWaitPct: Math.round(meter.waitPct * 100) / 100,
    ownLateP99Us: late?.p99 ?? null,
    lb: {
      ...{ sessions: f("stot"), connErrors: f("econ"), respErrors: f("eresp"), retries: f("wretr") },
      ...{ redispatches: f("wredis"), downs: f("chkdown"), status: lb.after?.status ?? "?" },
    },
  };
}

function lbRow(before: FleetStats, after: FleetStats, fig: LbFigures, requests: number): FleetLbRow {
  const fa = proxyRow(after.lbRows, FRONTEND, "frontend");
  const fb = proxyRow(before.lbRows, FRONTEND, "frontend");
  const ba = proxyRow(after.lbRows, BACKEND, "backend");
  const bb = proxyRow(before.lbRows, BACKEND, "backend");
  const ownA = lbOwnAnswers(after.lbRows);
  const ownB = lbOwnAnswers(before.lbRows);
  const own = Object.fromEntries(Object.entries(ownA).map(([k, v]) => [k, d(v, ownB[k] ?? 0)]));
  const downs = (rows: StatRow[]) => serverRows(rows, BACKEND).reduce((a, r) => a + r.chkdown, 0);
  return {
    ...{ host: fig.host, address: fig.address, cpus: after.lbPid ? affinityOf(after.lbPid) : null },
    pid: after.lbPid,
    ...{ version: fig.version, nbthread: fig.nbthread, maxconn: fig.maxconn },
    ...{ cpuUs: Math.round(fig.cpuUs), cpuPct: fig.cpuPct },
    ofItsCpusPct: fig.cpuCount > 0 ? fig.cpuPct / fig.cpuCount : 0,
    usPerRequest: requests > 0 ? fig.cpuUs / requests : 0,
    ...{ sessions: d(fa.stot, fb.stot), peakSessions: fa.smax, peakQueue: ba.qmax },
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
  const row0 = lbRow(before, after, lb, 0);
  // NOTE: per answer the fleet gave, the LB's own among them: the same count as measurements.cpu.lbUsPerRequest.
  const own = Object.values(row0.ownAnswers).reduce((a, v) => a + v, 0);
  const answered = servers.reduce((a, s) => a + s.responses2xx + s.non2xx, own);
  return { lb: { ...row0, usPerRequest: answered > 0 ? lb.cpuUs / answered : 0 }, servers };
}

/** A fleet's LB: its CPU set read back from its process (a side of its own). */
export function withLbCpus(rp: RunPlacement, first: LabStats): RunPlacement {
  const lb = fleetOf(first)?.lbPid;
  const cpus = lb ? affinityOf(lb) : null;
  return cpus ? { ...rp, lbCpus: cpus } : rp;
}

/** The fleet's rows: the LB's show info read now, its CPU from the collected figures. */
export async function fleetPart(
  src: StatsSource,
  r: { before: LabStats; after: LabStats; meters: FleetMeters; c: Collected },
): Promise<FleetRecord | undefined> {
  const { c, meters } = r;
  const fb = fleetOf(r.before);
  const fa = fleetOf(r.after);
  if (!fb || !fa || typeof src === "string") return undefined;
  const info = parseShowInfo(await haproxyCommand(src.lb.socket, "show info"));
  const addresses = Object.fromEntries(src.servers.map((s) => [s.name, s.address]));
  // NOTE: an LB on another machine: its CPU is not readable here (0, and the placement says cpuUnknown).
  const cpu = c.cpu.lb ?? { cpuUs: 0, pct: 0, cpus: 0 };
  const lb = {
    ...{ host: src.lb.host, address: src.lb.address, version: info.version, nbthread: info.nbthread },
    ...{ maxconn: info.maxconn, cpuUs: cpu.cpuUs, cpuPct: c.window?.lbPct ?? cpu.pct, cpuCount: cpu.cpus },
  };
  return fleetRecord(fb, fa, meters, lb, addresses);
}
