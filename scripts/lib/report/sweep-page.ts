// A sweep's report page (results/sweep-<name>/report.html): the capacity charts of its runs and its cells.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SweepPageInput } from "../contract/sweep-page.ts";
import { esc, type Figure, figure, page, table } from "./html.ts";
import { chartSvg } from "./svg.ts";

const NO_RUNS = "no finished run in this sweep yet";

async function capacityFigures(charts: SweepPageInput["charts"]): Promise<Figure[]> {
  return [
    {
      id: "rps-vs-connections",
      title: "Steady RPS vs connections",
      svg: charts ? await chartSvg("rps-vs-connections", charts.rpsVsConnections) : null,
      note: NO_RUNS,
      caption:
        "Median steady RPS of each cell against its connections, with the Little ceiling (connections ÷ stub).",
    },
    {
      id: "p99-vs-rps",
      title: "p99 vs steady RPS",
      svg: charts ? await chartSvg("p99-vs-rps", charts.p99VsRps) : null,
      note: NO_RUNS,
      caption: "Median p99 of each cell against its steady RPS, with the SLO line.",
    },
  ];
}

/** The page, from what sweep/sweep-page-data.ts computed of the sweep. */
export async function sweepPageHtml(d: SweepPageInput): Promise<string> {
  const { resultsDir, records } = d;
  // NOTE: runs recorded before report pages existed have none until `make report ID=<id>`: link their result.json.
  const link = (id: string, i: number): string => {
    const page = existsSync(join(resultsDir, id, "report.html"));
    return `<a href="../${esc(id)}/${page ? "report.html" : "result.json"}">run ${i + 1}${page ? "" : " (json)"}</a>`;
  };
  const links = (ids: string[]): string => ids.map(link).join(" ");
  const body = d.rows.map((r) => [...r.cells.map(esc), links(r.runs) || "-"]);
  const figures = await capacityFigures(d.charts);
  return page(
    `Sweep ${d.name}`,
    [
      `<h1>Sweep ${esc(d.name)}</h1>`,
      `<p class="sub">${esc(d.settingsLine)} ${esc(records.length)} runs in ${esc(d.cellCount)} cells, last updated ${esc(d.updatedAt)}. RPS and p99: median (min–max) over a cell's repeats.</p>`,
      "<h2>Capacity</h2>",
      ...figures.map(figure),
      "<h2>Cells</h2>",
      table([...d.head, "reports"], body, "cells"),
      `<p class="sub">Generated from state.json and each run's result.json by <code>make report ID=sweep-${esc(d.name)}</code>.</p>`,
    ].join("\n"),
  );
}
