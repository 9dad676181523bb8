// Capacity notes, the numbers: which runs count, cells (repeats grouped), per worker count best/break and RSS.
import type { Bound, Mode, Reason, ResultRecord, Rule } from "../contract/record.ts";
import { median, mostCommon, type Spread, spread } from "../core/median.ts";
import type { LoadedResult } from "../results/run-dir.ts";

/** Which implementation answered: peers say so in their stats (impl); uWS runs report nativeUws: true. */
export function implOf(r: ResultRecord): string {
  const impl = (r.server as { impl?: unknown }).impl;
  if (typeof impl === "string") return impl;
  return r.server.nativeUws === true ? "uws" : "unknown";
}

export interface Selection {
  runs: ResultRecord[];
  stubMs: number;
  budgetMs: number;
  /** left out: peers (compare runs), runs with another stub or SLO budget */
  ignored: { peers: number; otherStub: number };
}

/** The uWS runs of one stub (the most common one unless given) and budget (the most common among those). */
export function selectRuns(all: LoadedResult[], stubMs?: number): Selection {
  const uws = all.map((l) => l.record).filter((r) => implOf(r) === "uws");
  const stub = stubMs ?? mostCommon(uws.map((r) => r.slo.stubMs)) ?? 200;
  const ofStub = uws.filter((r) => r.slo.stubMs === stub);
  const budget = mostCommon(ofStub.map((r) => r.slo.overheadBudgetMs)) ?? 20;
  const runs = ofStub.filter((r) => r.slo.overheadBudgetMs === budget);
  return {
    runs,
    stubMs: stub,
    budgetMs: budget,
    ignored: { peers: all.length - uws.length, otherStub: uws.length - runs.length },
  };
}

export interface CellSummary {
  workers: number;
  mode: Mode;
  connections: number;
  targetRps: number;
  /** what the load asked for: paced = its rate; saturate = the Little ceiling (connections ÷ stub) */
  offeredRps: number;
  runs: ResultRecord[];
  /** every repeat passed */
  pass: boolean;
  passes: number;
  /** repeats recorded from a dirty tree */
  dirty: number;
  rps: Spread;
  p99Us: Spread;
  /** server CPU µs per response (whole run) and wrk CPU µs per request, over the repeats */
  serverUs: Spread;
  generatorUs: Spread;
  /** server CPU in cores (steady window when recorded) and its share of its own CPUs, % */
  serverCores: Spread;
  serverOfItsCpusPct: Spread;
  rssBytes: Spread;
  /** the full reasons of one failing repeat (the one nearest the failing repeats' median RPS) */
  reasons: Reason[];
  /** the rules (rps, latency, …) failed by any repeat */
  failedRules: Rule[];
  bounds: Bound[];
}

export function offeredRps(r: ResultRecord): number {
  return r.load.mode === "paced" ? r.load.targetRps : r.measurements.littleCeilingRps;
}

/** Server CPU over the steady window when recorded (else the whole run), in cores. */
export const serverCores = (r: ResultRecord): number =>
  (r.measurements.steadyWindow?.serverPct ?? r.measurements.cpu.serverPct) / 100;

const positive = (xs: (number | undefined)[]): number[] =>
  xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x) && x > 0);

function summarise(rs: ResultRecord[]): CellSummary {
  const r0 = rs[0] as ResultRecord;
  const failing = rs.filter((r) => !r.verdict.pass);
  const mid = median(failing.map((r) => r.measurements.rps));
  const typical = [...failing].sort(
    (a, b) => Math.abs(a.measurements.rps - mid) - Math.abs(b.measurements.rps - mid),
  )[0];
  const cpu = rs.map((r) => r.measurements.cpu);
  return {
    workers: r0.server.workers,
    mode: r0.load.mode,
    connections: r0.load.connections,
    targetRps: r0.load.targetRps,
    offeredRps: offeredRps(r0),
    runs: rs,
    pass: failing.length === 0,
    passes: rs.length - failing.length,
    dirty: rs.filter((r) => r.git?.dirty === true).length,
    rps: spread(rs.map((r) => r.measurements.rps)),
    p99Us: spread(rs.map((r) => r.measurements.latencyUs.p99)),
    serverUs: spread(positive(cpu.map((c) => c.serverUsPerRequest))),
    generatorUs: spread(positive(cpu.map((c) => c.generatorUsPerRequest))),
    serverCores: spread(positive(rs.map(serverCores))),
    serverOfItsCpusPct: spread(positive(cpu.map((c) => c.serverOfItsCpusPct))),
    rssBytes: spread(positive(rs.map((r) => r.measurements.rssBytes))),
    reasons: typical?.verdict.reasons ?? [],
    failedRules: [...new Set(failing.flatMap((r) => r.verdict.reasons.map((x) => x.rule)))],
    bounds: [...new Set(rs.map((r) => r.bound))],
  };
}

