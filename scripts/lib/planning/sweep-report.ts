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

export function sweepTable(state: SweepState, resultsDir: string, repeats: number): string {
  const s = state.settings;
  const head = [
    `# Sweep ${state.name}`,
    "",
    `Written by \`make sweep\` — do not edit. Stub ${s.stubMs} ms, SLO p99 ≤ ${s.stubMs + s.budgetMs} ms, ` +
      `${s.durationS} s per run after a ${s.warmupS} s warm-up, wrk -t${s.threads} per shard. ` +
      "RPS and p99: median (min–max) over a cell's repeats. State: `state.json`.",
    "",
    "| workers | connections | mode | target rps | runs | PASS | steady rps | p99 ms | bound | notes |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = state.cells.map((c) => {
    const recs = c.runs.map((id) => readRecord(resultsDir, id)).filter((r): r is ResultRecord => r !== null);
    const rps = spread(recs.map((r) => r.measurements.rps));
    const p99 = spread(recs.map((r) => r.measurements.latencyUs.p99));
    const passes = recs.filter((r) => r.verdict.pass).length;
    const bounds = [...new Set(recs.map((r) => r.bound))].join(", ") || "-";
    const why = c.skipped
      ? `skipped: ${c.skipped}`
      : [...new Set(recs.flatMap((r) => r.verdict.reasons.map((x) => x.rule)))].join(", ") ||
        (finished(c, repeats) ? "" : `pending (${c.runs.length}/${repeats})`);
    const cells = [
      c.workers,
      int(c.connections),
      c.mode,
      int(c.targetRps),
      recs.length,
      recs.length ? `${passes}/${recs.length}` : "-",
      fmtSpread(rps, int),
      fmtSpread(p99, ms),
      bounds,
      why.replaceAll("|", "\\|"),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return `${[...head, ...rows].join("\n")}\n`;
}
