// `make plan`: server CPUs, workers, RAM, generator CPUs and hosts for the user's own numbers, from the recorded runs.
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { coefficients } from "./lib/model/model-coefficients.ts";
import { infeasible, plan, TARGET_UTILISATION } from "./lib/model/model-plan.ts";
import { planText } from "./lib/model/plan-text.ts";
import { selectRuns } from "./lib/notes/notes-data.ts";
import { loadResults } from "./lib/results/run-dir.ts";

const cli = {
  name: "plan",
  usage:
    "$0 [options] — what serving --target-rps over --connections takes, from the runs in --results-dir\n" +
    "--p99-ms defaults to --stub-ms + --budget-ms",
  options: [
    ...["target-rps", "connections", "stub-ms", "budget-ms", "p99-ms", "handler-us", "results-dir", "json"],
  ] as const,
  overrides: { "p99-ms": null },
  slo: loadSlo,
};

await driver(cli, async (a) => {
  const stubMs = a["stub-ms"];
  const q = {
    targetRps: a["target-rps"],
    connections: a.connections,
    stubMs,
    p99Ms: a["p99-ms"] ?? stubMs + a["budget-ms"],
    handlerUs: a["handler-us"],
  };
  const bad = infeasible(q);
  if (bad) throw new InvalidRun(bad);
  const resultsDir = a["results-dir"];
  const sel = selectRuns(loadResults(resultsDir));
  if (sel.runs.length === 0)
    throw new InvalidRun(
      `no uWS runs in ${resultsDir}/ to measure the costs from — record some (make sweep) or give --results-dir`,
    );
  const k = coefficients(sel.runs, TARGET_UTILISATION);
  const p = plan(q, k);
  process.stdout.write(
    a.json
      ? `${JSON.stringify({ plan: p, model: k }, null, 1)}\n`
      : planText(p, k, { resultsDir, stubMsOfRuns: sel.stubMs }),
  );
  return 0;
});
