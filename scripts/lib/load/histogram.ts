// histogram.ts: parse wrk-report/1 JSON (configs/wrk/report.lua), merge shard histograms, wrk-exact percentiles.

export type Bucket = [valueUs: number, count: number];
export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
}
export interface PacedStats {
  rate: number;
  threads: number;
  late: number;
  max_late_us: number;
}
export interface WrkReport {
  schema: "wrk-report/1";
  summary: { duration_us: number; requests: number; bytes: number; errors: WrkErrors };
  latency: { count: number; min: number; max: number; mean: number; stdev: number };
  /** Samples added by wrk's coordinated-omission correction: latency.count - (requests - timeouts). */
  co_synthetic: number;
  /** wrk's own latency:percentile(p) for p = 50, 90, 99, 99.9 (cross-check). */
  wrk_percentiles: Record<string, number>;
  export: "ffi" | "latency(i)";
  histogram: Bucket[];
  /** Present only with WRK_REPORT_EXPORT=both. */
  histogram_latency_i?: Bucket[];
  paced: PacedStats | null;
}
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
export interface MergedReport {
  requests: number;
  bytes: number;
  durationUs: number;
  errors: WrkErrors;
  coSynthetic: number;
  histogram: Bucket[];
  latency: LatencySummary;
  paced: PacedStats | null;
}

const ERROR_KEYS = ["connect", "read", "write", "status", "timeout"] as const;

function fail(msg: string): never {
  throw new Error(`wrk report: ${msg}`);
}
function obj(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${at} is not an object`);
  return v as Record<string, unknown>;
}
function num(o: Record<string, unknown>, k: string, at: string, integer = true): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    fail(`${at}.${k} is not ${integer ? "an integer" : "a number"}`);
  }
  return v;
}
function buckets(v: unknown, at: string): Bucket[] {
  if (!Array.isArray(v)) fail(`${at} is not an array`);
  let prev = -1;
  return v.map((b: unknown, i) => {
    if (!Array.isArray(b) || b.length !== 2) fail(`${at}[${i}] is not a [value, count] pair`);
    const [value, count] = b as unknown[];
    if (!Number.isInteger(value) || !Number.isInteger(count) || (count as number) <= 0) {
      fail(`${at}[${i}] must hold integers with count > 0`);
    }
    if ((value as number) <= prev) fail(`${at} is not strictly ascending at index ${i}`);
    prev = value as number;
    return [value as number, count as number];
  });
}

export function parseReport(text: string): WrkReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`invalid or truncated JSON (${text.length} chars): ${(e as Error).message}`);
  }
  const r = obj(raw, "report");
  if (r.schema !== "wrk-report/1") fail(`schema is ${JSON.stringify(r.schema)}, want "wrk-report/1"`);
  const s = obj(r.summary, "summary");
  const e = obj(s.errors, "summary.errors");
  const l = obj(r.latency, "latency");
  const wp = obj(r.wrk_percentiles, "wrk_percentiles");
  if (r.export !== "ffi" && r.export !== "latency(i)") fail(`export is ${JSON.stringify(r.export)}`);
  const report: WrkReport = {
    schema: "wrk-report/1",
    summary: {
      duration_us: num(s, "duration_us", "summary"),
      requests: num(s, "requests", "summary"),
      bytes: num(s, "bytes", "summary"),
      errors: Object.fromEntries(
        ERROR_KEYS.map((k) => [k, num(e, k, "summary.errors")]),
      ) as unknown as WrkErrors,
    },
    latency: {
      count: num(l, "count", "latency"),
      min: num(l, "min", "latency"),
      max: num(l, "max", "latency"),
      mean: num(l, "mean", "latency", false),
      stdev: num(l, "stdev", "latency", false),
    },
    co_synthetic: num(r, "co_synthetic", "report"),
    wrk_percentiles: Object.fromEntries(Object.keys(wp).map((k) => [k, num(wp, k, "wrk_percentiles")])),
    export: r.export,
    histogram: buckets(r.histogram, "histogram"),
    paced: null,
  };
  if (r.histogram_latency_i !== undefined) {
    report.histogram_latency_i = buckets(r.histogram_latency_i, "histogram_latency_i");
  }
  if (r.paced !== null) {
    const p = obj(r.paced, "paced");
    report.paced = {
      rate: num(p, "rate", "paced", false),
      threads: num(p, "threads", "paced"),
      late: num(p, "late", "paced"),
      max_late_us: num(p, "max_late_us", "paced"),
    };
  }
  const total = histCount(report.histogram);
  if (total !== report.latency.count)
    fail(`histogram holds ${total} samples but latency.count is ${report.latency.count}`);
  return report;
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

// --- wrk's stats_percentile rank: round((p / 100.0) * count + 0.5), evaluated in C long double ---
// NOTE: x86-64 long double is x87 extended (64-bit significand), then round() takes a double, so the sum is
//       rounded once more to 53 bits. Plain JS doubles disagree at edges (e.g. p=99.99, count=10000:
//       JS gives 10000, exact math 9999, wrk 10000), so the chain is replayed with exact BigInt rationals.
const LONG_DOUBLE_BITS = process.arch === "arm64" ? 113 : 64; // NOTE: arm64 Linux long double is binary128
type Rat = [num: bigint, den: bigint];

function exactDouble(x: number): Rat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (exp === 0 ? 0n : 1n << 52n);
  const e = (exp === 0 ? 1 : exp) - 1075;
  return e >= 0 ? [mant << BigInt(e), 1n] : [mant, 1n << BigInt(-e)];
}

/** Round the positive rational n/d to `bits` significant bits, ties to even (IEEE). */
function roundBits([n, d]: Rat, bits: number): Rat {
  if (n === 0n) return [0n, 1n];
  let s = bits - 1 - (n.toString(2).length - d.toString(2).length);
  let [num, den] = s >= 0 ? [n << BigInt(s), d] : [n, d << BigInt(-s)];
  if (num / den < 1n << BigInt(bits - 1)) {
    s += 1;
    num <<= 1n;
  }
  let q = num / den;
  const rem2 = 2n * (num - q * den);
  if (rem2 > den || (rem2 === den && q % 2n === 1n)) q += 1n;
  return s >= 0 ? [q, 1n << BigInt(s)] : [q << BigInt(-s), 1n];
}

/** wrk's 1-based rank for percentile p of `count` samples; may be count+1 (p=100), where wrk returns 0. */
export function wrkRank(p: number, count: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be within [0, 100], got ${p}`);
  const [pn, pd] = exactDouble(p);
  const q = roundBits([pn, pd * 100n], LONG_DOUBLE_BITS);
  const m = roundBits([q[0] * BigInt(count), q[1]], LONG_DOUBLE_BITS);
  const a = roundBits([2n * m[0] + m[1], 2n * m[1]], LONG_DOUBLE_BITS);
  const [dn, dd] = roundBits(a, 53);
  return Number((2n * dn + dd) / (2n * dd)); // C round(): half away from zero (value is > 0)
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

