// Capacity sweep: workers × connections × mode, each cell a normal recorded run; resumable via its state.json.
import { driver } from "./lib/core/driver.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { localPlacement } from "./lib/placement/local.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";
import { sweepPageHtml } from "./lib/report/sweep-page.ts";
import { buildGrid, type SweepSettings } from "./lib/sweep/sweep-plan.ts";
import { finishSweep, openSweep, SweepRunner } from "./lib/sweep/sweep-run.ts";

const cli = {
  name: "sweep",
  usage:
    "$0 [options] — exit 0 when the sweep completed (cell verdicts are data), 2 bad options, 130 Ctrl-C\n" +
    "--target-rps, when not given: each cell's connections ÷ stub ÷ 5",
  options: [
    ...["name", "workers-list", "connections-list", "modes", "target-rps", "repeats", "warmup"],
    ...["duration", "cooldown", "threads", "timeout", "stub-ms", "budget-ms", "force", "results-dir"],
    ...PLACEMENT_OPTIONS,
  ] as const,
  overrides: { "target-rps": null, warmup: "3s", duration: "10s" },
  slo: loadSlo,
};

await driver(cli, async (a, slo) => {
  const placement = localPlacement(a);
  const settings: SweepSettings = {
    stubMs: a["stub-ms"],
    budgetMs: a["budget-ms"],
    durationS: a.duration,
    warmupS: a.warmup,
    threads: a.threads,
    timeoutS: a.timeout,
    // NOTE: part of the settings, so a resumed sweep never mixes runs of another placement into its cells.
    placement: placement.label,
  };
  const workersList = a["workers-list"];
  const target = a["target-rps"] ?? null;
  const grid = buildGrid(workersList, a["connections-list"], a.modes, settings.stubMs, target);
  const sweep = openSweep({
    ...{ name: a.name, resultsDir: a["results-dir"], force: a.force, settings, slo, repeats: a.repeats },
    ...{ cooldownMs: a.cooldown * 1000, workersList, grid, placement, runPage, sweepPage: sweepPageHtml },
  });
  await new SweepRunner(sweep).run();
  await finishSweep(sweep);
  return 0;
});
