// Load-test driver: sharded wrk against a running lab server, exact merge, SLO verdict, results/<id>/.

import { driver } from "./lib/core/driver.ts";
import { LOAD_OPTIONS, PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { localPlacement } from "./lib/placement/local.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";
import { runLoad } from "./lib/results/run.ts";
import { summaryText, verdictOutcome } from "./lib/results/summary.ts";

const cli = {
  name: "loadtest",
  usage:
    "$0 [options] — exit 0 PASS, 1 FAIL, 2 invalid run (server unreachable, wrk missing, fd limit, bad option)",
  options: [
    ...LOAD_OPTIONS,
    ...["timeout", "url", "shards", "results-dir", "keep-raw", "json"],
    ...PLACEMENT_OPTIONS,
  ] as const,
  slo: loadSlo,
};

await driver(cli, async (a, slo) => {
  const { record, dir } = await runLoad({
    runPage,
    // NOTE: the server was started elsewhere: its CPUs are read back from its processes, not taken from here.
    placement: localPlacement(a).request,
    url: a.url,
    mode: a.mode,
    threads: a.threads,
    shards: a.shards,
    warmupS: a.warmup,
    timeoutS: a.timeout,
    resultsDir: a["results-dir"],
    keepRaw: a["keep-raw"],
    slo: {
      ...slo,
      connections: a.connections,
      durationS: a.duration,
      targetRps: a["target-rps"],
      overheadBudgetMs: a["budget-ms"],
    },
  });
  process.stderr.write(`\n${summaryText(record, dir)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify(record)}\n`);
  return verdictOutcome(record);
});
