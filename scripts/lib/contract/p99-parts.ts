// The p99 over the stub and the parts that name it, each at its own p99: wrk's send lateness, the wait before the
// server's handler, the server's own lateness, wrk's read lateness. Their p99s do not add: a share, not a sum.
import { ms } from "../core/format.ts";
import type { Measurements, Verdict } from "./record.ts";

export type PartKey = "send" | "beforeHandler" | "serverOwn" | "read";

export interface P99Part {
  key: PartKey;
  /** for people: "wrk's send lateness" */
  label: string;
  p99Us: number;
}

const LABELS: Record<PartKey, string> = {
  send: "wrk's send lateness",
  beforeHandler: "wait before the handler",
  serverOwn: "the server's own lateness",
  read: "wrk's read lateness",
};

/** The parts this run measured, in a request's order (sent, waited, answered, read); absent ones are left out. */
export function p99Parts(m: Measurements): P99Part[] {
  const found: [PartKey, number | undefined][] = [
    ["send", m.sendLatenessUs?.p99],
    ["beforeHandler", m.beforeHandlerUs?.p99],
    ["serverOwn", m.serverLateUs?.p99],
    ["read", m.readLatenessUs?.p99],
  ];
  return found.flatMap(([key, p99Us]) => (p99Us === undefined ? [] : [{ key, label: LABELS[key], p99Us }]));
}

/** "wrk's send lateness 1.3 ms": a part as people read it. */
export const partText = (p: P99Part): string => `${p.label} ${ms(p.p99Us)} ms`;

/**
 * The parts' p99s summed, as a percentage of the over-stub p99: how much of it the record names. null when
 * nothing is measured or the p99 is not over the stub.
 */
// NOTE: a p99 of a sum is at most the sum of the p99s, so this can pass 100 %: it says "named", not "explained".
export function namedPct(m: Measurements): number | null {
  const parts = p99Parts(m);
  const over = m.overStubUs.p99;
  if (parts.length === 0 || !(over > 0)) return null;
  return (100 * parts.reduce((a, p) => a + p.p99Us, 0)) / over;
}

/** The part with the largest p99 (ties: the earlier in a request's order); null when none is measured. */
export function dominantPart(m: Measurements): P99Part | null {
  return p99Parts(m).reduce<P99Part | null>((a, p) => (a === null || p.p99Us > a.p99Us ? p : a), null);
}

const GENERATOR_PARTS: PartKey[] = ["send", "read"];

/**
 * A FAIL on latency whose largest part at p99 is wrk's own (send or read lateness) says so, with the server's parts
 * beside it: the verdict stays a FAIL, but the reason does not let the generator's share pass for the server's.
 */
export function latencyWithParts(v: Verdict, m: Measurements): Verdict {
  const top = dominantPart(m);
  const parts = p99Parts(m);
  const server = parts.filter((p) => !GENERATOR_PARTS.includes(p.key));
  if (!top || !GENERATOR_PARTS.includes(top.key) || server.length < 2) return v;
  const list = (ps: P99Part[]) => ps.map(partText).join(", ");
  const wrk = parts.filter((p) => GENERATOR_PARTS.includes(p.key));
  const note = ` — at p99 the largest part is wrk's own (${list(wrk)}; the server's: ${list(server)})`;
  return {
    ...v,
    reasons: v.reasons.map((r) => (r.rule === "latency" ? { ...r, detail: r.detail + note } : r)),
  };
}
