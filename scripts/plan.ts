// `make plan`: server CPUs, workers, RAM, generator CPUs and hosts for the user's own numbers, from the recorded runs.
import os from "node:os";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { fleetInputs } from "./lib/model/fleet-inputs.ts";
import { fleetText } from "./lib/model/fleet-text.ts";
import { coefficients } from "./lib/model/model-coefficients.ts";
import { fleetPlan } from "./lib/model/model-fleet.ts";
import { infeasible, plan, TARGET_UTILISATION } from "./lib/model/model-plan.ts";
import { planText } from "./lib/model/plan-text.ts";
import { selectRuns } from "./lib/notes/notes-data.ts";
import { loadResults } from "./lib/results/run-dir.ts";

const cli = {
  name: "plan",
  usage:
    "$0 [options] — what serving --target-rps over --connections takes, from the runs in --results-dir\n" +
    "--p99-ms defaults to --stub-ms + --budget-ms; the fleet section (server hosts of --host-cpus and HAProxy)\n" +
    "is printed when one host cannot serve the target, or always with --fleet",
  options: [
    ...["target-rps", "connections", "stub-ms", "budget-ms", "p99-ms", "handler-us", "fleet", "host-cpus"],
    ...["results-dir", "json"],
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
  const hostCpus = a["host-cpus"] ?? os.availableParallelism();
  const f = fleetInputs(k, resultsDir, hostCpus);
  const fleet = fleetPlan({ ...q, hostCpus }, f.inputs);
  const showFleet = a.fleet || p.hosts.server > 1 || fleet.server.hosts > 1;
  const from = a["host-cpus"] === undefined ? "this machine's; --host-cpus" : "--host-cpus";
  process.stdout.write(
    a.json
      ? `${JSON.stringify({ plan: p, model: k, fleet: { plan: fleet, inputs: f.inputs } }, null, 1)}\n`
      : planText(p, k, { resultsDir, stubMsOfRuns: sel.stubMs }) +
          (showFleet ? `\n${fleetText(fleet, f.inputs, f.lbChoice, from)}` : ""),
  );
  return 0;
});
