// Verdict reasons as data: how one reads for people, and the conversion of records that stored them as text.
import type { Reason, ResultRecord, Rule } from "./record.ts";

export const RULES: readonly Rule[] = [
  "rps",
  "errors",
  "latency",
  "crosscheck",
  "connections",
  "listen-overflow",
];

const isRule = (x: unknown): x is Rule => typeof x === "string" && (RULES as readonly string[]).includes(x);

/** "latency: p99 … µs > … µs": how a reason was printed (and stored) before reasons were data. */
export function reasonText(r: Reason): string {
  return `${r.rule}: ${r.detail}`;
}

/** The failed rules, comma-separated ("rps, latency"); "" when none. */
export function ruleList(reasons: readonly Reason[]): string {
  return reasons.map((r) => r.rule).join(", ");
}

/** One stored reason: a {rule, detail} as is, or an older record's "rule: detail" string split at the first ": ". */
export function toReason(x: unknown): Reason {
  if (typeof x === "string") {
    const at = x.indexOf(": ");
    const rule = at < 0 ? x : x.slice(0, at);
    if (isRule(rule)) return { rule, detail: at < 0 ? "" : x.slice(at + 2) };
  } else if (typeof x === "object" && x !== null) {
    const { rule, detail } = x as { rule?: unknown; detail?: unknown };
    if (isRule(rule) && typeof detail === "string") return { rule, detail };
  }
  throw new Error(`not a verdict reason: ${JSON.stringify(x)}`);
}

/**
 * A result.json as read from disk, with its verdict's reasons as data. NOTE: every loader of result.json calls this
 * (readResult in results/run-dir.ts): records written before reasons were data hold "rule: detail" strings; throws on an unknown rule.
 */
export function withReasonsAsData(record: ResultRecord): ResultRecord {
  const reasons: unknown = record.verdict?.reasons;
  if (!Array.isArray(reasons)) return record;
  return { ...record, verdict: { ...record.verdict, reasons: reasons.map(toReason) } };
}
