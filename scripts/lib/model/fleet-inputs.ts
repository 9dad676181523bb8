// What the fleet plan reads besides the request: the model's coefficients, this machine's limits, HAProxy's cost.
import { readFileSync } from "node:fs";
import { nofileLimits, portRangeSize } from "../machine/limits.ts";
import { HAPROXY_TEMPLATE } from "../processes/haproxy-config.ts";
import { chooseLbCost, type LbCostChoice, loadLbCosts } from "../results/lb-cost-dir.ts";
import type { Coefficients } from "./model-coefficients.ts";
import type { FleetInputs } from "./model-fleet.ts";

// NOTE: the hard nofile limit, not the soft one: HAProxy raises its own soft limit to its maxsock, up to the hard.
export function fleetInputs(
  k: Coefficients,
  resultsDir: string,
  hostCpus: number,
): { inputs: FleetInputs; lbChoice: LbCostChoice } {
  const lbChoice = chooseLbCost(loadLbCosts(resultsDir), readFileSync(HAPROXY_TEMPLATE, "utf8"));
  const p99 = k.p99OverStubUs.byWorkers[String(hostCpus)] ?? k.p99OverStubUs;
  return {
    inputs: {
      serverUs: k.serverUs.paced.value,
      workerFdLimit: k.fdLimit.value,
      lbHardNofile: nofileLimits("self").hard,
      portRange: portRangeSize(),
      serverP99OverStubUs: p99.value,
      lb: lbChoice.used,
      lbPool: lbChoice.templatePool,
    },
    lbChoice,
  };
}