/** Runs grouped by (workers, connections, mode, target): the repeats of one cell. Call it on one regime's runs. */
export function cellsOf(runs: ResultRecord[]): CellSummary[] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of runs) {
    const k = `${r.server.workers}|${r.load.mode}|${r.load.connections}|${r.load.targetRps}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()]
    .map(summarise)
    .sort(
      (a, b) =>
        a.workers - b.workers ||
        a.connections - b.connections ||
        a.mode.localeCompare(b.mode) ||
        a.targetRps - b.targetRps,
    );
}

/** The passing cell with the highest median RPS at exactly these workers and connections, or null. */
export function bestAt(cells: CellSummary[], workers: number, connections: number): CellSummary | null {
  return (
    cells
      .filter((c) => c.pass && c.workers === workers && c.connections === connections)
      .sort((a, b) => b.rps.median - a.rps.median)[0] ?? null
  );
}

export interface WorkerSummary {
  workers: number;
  runs: number;
  cells: number;
  serverUs: Spread;
  generatorUs: Spread;
  rssPer1kConns: RssPer1k;
  generatorBound: number;
}

export function perWorkers(cells: CellSummary[]): WorkerSummary[] {
  const ws = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  return ws.map((w) => {
    const runs = cells.filter((c) => c.workers === w).flatMap((c) => c.runs);
    const cpu = runs.map((r) => r.measurements.cpu);
    return {
      workers: w,
      runs: runs.length,
      cells: cells.filter((c) => c.workers === w).length,
      serverUs: spread(positive(cpu.map((c) => c.serverUsPerRequest))),
      generatorUs: spread(positive(cpu.map((c) => c.generatorUsPerRequest))),
      rssPer1kConns: rssPer1k(runs),
      generatorBound: runs.filter((r) => r.bound === "generator").length,
    };
  });
}

export interface RssPer1k {
  bytes: number;
  /** slope: marginal RSS per connection fitted over the runs; ratio: whole RSS ÷ connections (an upper bound) */
  method: "slope" | "ratio";
  /** why the ratio: "one connection count" or "slope ≤ 0 over 4 connection counts" */
  why: string;
}

/**
 * Server RSS per 1,000 connections: the slope of peak RSS against connections over the runs (the idle processes'
 * base drops out). NOTE: with fewer than two connection counts, or a slope ≤ 0 (the noise between runs larger
 * than the connections' share), it falls back to the median of whole RSS ÷ connections, which includes the base.
 */
export function rssPer1k(runs: ResultRecord[]): RssPer1k {
  const pts = runs
    .filter((r) => r.measurements.rssBytes > 0)
    .map((r) => ({ x: r.load.connections, y: r.measurements.rssBytes }));
  const counts = new Set(pts.map((p) => p.x)).size;
  const ratio = (why: string): RssPer1k => ({
    bytes: median(pts.map((p) => (p.y / p.x) * 1000)),
    method: "ratio",
    why,
  });
  if (counts < 2) return ratio(counts === 1 ? "one connection count" : "no RSS recorded");
  const mx = pts.reduce((a, p) => a + p.x, 0) / pts.length;
  const my = pts.reduce((a, p) => a + p.y, 0) / pts.length;
  const slope =
    pts.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / pts.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return slope > 0
    ? { bytes: slope * 1000, method: "slope", why: `slope over ${counts} connection counts` }
    : ratio(`slope ≤ 0 over ${counts} connection counts`);
}