export function mergeReports(rs: WrkReport[]): MergedReport {
  if (rs.length === 0) throw new Error("mergeReports: no reports");
  const histogram = mergeHistograms(rs.map((r) => r.histogram));
  const errors = Object.fromEntries(
    ERROR_KEYS.map((k) => [k, rs.reduce((a, r) => a + r.summary.errors[k], 0)]),
  ) as unknown as WrkErrors;
  const shards = rs.flatMap((r) => (r.paced ? [r.paced] : []));
  const paced: PacedStats | null =
    shards.length === 0
      ? null
      : {
          rate: shards.reduce((a, p) => a + p.rate, 0),
          threads: shards.reduce((a, p) => a + p.threads, 0),
          late: shards.reduce((a, p) => a + p.late, 0),
          max_late_us: Math.max(...shards.map((p) => p.max_late_us)),
        };
  if (shards.length !== 0 && shards.length !== rs.length) {
    throw new Error("mergeReports: mixing paced and unpaced shards");
  }
  return {
    requests: rs.reduce((a, r) => a + r.summary.requests, 0),
    bytes: rs.reduce((a, r) => a + r.summary.bytes, 0),
    durationUs: Math.max(...rs.map((r) => r.summary.duration_us)),
    errors,
    coSynthetic: rs.reduce((a, r) => a + r.co_synthetic, 0),
    histogram,
    latency: summarize(histogram),
    paced,
  };
}

/**
 * The histogram at `digits` significant digits (each bucket keyed by its lower bound): ≤ 0.1 % relative
 * error at 4 digits, and a few hundred buckets instead of one per distinct µs (a saturate run has ~10^5).
 * NOTE: for result.json only; percentiles are computed from the exact merge before reducing.
 */
export function reduceHistogram(h: Bucket[], digits = 4): Bucket[] {
  const out: Bucket[] = [];
  for (const [v, c] of h) {
    const mag = v <= 0 ? 0 : Math.floor(Math.log10(v)) - digits + 1;
    const step = mag > 0 ? 10 ** mag : 1;
    const key = Math.floor(v / step) * step;
    const last = out[out.length - 1];
    if (last && last[0] === key) last[1] += c;
    else out.push([key, c]);
  }
  return out;
}
