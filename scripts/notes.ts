// `make notes`: results/capacity.md, capacity.json and the SVG charts, generated from the recorded runs (no typed numbers).
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeAtomic } from "./lib/core/atomic.ts";
import { driver } from "./lib/core/driver.ts";
import { renderSvg } from "./lib/core/render-svg.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { buildNotes } from "./lib/notes/notes-build.ts";
import { p99VsRpsSpec } from "./lib/notes/notes-chart-p99.ts";
import { rpsVsConnectionsSpec } from "./lib/notes/notes-charts.ts";
import { capacityJson } from "./lib/notes/notes-json.ts";
import { capacityMarkdown } from "./lib/notes/notes-render.ts";
import { loadResults } from "./lib/results/run-dir.ts";
import { skippedCells } from "./lib/sweep/sweep-skipped.ts";

const cli = {
  name: "notes",
  usage:
    "$0 [options] — write capacity.md, capacity.json and the charts from results/*/result.json\n" +
    "--out defaults to <results-dir>/capacity.md; --stub-ms to the most common stub of the runs",
  options: ["results-dir", "out", "stub-ms"] as const,
  overrides: { "stub-ms": null },
};

await driver(cli, async (a) => {
  const resultsDir = a["results-dir"];
  const out = a.out ?? join(resultsDir, "capacity.md");
  const slo = loadSlo();
  const x = buildNotes(loadResults(resultsDir), {
    resultsDir,
    stubMs: a["stub-ms"],
    skipped: skippedCells(resultsDir),
    slo,
  });
  const dir = dirname(out);
  mkdirSync(dir, { recursive: true });
  const stem = basename(out).replace(/\.md$/, "");
  const charts = { rpsVsConnections: `${stem}-rps-vs-connections.svg`, p99VsRps: `${stem}-p99-vs-rps.svg` };
  if (x.chart) {
    const lines = { stubMs: x.sel.stubMs, budgetMs: x.sel.budgetMs, targetRps: slo.targetRps };
    writeAtomic(
      join(dir, charts.rpsVsConnections),
      await renderSvg(rpsVsConnectionsSpec(x.chart.cells, lines)),
    );
    writeAtomic(join(dir, charts.p99VsRps), await renderSvg(p99VsRpsSpec(x.chart.cells, lines)));
  }
  writeAtomic(join(dir, `${stem}.json`), capacityJson(x));
  writeAtomic(out, capacityMarkdown(x, charts));
  process.stderr.write(
    `notes: ${out} + ${stem}.json from ${x.sel.runs.length} runs in ${x.groups.length} regimes` +
      `${x.chart ? ` (+ ${charts.rpsVsConnections}, ${charts.p99VsRps})` : ""}\n`,
  );
  return 0;
});
