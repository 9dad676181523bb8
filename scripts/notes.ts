// `make notes`: results/capacity.md and its SVG charts, generated from the recorded runs (no hand-written numbers).
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { parseArgs, runMain } from "./lib/core/cli.ts";
import { options } from "./lib/core/options.ts";
import { FD_RESERVE, minWorkersFor, nofileLimits } from "./lib/machine/limits.ts";
import { p99VsRpsSpec, renderSvg, rpsVsConnectionsSpec } from "./lib/planning/notes-charts.ts";
import { cellsOf, mostCommon, selectRuns } from "./lib/planning/notes-data.ts";
import { capacityMarkdown } from "./lib/planning/notes-render.ts";
import { skippedCells } from "./lib/planning/notes-skipped.ts";
import { writeAtomic } from "./lib/results/atomic.ts";
import { loadResults } from "./lib/results/run-dir.ts";

await runMain(async () => {
  const a = parseArgs(
    options(
      yargs(hideBin(process.argv))
        .scriptName("notes")
        .usage(
          "$0 [options] — write capacity.md and its charts from results/*/result.json\n" +
            "--out defaults to <results-dir>/capacity.md; --stub-ms to the most common stub of the runs",
        ),
      ["results-dir", "out", "stub-ms"] as const,
      { "stub-ms": null },
    ),
  );
  const resultsDir = a["results-dir"];
  const out = a.out ?? join(resultsDir, "capacity.md");
  const stub = a["stub-ms"];
  const sel = selectRuns(loadResults(resultsDir), stub);
  // NOTE: the fd limit is the one the runs had (their workers' soft limit), not this shell's.
  const fdLimit =
    mostCommon(sel.runs.flatMap((r) => r.server.nofile.map((x) => x.soft)).filter(Number.isFinite)) ??
    nofileLimits("self").hard;
  const dir = dirname(out);
  mkdirSync(dir, { recursive: true });
  const stem = basename(out).replace(/\.md$/, "");
  const charts = { rpsVsConnections: `${stem}-rps-vs-connections.svg`, p99VsRps: `${stem}-p99-vs-rps.svg` };
  if (sel.runs.length > 0) {
    const cells = cellsOf(sel.runs);
    writeAtomic(join(dir, charts.rpsVsConnections), await renderSvg(rpsVsConnectionsSpec(cells, sel.stubMs)));
    writeAtomic(join(dir, charts.p99VsRps), await renderSvg(p99VsRpsSpec(cells, sel.stubMs, sel.budgetMs)));
  }
  const md = capacityMarkdown({
    sel,
    skipped: skippedCells(resultsDir),
    charts,
    fdLimit,
    fdReserve: FD_RESERVE,
    minWorkersForFds: (c) => minWorkersFor(c, fdLimit, FD_RESERVE),
    generatedAt: new Date().toISOString(),
    resultsDir,
  });
  writeAtomic(out, md);
  process.stderr.write(
    `notes: ${out} from ${sel.runs.length} runs${sel.runs.length ? ` (+ ${charts.rpsVsConnections}, ${charts.p99VsRps})` : ""}\n`,
  );
  return 0;
});
