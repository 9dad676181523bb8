// Small real `make lab` runs for the tests: the split placement on 2 CPUs, one paced shape, its record read back.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import type { Running } from "./cli.ts";

/** The server on CPU 1 (2 workers), wrk on CPU 0. */
export const SPLIT = [
  "--placement",
  "split",
  "--server-cpus",
  "1",
  "--generator-cpus",
  "0",
  "--workers",
  "2",
];

/** Paced at 1 req/s per connection for `duration`, no warm-up, the machine's sysctls left alone (no tuning). */
export function pacedShape(connections: number, duration: string): string[] {
  const c = String(connections);
  return ["--modes", "paced", "-c", c, "-R", c, "-d", duration, "--warmup", "0", "--profile", "none"];
}

/** The paced run's record in `dir` (exactly one is expected). */
export function pacedRecord(dir: string): ResultRecord {
  const run = readdirSync(dir).find((d) => d.includes("-paced-"));
  assert.ok(run, `no paced run in ${dir}: ${readdirSync(dir).join(", ")}`);
  return JSON.parse(readFileSync(join(dir, run, "result.json"), "utf8")) as ResultRecord;
}

/** Resolves once `re` shows on the run's stderr, or once it ended without it. */
export function untilStderr(run: Running, re: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let text = "";
    run.child.stderr?.on("data", (d: Buffer) => {
      text += d.toString();
      if (re.test(text)) resolve();
    });
    run.done.then(() => resolve());
  });
}
