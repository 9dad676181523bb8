// Diff thresholds in the k6 spirit ("p99<+5%,rps>-2%,p99<205ms"): parsed strictly, then checked against run B.
import { InvalidRun } from "../core/cli.ts";
import { METRIC, METRICS, type Metric } from "./metrics.ts";

export type Op = "<" | "<=" | ">" | ">=";

export interface Threshold {
  /** as typed, e.g. "p99<+5%" */
  text: string;
  metric: Metric;
  op: Op;
  /** relative to A: "+5%" → 5; null for an absolute limit */
  pct: number | null;
  /** an absolute limit in base units (µs, requests/s, a count, µs/request); null for a relative one */
  value: number | null;
}

const FORMS = `e.g. p99<+5%, rps>-2%, p99<205ms, errors<=0 — metrics: ${METRICS.join(", ")}; "none": no thresholds`;

/** µs per unit, for latency (units required) and CPU per request (bare = µs). */
const US: Record<string, number> = { us: 1, µs: 1, ms: 1000, s: 1_000_000 };

/** An absolute limit in the metric's base unit, or a one-line refusal naming what was wrong. */
function absolute(t: string, metric: Metric, n: number, unit: string): number {
  const kind = METRIC[metric].kind;
  if (kind === "latency") {
    const f = US[unit];
    if (f === undefined)
      throw bad(t, `${metric} takes a latency with its unit: ms, s, us (e.g. ${metric}<205ms)`);
    return n * f;
  }
  if (kind === "cpu") {
    const f = unit === "" ? 1 : US[unit];
    if (f === undefined) throw bad(t, `${metric} is CPU µs per request: a number, or with us/ms`);
    return n * f;
  }
  if (unit !== "" && !(kind === "rate" && (unit === "rps" || unit === "/s")))
    throw bad(t, `${metric} is ${kind === "rate" ? "requests/s" : "a count"}: a plain number`);
  return n;
}

const bad = (t: string, why: string): InvalidRun =>
  new InvalidRun(`--thresholds: "${t}" — ${why} (THRESHOLDS=, ${FORMS})`);

/** One threshold: <metric><op><number>[%|unit]; a percentage is relative to A (unsigned = +). */
export function parseThreshold(text: string): Threshold {
  const t = text.trim();
  const m = /^([a-z0-9_]+)\s*(<=|>=|<|>)\s*([+-]?)(\d+(?:\.\d+)?)\s*(%|[a-zµ/]*)$/i.exec(t);
  if (!m) throw bad(t, "not <metric><op><number>[% or unit], op one of < <= > >=");
  const [, name = "", op = "<", sign = "", num = "0", unit = ""] = m;
  const metric = METRICS.find((x) => x === name.toLowerCase());
  if (!metric) throw bad(t, `unknown metric "${name}"`);
  const n = Number(num) * (sign === "-" ? -1 : 1);
  if (unit === "%") return { text: t, metric, op: op as Op, pct: n, value: null };
  if (sign === "-") throw bad(t, "a signed limit is a percentage of A: add % (or drop the sign)");
  return { text: t, metric, op: op as Op, pct: null, value: absolute(t, metric, n, unit.toLowerCase()) };
}

/** "p99<+5%,rps>-2%" → thresholds; "none" → []; a repeated text counts once. */
export function parseThresholds(name: string, raw: unknown): Threshold[] {
  const text = raw === undefined || raw === null ? "" : String(raw).trim();
  if (text === "") throw new InvalidRun(`--${name} must not be empty (${FORMS})`);
  if (text.toLowerCase() === "none") return [];
  const parts = text.split(",").map((s) => s.trim());
  if (parts.some((p) => p === "")) throw new InvalidRun(`--${name}: an empty item in "${text}" (${FORMS})`);
  const out: Threshold[] = [];
  for (const p of parts) if (!out.some((x) => x.text === p)) out.push(parseThreshold(p));
  return out;
}

export interface Checked extends Threshold {
  /** B's value against it, in base units */
  b: number;
  /** the limit B's value was held to: A × (1 + pct/100), or the absolute value */
  limit: number;
  pass: boolean;
}

const HOLDS: Record<Op, (x: number, limit: number) => boolean> = {
  "<": (x, l) => x < l,
  "<=": (x, l) => x <= l,
  ">": (x, l) => x > l,
  ">=": (x, l) => x >= l,
};

/**
 * B's value against the threshold, k6-style: "p99<+5%" holds when B's p99 < A's p99 × 1.05. Strict as written:
 * a relative limit on a zero baseline is zero (errors<+10% fails at B = 0 too; write errors<=0).
 * A value a record lacks is a user error (one line): the threshold cannot be judged.
 */
export function check(t: Threshold, a: number | null, b: number | null, ids: [string, string]): Checked {
  const missing = (b === null ? ids[1] : null) ?? (t.pct !== null && a === null ? ids[0] : null);
  if (missing !== null || b === null)
    throw new InvalidRun(
      `--thresholds: run ${missing} has no ${t.metric} (recorded before the lab measured it) — drop "${t.text}"`,
    );
  const limit = t.pct !== null ? (a ?? 0) * (1 + t.pct / 100) : (t.value ?? 0);
  return { ...t, b, limit, pass: HOLDS[t.op](b, limit) };
}
