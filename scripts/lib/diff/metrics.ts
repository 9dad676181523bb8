// The metrics a diff compares and thresholds name: each one's value in a record (base units) and how people read it.
import type { ResultRecord } from "../contract/record.ts";
import { int, ms } from "../core/format.ts";

export const METRICS = [
  "rps",
  "p50",
  "p90",
  "p99",
  "p99_9",
  "errors",
  "server_us_per_req",
  "generator_us_per_req",
  "lb_us_per_req",
] as const;
export type Metric = (typeof METRICS)[number];

/** What a metric's numbers are: latency in µs (shown in ms), requests/s, a count, CPU µs per request. */
export type Kind = "latency" | "rate" | "count" | "cpu";

interface MetricSpec {
  label: string;
  kind: Kind;
  /** null: the record does not have it (generator_us_per_req before the lab measured wrk's CPU) */
  of: (r: ResultRecord) => number | null;
}

const total = (e: object): number => Object.values(e).reduce((a: number, v) => a + (Number(v) || 0), 0);

export const METRIC: Record<Metric, MetricSpec> = {
  rps: { label: "RPS steady", kind: "rate", of: (r) => r.measurements.rps },
  p50: { label: "p50", kind: "latency", of: (r) => r.measurements.latencyUs.p50 },
  p90: { label: "p90", kind: "latency", of: (r) => r.measurements.latencyUs.p90 },
  p99: { label: "p99", kind: "latency", of: (r) => r.measurements.latencyUs.p99 },
  p99_9: { label: "p99.9", kind: "latency", of: (r) => r.measurements.latencyUs.p99_9 },
  errors: { label: "errors", kind: "count", of: (r) => total(r.measurements.errors) },
  server_us_per_req: {
    label: "server CPU",
    kind: "cpu",
    of: (r) => r.measurements.cpu?.serverUsPerRequest ?? null,
  },
  generator_us_per_req: {
    label: "wrk CPU",
    kind: "cpu",
    of: (r) => r.measurements.cpu?.generatorUsPerRequest ?? null,
  },
  lb_us_per_req: {
    label: "LB CPU (HAProxy)",
    kind: "cpu",
    of: (r) => r.measurements.cpu?.lbUsPerRequest ?? null,
  },
};

/** The unit a kind is shown in. */
export const UNIT: Record<Kind, string> = { latency: "ms", rate: "req/s", count: "", cpu: "µs/req" };

/** A value for people: latency in ms (1 decimal), CPU µs/request (1 decimal), rates and counts as integers. */
export function show(kind: Kind, x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "-";
  if (kind === "latency") return ms(x);
  if (kind === "cpu") return x.toFixed(1);
  return int(x);
}

/** A signed difference for people: "+30.1", "−2" (a real minus), "0". */
export function showDelta(kind: Kind, d: number | null): string {
  if (d === null || !Number.isFinite(d)) return "-";
  const text = show(kind, Math.abs(d));
  if (Number(text.replace(/,/g, "")) === 0) return text;
  return `${d > 0 ? "+" : "−"}${text}`;
}
