// Capacity notes, the planning table: cores, workers and RAM for a target RPS from this machine's measured costs.

import type { ResultRecord } from "../contract/record.ts";
import { median } from "../core/median.ts";

/** NOTE: plan for this share of each core: queues (and p99) grow fast as a core nears 100 %. */
export const TARGET_UTILISATION = 0.7;
export const PLAN_RPS = [20_000, 50_000, 100_000];

export interface RssModel {
  /** RSS of one idle server process (primary or worker), bytes */
  perProcessBytes: number;
  perConnectionBytes: number;
  method: string;
}

/**
 * Peak server RSS ≈ perProcess × (workers + 1) + perConnection × connections, least squares over the runs.
 * NOTE: needs runs of at least two shapes; otherwise (or if the fit is not positive) the whole RSS is charged
 * to the connections (perProcess 0), which over-estimates RAM for large connection counts: an upper bound.
 */
export function fitRss(runs: ResultRecord[]): RssModel {
  const pts = runs
    .filter((r) => r.measurements.rssBytes > 0 && r.load.connections > 0)
    .map((r) => ({ p: r.server.workers + 1, c: r.load.connections, y: r.measurements.rssBytes }));
  let spp = 0;
  let spc = 0;
  let scc = 0;
  let spy = 0;
  let scy = 0;
  for (const { p, c, y } of pts) {
    spp += p * p;
    spc += p * c;
    scc += c * c;
    spy += p * y;
    scy += c * y;
  }
  const det = spp * scc - spc * spc;
  if (pts.length >= 2 && Math.abs(det) > 1e-9 * spp * scc) {
    const perProcessBytes = (spy * scc - scy * spc) / det;
    const perConnectionBytes = (spp * scy - spc * spy) / det;
    if (perProcessBytes > 0 && perConnectionBytes > 0)
      return {
        perProcessBytes,
        perConnectionBytes,
        method: `least-squares fit over ${pts.length} runs: RSS = a × (workers + 1) + b × connections`,
      };
  }
  return {
    perProcessBytes: 0,
    perConnectionBytes: median(pts.map((x) => x.y / x.c)) || 0,
    method: `median RSS ÷ connections over ${pts.length} runs (no fit possible: an upper bound)`,
  };
}

export interface PlanInput {
  stubMs: number;
  usPerRequest: number;
  /** per-process open-files limit the workers get */
  fdLimit: number;
  /** minimal workers so that the busiest one's share of connections + its reserve fits fdLimit */
  minWorkersForFds: (connections: number) => number;
  rss: RssModel;
  utilisation: number;
}

export interface PlanRow {
  rps: number;
  connections: number;
  /** core-seconds per second at 100 % */
  cpuCores: number;
  cores: number;
  fdWorkers: number;
  workers: number;
  ramBytes: number;
}

export function planRow(rps: number, p: PlanInput): PlanRow {
  const connections = Math.ceil(rps * (p.stubMs / 1000)); // Little: one request in flight per connection
  const cpuCores = (rps * p.usPerRequest) / 1e6;
  const cores = Math.max(1, Math.ceil(cpuCores / p.utilisation - 1e-9));
  const fdWorkers = p.minWorkersForFds(connections);
  const workers = Math.max(fdWorkers, cores);
  const ramBytes = (workers + 1) * p.rss.perProcessBytes + connections * p.rss.perConnectionBytes;
  return { rps, connections, cpuCores, cores, fdWorkers, workers, ramBytes };
}

/**
 * Server CPU µs per request for planning: total server CPU ÷ total responses over the PASS runs (all runs when
 * none passed). NOTE: pooled, not a median of runs: a light run's fixed per-second costs (stats polling, timers)
 * spread over few requests would overstate the cost at the rates being planned for.
 */
export function planningCpu(runs: ResultRecord[]): { usPerRequest: number; from: string } {
  const pool = (rs: ResultRecord[]): { us: number; n: number; runs: number } => {
    const ok = rs.filter(
      (r) => r.measurements.cpu.serverUsPerRequest > 0 && r.measurements.serverCounted.responses > 0,
    );
    const n = ok.reduce((a, r) => a + r.measurements.serverCounted.responses, 0);
    const us = ok.reduce(
      (a, r) => a + r.measurements.cpu.serverUsPerRequest * r.measurements.serverCounted.responses,
      0,
    );
    return { us: n > 0 ? us / n : Number.NaN, n, runs: ok.length };
  };
  const passing = pool(runs.filter((r) => r.verdict.pass));
  const p = passing.runs > 0 ? passing : pool(runs);
  const which = passing.runs > 0 ? "PASS runs" : "runs, none passed";
  return {
    usPerRequest: p.us,
    from: `server CPU ÷ responses pooled over ${p.runs} ${which}, ${Math.round(p.n).toLocaleString("en-US")} responses`,
  };
}
