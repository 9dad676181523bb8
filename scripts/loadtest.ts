// Load-test driver: sharded wrk against a running lab server, exact merge, SLO verdict, results/<id>/.

import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { Mode } from "./lib/contract/record.ts";
import { loadSlo, type Slo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import { runLoad } from "./lib/load/run.ts";
import type { RunOptions } from "./lib/load/run-phases.ts";
import { summaryText } from "./lib/results/summary.ts";

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("loadtest")
      .usage(
        "$0 [options] — exit 0 PASS, 1 FAIL, 2 invalid run (server unreachable, wrk missing, fd limit, bad option)",
      )
      .option("mode", {
        choices: ["saturate", "paced"],
        default: "saturate",
        desc: "closed loop, or a fixed rate via delay()",
      })
      .option("connections", {
        type: "string",
        default: String(slo.connections),
        desc: "concurrent connections",
      })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("duration", { type: "string", default: `${slo.durationS}s`, desc: "measured duration" })
      .option("warmup", { type: "string", default: "5s", desc: "run first, not recorded (0 = none)" })
      .option("target-rps", {
        type: "string",
        default: String(slo.targetRps),
        desc: "SLO rps (paced: the rate sent)",
      })
      .option("budget-ms", {
        type: "string",
        default: String(slo.overheadBudgetMs),
        desc: "allowed p99 above the stub",
      })
      .option("timeout", {
        type: "string",
        default: "2s",
        desc: "wrk --timeout: slower replies count as timeouts",
      })
      .option("url", {
        type: "string",
        default: "http://127.0.0.1:8000/ping/",
        desc: "target (loopback only)",
      })
      .option("shards", {
        type: "string",
        default: "0",
        desc: "wrk processes (0 = auto from the open-files limit)",
      })
      .option("results-dir", { type: "string", default: "results", desc: "where results/<id>/ goes" })
      .option("keep-raw", {
        type: "boolean",
        default: false,
        desc: "keep each shard's exact wrk report (wrk-<n>.json.gz)",
      })
      .option("json", { type: "boolean", default: false, desc: "print result.json on stdout" }),
  );
  const { record, dir } = await runLoad(runOptions(a, slo));
  process.stderr.write(`\n${summaryText(record, dir)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  return record.verdict.pass ? 0 : 1;
});

interface LoadtestArgs {
  mode: string;
  connections: string;
  threads: string;
  duration: string;
  warmup: string;
  "target-rps": string;
  "budget-ms": string;
  timeout: string;
  url: string;
  shards: string;
  "results-dir": string;
  "keep-raw": boolean;
}

/** The options checked (a bad value: one line, exit 2) and turned into the run's options. */
function runOptions(a: LoadtestArgs, slo: Slo): RunOptions {
  const durationS = parseDuration("duration", a.duration);
  if (durationS < 1) throw new InvalidRun("--duration must be at least 1s");
  return {
    url: a.url,
    mode: a.mode as Mode,
    threads: positiveInt("threads", a.threads, 1, 64),
    shards: positiveInt("shards", a.shards, 0, 64),
    warmupS: parseDuration("warmup", a.warmup),
    timeoutS: parseDuration("timeout", a.timeout),
    resultsDir: a["results-dir"],
    keepRaw: a["keep-raw"],
    slo: {
      ...slo,
      connections: positiveInt("connections", a.connections, 1, 1_000_000),
      durationS,
      targetRps: positiveInt("target-rps", a["target-rps"], 1, 10_000_000),
      overheadBudgetMs: positiveInt("budget-ms", a["budget-ms"], 0, 60_000),
    },
  };
}
