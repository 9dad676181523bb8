// wrk-report/1 JSON (configs/wrk/report.lua): its schema, a strict parser, and the exact merge of shard reports.
import {
  type Bucket,
  histCount,
  type LatencySummary,
  mergeHistograms,
  summarize,
} from "../contract/histogram.ts";

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
  /** "schedule": the lab's wrk timed paced requests from their slots; "write" (or absent, older reports): Debian's */
  latency_from?: "schedule" | "write";
  /** the lab's wrk: the send lateness (slot → written, µs) of every paced request; null otherwise */
  lateness?: { count: number; histogram: Bucket[] } | null;
  /** the lab's wrk with an answer stamp: the server's write → wrk read the answer, µs; null otherwise */
  read_lateness?: { count: number; histogram: Bucket[] } | null;
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
  latencyFrom: "schedule" | "write";
  /** every shard's send lateness merged exactly; null unless every shard had one */
  lateness: Bucket[] | null;
  /** every shard's read lateness merged exactly; null unless every shard had one */
  readLateness: Bucket[] | null;
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

function countedHistogram(v: unknown, at: string): { count: number; histogram: Bucket[] } {
  const l = obj(v, at);
  const h = buckets(l.histogram, `${at}.histogram`);
  if (histCount(h) !== num(l, "count", at)) fail(`${at}.histogram does not hold ${at}.count samples`);
  return { count: num(l, "count", at), histogram: h };
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
  if (r.latency_from === "schedule" || r.latency_from === "write") report.latency_from = r.latency_from;
  if (r.lateness !== undefined && r.lateness !== null)
    report.lateness = countedHistogram(r.lateness, "lateness");
  if (r.read_lateness !== undefined && r.read_lateness !== null)
    report.read_lateness = countedHistogram(r.read_lateness, "read_lateness");
  const total = histCount(report.histogram);
  if (total !== report.latency.count)
    fail(`histogram holds ${total} samples but latency.count is ${report.latency.count}`);
  return report;
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
  const fromSchedule = rs.filter((r) => r.latency_from === "schedule").length;
  if (fromSchedule !== 0 && fromSchedule !== rs.length) {
    throw new Error("mergeReports: mixing wrk builds (latency from the schedule and from the write)");
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
    latencyFrom: rs.every((r) => r.latency_from === "schedule") ? "schedule" : "write",
    lateness: rs.every((r) => r.lateness)
      ? mergeHistograms(rs.map((r) => r.lateness?.histogram ?? []))
      : null,
    readLateness: rs.every((r) => r.read_lateness)
      ? mergeHistograms(rs.map((r) => r.read_lateness?.histogram ?? []))
      : null,
  };
}
