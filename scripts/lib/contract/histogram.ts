// Latency histograms ([value µs, count] buckets): merge, wrk-exact percentiles, summary, undoing wrk's correction.
import { wrkRank } from "./wrk-rank.ts";

export type Bucket = [valueUs: number, count: number];
export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  stdev: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
}

export function histCount(h: Bucket[]): number {
  let n = 0;
  for (const [, c] of h) n += c;
  return n;
}

export function mergeHistograms(hs: Bucket[][]): Bucket[] {
  const m = new Map<number, number>();
  for (const h of hs) for (const [v, c] of h) m.set(v, (m.get(v) ?? 0) + c);
  const values = Float64Array.from(m.keys()).sort();
  return Array.from(values, (v): Bucket => [v, m.get(v) ?? 0]);
}

/** First value whose cumulative count reaches wrk's rank; 0 when empty.
 *  NOTE: wrk returns 0 when rank > count (p=100); we clamp the rank and return max instead. */
export function percentile(h: Bucket[], p: number): number {
  const count = histCount(h);
  if (count === 0) return 0;
  const rank = Math.min(wrkRank(p, count), count);
  let total = 0;
  for (const [v, c] of h) {
    total += c;
    if (total >= rank) return v;
  }
  return 0;
}

export function summarize(h: Bucket[]): LatencySummary {
  const count = histCount(h);
  let sum = 0;
  for (const [v, c] of h) sum += v * c;
  const mean = count > 0 ? sum / count : 0;
  let sq = 0;
  for (const [v, c] of h) sq += (v - mean) ** 2 * c;
  return {
    count,
    min: h[0]?.[0] ?? 0,
    max: h[h.length - 1]?.[0] ?? 0,
    mean,
    stdev: count > 1 ? Math.sqrt(sq / (count - 1)) : 0, // sample stdev, as stats_stdev
    p50: percentile(h, 50),
    p90: percentile(h, 90),
    p99: percentile(h, 99),
    p99_9: percentile(h, 99.9),
  };
}

/** wrk's stats_correct interval for one wrk process: runtime_us / (complete / connections), 0 = no correction. */
export function wrkCorrectionIntervalUs(durationUs: number, requests: number, connections: number): number {
  const perConn = Math.floor(requests / connections);
  return perConn > 0 ? Math.floor(durationUs / perConn) : 0;
}

/** Invert wrk's coordinated-omission correction (stats_correct) to get the raw recorded histogram.
 *  stats_correct adds each raw count at n >= 2e to n-e, n-2e, ... while > e; so raw[k] = h[k] - sum raw[k+je]. */
export function undoCorrection(h: Bucket[], intervalUs: number): Bucket[] {
  if (intervalUs <= 0) return h.map(([v, c]): Bucket => [v, c]);
  const above = new Map<number, number>(); // residue mod interval -> raw count of larger values in that class
  const out: Bucket[] = [];
  for (let i = h.length - 1; i >= 0; i--) {
    const [v, c] = h[i] as Bucket;
    const r = v % intervalUs;
    const raw = v > intervalUs ? c - (above.get(r) ?? 0) : c;
    if (raw < 0) throw new Error(`undoCorrection: negative count at ${v} us (wrong interval ${intervalUs}?)`);
    if (v > intervalUs) above.set(r, (above.get(r) ?? 0) + raw);
    if (raw > 0) out.push([v, raw]);
  }
  return out.reverse();
}

/**
 * The histogram at `digits` significant digits (each bucket keyed by its lower bound): ≤ 0.1 % relative
 * error at 4 digits, and a few hundred buckets instead of one per distinct µs (a saturate run has ~10^5).
 * NOTE: for result.json only; percentiles are computed from the exact merge before reducing.
 */
export function reduceHistogram(h: Bucket[], digits = 4): Bucket[] {
  const out: Bucket[] = [];
  for (const [v, c] of h) {
    const step = bucketWidth(v, digits);
    const key = Math.floor(v / step) * step;
    const last = out[out.length - 1];
    if (last && last[0] === key) last[1] += c;
    else out.push([key, c]);
  }
  return out;
}

/** The width (µs) of the reduced bucket holding v: 1 below 10^digits, then one 10^digits-th of its decade. */
export function bucketWidth(v: number, digits = 4): number {
  const mag = v <= 0 ? 0 : Math.floor(Math.log10(v)) - digits + 1;
  return mag > 0 ? 10 ** mag : 1;
}
