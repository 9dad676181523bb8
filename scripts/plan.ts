// `make plan`: server CPUs, workers, RAM, generator CPUs and hosts for the user's own numbers, from the recorded runs.
import os from "node:os";
import type { ResultRecord } from "./lib/contract/record.ts";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { machineInfo, machineText } from "./lib/machine/info.ts";
import { fleetCheck, fleetCheckLines } from "./lib/model/fleet-check.ts";
import { fleetInputs } from "./lib/model/fleet-inputs.ts";
import { fleetMeasuredOf } from "./lib/model/fleet-measured.ts";
import { fleetText } from "./lib/model/fleet-text.ts";
import { coefficients } from "./lib/model/model-coefficients.ts";
import { type FleetPlan, fleetPlan } from "./lib/model/model-fleet.ts";
import { infeasible, plan, TARGET_UTILISATION } from "./lib/model/model-plan.ts";
import { planText } from "./lib/model/plan-text.ts";
import { selectRuns } from "./lib/notes/notes-data.ts";
import { findRun } from "./lib/results/find-run.ts";
import { loadResults } from "./lib/results/run-dir.ts";

const cli = {
  name: "plan",
  usage:
    "$0 [options] — what serving --target-rps over --connections takes, from the runs in --results-dir\n" +
    "--p99-ms defaults to --stub-ms + --budget-ms; the fleet section (server hosts of --host-cpus and HAProxy)\n" +
    "is printed when one host cannot serve the target, or always with --fleet",
  options: [
    ...["target-rps", "connections", "stub-ms", "budget-ms", "p99-ms", "handler-us", "fleet", "host-cpus"],
    ...["results-dir", "json", "check"],
  ] as const,
  overrides: { "p99-ms": null },
  slo: loadSlo,
};

await driver(cli, async (a) => {
  const checked = a.check ? findRun(a["results-dir"], a.check, "check").record : null;
  // NOTE: --check plans at the fleet run's own shape: its rate, connections, stub and server host size.
  const stubMs = checked?.slo.stubMs ?? a["stub-ms"];
  const q = {
    targetRps: checked?.slo.targetRps ?? a["target-rps"],
    connections: checked?.load.connections ?? a.connections,
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
  const hostCpus = a["host-cpus"] ?? checkedHostCpus(checked) ?? os.availableParallelism();
  const f = fleetInputs(k, resultsDir, hostCpus);
  const fleet = fleetPlan({ ...q, hostCpus }, f.inputs);
  const showFleet = a.fleet || checked !== null || p.hosts.server > 1 || fleet.server.hosts > 1;
  const from = a["host-cpus"] === undefined ? "this machine's; --host-cpus" : "--host-cpus";
  process.stdout.write(
    a.json
      ? `${JSON.stringify({ plan: p, model: k, fleet: { plan: fleet, inputs: f.inputs } }, null, 1)}\n`
      : planText(p, k, { resultsDir, stubMsOfRuns: sel.stubMs, here: machineText(machineInfo(null)) }) +
          (showFleet ? `\n${fleetText(fleet, f.inputs, f.lbChoice, from)}` : "") +
          (checked ? checkText(fleet, checked) : ""),
  );
  return 0;
});

/** A fleet run's server host size: the CPUs its first server host was given. */
function checkedHostCpus(r: ResultRecord | null): number | undefined {
  return r?.fleet?.servers[0]?.cpus?.length;
}

function checkText(fleet: FleetPlan, r: ResultRecord): string {
  const lines = fleetCheckLines(fleetCheck(fleet, fleetMeasuredOf(r, "check")));
  return `\nChecked against ${r.id} (${r.fleet?.servers.length} servers behind HAProxy; error = (predicted − measured) ÷ measured):\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}
