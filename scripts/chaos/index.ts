// The chaos scenarios, in the order `make chaos` runs them (issue 7's list; lab faults as three rows).
import type { Scenario } from "../lib/chaos/scenario.ts";
import { badOptions } from "./bad-options.ts";
import { clientAborts } from "./client-aborts.ts";
import { corruptResults } from "./corrupt-results.ts";
import { crashLoop } from "./crash-loop.ts";
import { ctrlC } from "./ctrl-c.ts";
import { fdExhaustion } from "./fd-exhaustion.ts";
import { gracefulStop } from "./graceful-stop.ts";
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
