import type { ResultRecord } from "../contract/record.ts";
import type { SweepPageInput } from "../contract/sweep-page.ts";
import { loadSlo } from "../core/slo.ts";
import { p99VsRpsSpec } from "../notes/notes-chart-p99.ts";
import { rpsVsConnectionsSpec } from "../notes/notes-charts.ts";
import { cellsOf } from "../notes/notes-data.ts";
import type { SweepState } from "./sweep-plan.ts";
import { readRecord, SWEEP_HEAD, type SweepRow, sweepRows, sweepSettingsLine } from "./sweep-report.ts";

/** What report/sweep-page.ts draws (contract/sweep-page.ts), with the planning's own rows. */
export interface SweepPageData extends SweepPageInput {
  rows: SweepRow[];
}

/** `repeats`: runs a cell needs to count as finished when it keeps no count of its own (else pending). */
export function sweepPageData(state: SweepState, resultsDir: string, repeats: number): SweepPageData {
  const rows = sweepRows(state, resultsDir, repeats);
  const records = rows
    .flatMap((r) => r.runs)
    .map((id) => readRecord(resultsDir, id))
    .filter((r): r is ResultRecord => r !== null);
  const { stubMs, budgetMs } = state.settings;
  const lines = { stubMs, budgetMs, targetRps: loadSlo().targetRps };
  const cells = cellsOf(records);
  const charts =
    records.length === 0
      ? null
      : { rpsVsConnections: rpsVsConnectionsSpec(cells, lines), p99VsRps: p99VsRpsSpec(cells, lines) };
  return {
    name: state.name,
    settingsLine: sweepSettingsLine(state),
    cellCount: state.cells.length,
    updatedAt: state.updatedAt,
    resultsDir,
    head: SWEEP_HEAD,
    rows,
    records,
    charts,
  };
}
