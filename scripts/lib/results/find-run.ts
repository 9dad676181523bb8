// A run named on the command line: an id in the results directory (or a path to its directory), read and checked.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ResultRecord } from "../contract/record.ts";
import { InvalidRun } from "../core/cli.ts";
import { readResult } from "./run-dir.ts";

export interface FoundRun {
  /** the run's directory */
  dir: string;
  record: ResultRecord;
}

/** `<resultsDir>/<ref>/result.json`, or `<ref>/result.json` when ref is itself a run directory (tab completion). */
export function findRun(resultsDir: string, ref: string, option: string): FoundRun {
  const candidates = [join(resultsDir, ref), ref];
  const dir = candidates.find((d) => existsSync(join(d, "result.json")) && statSync(d).isDirectory());
  if (!dir)
    throw new InvalidRun(
      `--${option}: no run "${ref}" in ${resultsDir}/ (no ${join(resultsDir, ref, "result.json")}) — ls ${resultsDir}/ lists the run ids`,
    );
  try {
    return { dir, record: readResult(join(dir, "result.json")) };
  } catch (e) {
    throw new InvalidRun(
      `--${option}: ${join(dir, "result.json")} is unreadable: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}
