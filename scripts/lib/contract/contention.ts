// The contention rule: when a side's CPU was not its own, the run speaks of the machine, not the server.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import type { Measurements, SideContention, Verdict } from "./record.ts";

export interface ContentionThresholds {
  /** a side's run-queue wait behind other tasks (waitBehindOthersPct), % of the steady window */
  runQueueWaitPct: number;
  /** other tasks' CPU on a side's CPUs, % of them */
  otherTasksCpuPct: number;
}

/** configs/slo.json's "contention" thresholds, validated. */
export function loadContentionThresholds(path = join(ROOT, "configs/slo.json")): ContentionThresholds {
  const c = (JSON.parse(readFileSync(path, "utf8")) as { contention?: Record<string, unknown> }).contention;
  const ok = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0 && v <= 100;
  if (!c || !ok(c.runQueueWaitPct) || !ok(c.otherTasksCpuPct))
    throw new InvalidRun(
      `${path}: "contention" needs runQueueWaitPct and otherTasksCpuPct, each a % in (0, 100] — restore it from git`,
    );
  return { runQueueWaitPct: c.runQueueWaitPct, otherTasksCpuPct: c.otherTasksCpuPct };
}

/** Each contended side in words ("server: other tasks 91.8 % of CPUs 1, run-queue wait 9.9 %"); [] when none. */
export function contendedSides(m: Measurements, t: ContentionThresholds): string[] {
  const c = m.contention;
  if (!c) return [];
  const says = (name: string, s: SideContention | null): string[] => {
    if (!s) return [];
    const over = [
      s.otherTasksCpuPct >= t.otherTasksCpuPct
        ? `other tasks took ${s.otherTasksCpuPct.toFixed(1)} % of CPUs ${s.cpus.join(",")} (≥ ${t.otherTasksCpuPct} %)`
        : "",
      s.waitBehindOthersPct >= t.runQueueWaitPct
        ? `run-queue wait behind other tasks ${s.waitBehindOthersPct.toFixed(1)} % of the window (≥ ${t.runQueueWaitPct} %; all wait ${s.runQueueWaitPct.toFixed(1)} %, worst second ${(s.worstIntervalWaitUs / 1000).toFixed(1)} ms)`
        : "",
    ].filter(Boolean);
    return over.length ? [`${name}: ${over.join(", ")}`] : [];
  };
  return [...says("server", c.server), ...says("wrk", c.generator)];
}

/** A FAIL on latency under contention says whose latency it is; the verdict stays a FAIL (README, exit codes). */
export function latencyUnderContention(v: Verdict): Verdict {
  const note = " — under contention (bound contention): this latency is the machine's, not the server's";
  return {
    ...v,
    reasons: v.reasons.map((r) => (r.rule === "latency" ? { ...r, detail: r.detail + note } : r)),
  };
}
