// The chaos scenarios, in the order `make chaos` runs them (issue 7's list; lab faults as three rows).
import type { Scenario } from "../lib/chaos/scenario.ts";
import { badOptions } from "./bad-options.ts";
import { clientAborts } from "./client-aborts.ts";
import { corruptResults } from "./corrupt-results.ts";
import { crashLoop } from "./crash-loop.ts";
import { ctrlC } from "./ctrl-c.ts";
import { fdExhaustion } from "./fd-exhaustion.ts";
import { gracefulStop } from "./graceful-stop.ts";
import { hostLoss } from "./host-loss.ts";
import { hostReturn } from "./host-return.ts";
import { malformed } from "./malformed.ts";
import { slowloris } from "./slowloris.ts";
import { workerCrash } from "./worker-crash.ts";

export const SCENARIOS: Scenario[] = [
  workerCrash,
  gracefulStop,
  malformed,
  slowloris,
  clientAborts,
  fdExhaustion,
  crashLoop,
  ctrlC,
  corruptResults,
  badOptions,
];

// NOTE: not in SCENARIO=all: they need root, network namespaces and HAProxy (the others run on loopback), and a lost
// host always FAILs (a request in flight on it cannot be answered), which would make every full run FAIL.
/** Named only (SCENARIO=host-loss,host-return): a server host of a fleet behind HAProxy lost, and back. */
export const FLEET_SCENARIOS: Scenario[] = [hostLoss, hostReturn];
