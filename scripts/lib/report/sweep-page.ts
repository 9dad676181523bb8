// A sweep's report page (results/sweep-<name>/report.html): the capacity charts of its runs and its cells.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ResultRecord } from "../contract/record.ts";
import { loadSlo } from "../contract/slo.ts";
import { p99VsRpsSpec } from "../planning/notes-chart-p99.ts";
import { rpsVsConnectionsSpec } from "../planning/notes-charts.ts";
import { cellsOf } from "../planning/notes-data.ts";
import type { SweepState } from "../planning/sweep-plan.ts";
import { readRecord, SWEEP_HEAD, sweepRows, sweepSettingsLine } from "../planning/sweep-report.ts";
import { esc, type Figure, figure, page, table } from "./html.ts";
import { chartSvg } from "./svg.ts";

const NO_RUNS = "no finished run in this sweep yet";

async function capacityFigures(state: SweepState, records: ResultRecord[]): Promise<Figure[]> {
  const { stubMs, budgetMs } = state.settings;
  const lines = { stubMs, budgetMs, targetRps: loadSlo().targetRps };
  const cells = cellsOf(records);
  const none = records.length === 0;
  return [
    {
      id: "rps-vs-connections",
      title: "Steady RPS vs connections",
      svg: none ? null : await chartSvg("rps-vs-connections", rpsVsConnectionsSpec(cells, lines)),
      note: NO_RUNS,
      caption:
        "Median steady RPS of each cell against its connections, with the Little ceiling (connections ÷ stub).",
    },
    {
      id: "p99-vs-rps",
      title: "p99 vs steady RPS",
      svg: none ? null : await chartSvg("p99-vs-rps", p99VsRpsSpec(cells, lines)),
      note: NO_RUNS,
      caption: "Median p99 of each cell against its steady RPS, with the SLO line.",
    },
  ];
}

/** The page; `repeats`: runs a cell needs to count as finished when it keeps no count of its own (else pending). */
export async function sweepPageHtml(state: SweepState, resultsDir: string, repeats: number): Promise<string> {
  const rows = sweepRows(state, resultsDir, repeats);
  const records = rows
    .flatMap((r) => r.runs)
    .map((id) => readRecord(resultsDir, id))
    .filter((r): r is ResultRecord => r !== null);
  // NOTE: runs recorded before report pages existed have none until `make report ID=<id>`: link their result.json.
  const link = (id: string, i: number): string => {
    const page = existsSync(join(resultsDir, id, "report.html"));
    return `<a href="../${esc(id)}/${page ? "report.html" : "result.json"}">run ${i + 1}${page ? "" : " (json)"}</a>`;
  };
  const links = (ids: string[]): string => ids.map(link).join(" ");
  const body = rows.map((r) => [...r.cells.map(esc), links(r.runs) || "-"]);
  const figures = await capacityFigures(state, records);
  return page(
    `Sweep ${state.name}`,
    [
      `<h1>Sweep ${esc(state.name)}</h1>`,
      `<p class="sub">${esc(sweepSettingsLine(state))} ${esc(records.length)} runs in ${esc(state.cells.length)} cells, last updated ${esc(state.updatedAt)}. RPS and p99: median (min–max) over a cell's repeats.</p>`,
      "<h2>Capacity</h2>",
      ...figures.map(figure),
      "<h2>Cells</h2>",
      table([...SWEEP_HEAD, "reports"], body, "cells"),
      `<p class="sub">Generated from state.json and each run's result.json by <code>make report ID=sweep-${esc(state.name)}</code>.</p>`,
    ].join("\n"),
  );
}
