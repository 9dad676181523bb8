// The cells the sweeps recorded as impossible here (from results/sweep-*/state.json), for the capacity notes.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { SkippedCell } from "../notes/notes-build.ts";
import { readState } from "./sweep-plan.ts";

/** Cells a sweep recorded as impossible here (results/sweep-*\/state.json), e.g. 1 worker × 20k: fd limit. */
export function skippedCells(resultsDir: string): SkippedCell[] {
  if (!existsSync(resultsDir)) return [];
  const out: SkippedCell[] = [];
  for (const d of readdirSync(resultsDir)
    .filter((x) => x.startsWith("sweep-"))
    .sort()) {
    let s: ReturnType<typeof readState> = null;
    try {
      s = readState(join(resultsDir, d));
    } catch (e) {
      process.stderr.write(`warning: ${(e as Error).message}\n`);
    }
    for (const c of s?.cells ?? [])
      if (c.skipped)
        out.push({
          sweep: s?.name ?? d,
          workers: c.workers,
          connections: c.connections,
          mode: c.mode,
          reason: c.skipped,
        });
  }
  return out;
}
