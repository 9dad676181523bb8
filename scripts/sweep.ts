// Capacity sweep: workers × connections × mode, each cell a normal recorded run; resumable via its state.json.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { loadSlo, type Slo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import { buildGrid, parseList, parseModes, type SweepSettings } from "./lib/planning/sweep-plan.ts";
import { finishSweep, openSweep, type SweepInput, SweepRunner } from "./lib/planning/sweep-run.ts";

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("sweep")
      .usage(
        "$0 [options] — exit 0 when the sweep completed (cell verdicts are data), 2 bad options, 130 Ctrl-C",
      )
      .option("name", {
        type: "string",
        default: "default",
        desc: "results/sweep-<name>/; same name = resume",
      })
      .option("workers", { type: "string", default: "1,2,4,8", desc: "worker counts" })
      .option("connections", { type: "string", default: "1000,5000,10000,20000", desc: "connection counts" })
      .option("modes", { type: "string", default: "saturate,paced", desc: "saturate and/or paced" })
      .option("target-rps", {
        type: "string",
        desc: "SLO target of every cell (paced: the rate sent); default connections ÷ stub ÷ 5",
      })
      .option("repeats", {
        type: "string",
        default: "1",
        desc: "runs per cell (median and min–max reported)",
      })
      .option("warmup", { type: "string", default: "3s", desc: "per run, not recorded" })
      .option("duration", { type: "string", default: "10s", desc: "measured, per run" })
      .option("cooldown", { type: "string", default: "5s", desc: "pause between runs" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("timeout", { type: "string", default: "2s", desc: "wrk --timeout" })
      .option("stub-ms", { type: "string", default: String(slo.stubMs), desc: "the servers' stub" })
      .option("budget-ms", { type: "string", default: String(slo.overheadBudgetMs), desc: "p99 above stub" })
      .option("force", { type: "boolean", default: false, desc: "run every cell again (new state)" })
      .option("results-dir", { type: "string", default: "results" }),
  );
  const sweep = openSweep(sweepInput(a, slo));
  await new SweepRunner(sweep).run();
  finishSweep(sweep);
  return 0;
});

interface SweepArgs {
  name: string;
  workers: string;
  connections: string;
  modes: string;
  "target-rps"?: string;
  repeats: string;
  warmup: string;
  duration: string;
  cooldown: string;
  threads: string;
  timeout: string;
  "stub-ms": string;
  "budget-ms": string;
  force: boolean;
  "results-dir": string;
}

/** The options checked and turned into a sweep's settings and grid (a bad value: one line, exit 2). */
function sweepInput(a: SweepArgs, slo: Slo): SweepInput {
  const settings: SweepSettings = {
    stubMs: positiveInt("stub-ms", a["stub-ms"], 1, 60_000),
    budgetMs: positiveInt("budget-ms", a["budget-ms"], 0, 60_000),
    durationS: parseDuration("duration", a.duration),
    warmupS: parseDuration("warmup", a.warmup),
    threads: positiveInt("threads", a.threads, 1, 64),
    timeoutS: parseDuration("timeout", a.timeout),
  };
  if (settings.durationS < 1) throw new InvalidRun("--duration must be at least 1s");
  const cooldownMs = parseDuration("cooldown", a.cooldown) * 1000;
  const repeats = positiveInt("repeats", a.repeats, 1, 100);
  const target = a["target-rps"] === undefined ? null : positiveInt("target-rps", a["target-rps"]);
  const workersList = parseList("workers", a.workers, 64);
  const grid = buildGrid(
    workersList,
    parseList("connections", a.connections),
    parseModes(a.modes),
    settings.stubMs,
    target,
  );
  const resultsDir = a["results-dir"];
  return { name: a.name, resultsDir, force: a.force, settings, slo, repeats, cooldownMs, workersList, grid };
}
