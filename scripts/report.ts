// `make report`: results/<id>/report.html for a recorded run or a sweep, from its files; optionally a PNG of it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "./lib/core/atomic.ts";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { chromiumMissing, screenshot } from "./lib/report/browser.ts";
import { runPageHtml } from "./lib/report/run-page.ts";
import { sweepPageHtml } from "./lib/report/sweep-page.ts";
import { findRun } from "./lib/results/find-run.ts";
import { sweepPageData } from "./lib/sweep/sweep-page-data.ts";
import { readState } from "./lib/sweep/sweep-plan.ts";

/** The page of results/<id>/: a run (result.json, read by findRun) or a sweep (state.json). */
async function pageOf(resultsDir: string, id: string): Promise<string> {
  const dir = join(resultsDir, id);
  if (existsSync(join(dir, "result.json"))) return runPageHtml(findRun(resultsDir, id, "id").record);
  const state = readState(dir);
  if (state) {
    const repeats = Math.max(1, ...state.cells.map((c) => c.runs.length));
    return sweepPageHtml(sweepPageData(state, resultsDir, repeats));
  }
  throw new InvalidRun(
    `no run or sweep "${id}" in ${resultsDir}/ (no result.json or state.json) — ls ${resultsDir}/`,
  );
}

const cli = {
  name: "report",
  usage: "$0 --id <run id | sweep-<name>> [options] — write <results-dir>/<id>/report.html",
  options: ["id", "results-dir", "screenshot"] as const,
};

await driver(cli, async (a) => {
  if (!a.id) throw new InvalidRun("--id is required: make report ID=<run id or sweep-<name>> (ls results/)");
  const html = await pageOf(a["results-dir"], a.id);
  const out = join(a["results-dir"], a.id, "report.html");
  writeAtomic(out, html);
  process.stderr.write(`report: ${out}\n`);
  if (a.screenshot) {
    const missing = chromiumMissing();
    if (missing) throw new InvalidRun(`--screenshot needs chromium: ${missing}`);
    await screenshot(out, a.screenshot);
    process.stderr.write(`report: screenshot ${a.screenshot}\n`);
  }
  return 0;
});
