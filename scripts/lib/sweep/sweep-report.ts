// The sweep's own table: per cell, verdicts of its repeats and the median and spread (min–max) of RPS and p99.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResultRecord } from "../contract/record.ts";
import { int, ms } from "../core/format.ts";
import { fmtSpread, spread } from "../core/median.ts";
import { readResult } from "../results/run-dir.ts";
import { finished, type SweepState } from "./sweep-plan.ts";

/** results/<id>/result.json, or null when it was removed or is unreadable. */
export function readRecord(resultsDir: string, id: string): ResultRecord | null {
  const path = join(resultsDir, id, "result.json");
  if (!existsSync(path)) return null;
  try {
    return readResult(path);
  } catch {
    return null;
  }
}

/** One cell of the sweep as people read it: its columns as text, and the ids of its recorded runs. */
export interface SweepRow {
  cells: string[];
  runs: string[];
}

export const SWEEP_HEAD = [
  "workers",
  "connections",
  "mode",
  "target rps",
  "runs",
  "PASS",
  "steady rps",
  "p99 ms",
  "bound",
  "notes",
];

export function sweepRows(state: SweepState, resultsDir: string, repeats: number): SweepRow[] {
  return state.cells.map((c) => {
    const recs = c.runs.map((id) => readRecord(resultsDir, id)).filter((r): r is ResultRecord => r !== null);
    const rps = spread(recs.map((r) => r.measurements.rps));
    const p99 = spread(recs.map((r) => r.measurements.latencyUs.p99));
    const passes = recs.filter((r) => r.verdict.pass).length;
    const bounds = [...new Set(recs.map((r) => r.bound))].join(", ") || "-";
    const why = c.skipped
      ? `skipped: ${c.skipped}`
      : [...new Set(recs.flatMap((r) => r.verdict.reasons.map((x) => x.rule)))].join(", ") ||
        (finished(c, c.repeats ?? repeats) ? "" : `pending (${c.runs.length}/${c.repeats ?? repeats})`);
    const cells = [
      String(c.workers),
      int(c.connections),
      c.mode,
      int(c.targetRps),
      String(recs.length),
      recs.length ? `${passes}/${recs.length}` : "-",
      fmtSpread(rps, int),
      fmtSpread(p99, ms),
      bounds,
      why,
    ];
    return { cells, runs: recs.map((r) => r.id) };
  });
}

/** The shared settings in one sentence (sweep.md and the sweep's report page). */
export function sweepSettingsLine(state: SweepState): string {
  const s = state.settings;
  return (
    `Stub ${s.stubMs} ms, SLO p99 ≤ ${s.stubMs + s.budgetMs} ms, ` +
    `${s.durationS} s per run after a ${s.warmupS} s warm-up, wrk -t${s.threads} per shard` +
    `${s.placement ? `, placement ${s.placement}` : ""}.`
  );
}

export function sweepTable(state: SweepState, resultsDir: string, repeats: number): string {
  const head = [
    `# Sweep ${state.name}`,
    "",
    `Written by \`make sweep\` — do not edit. ${sweepSettingsLine(state)} ` +
      "RPS and p99: median (min–max) over a cell's repeats. State: `state.json`; charts: `report.html`.",
    "",
    `| ${SWEEP_HEAD.join(" | ")} |`,
    `|${SWEEP_HEAD.map(() => "---").join("|")}|`,
  ];
  const rows = sweepRows(state, resultsDir, repeats).map(
    (r) => `| ${r.cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`,
  );
  return `${[...head, ...rows].join("\n")}\n`;
}
