// Capacity notes, the closing sections: Little's law check, generator-bound runs, skipped cells.
import type { ResultRecord } from "../contract/record.ts";
import type { SkippedCell } from "./notes-build.ts";
import { littleRows } from "./notes-little.ts";
import { esc, ms, n, row } from "./notes-md.ts";

export function littleSection(runs: ResultRecord[]): string[] {
  const rows = littleRows(runs);
  if (rows.length === 0) return [];
  return [
    "## Little's law check (saturate runs)",
    "",
    "In a closed loop every connection has one request out, so the requests in flight L = steady RPS × mean latency " +
      "should equal the connections. Well below 1: connections sat idle (not up, errors, a generator that could not keep up); " +
      "above 1: RPS or latency overstated. Flagged when off by more than 10 %.",
    "",
    row([
      "run",
      "workers",
      "connections",
      "steady RPS",
      "mean latency ms",
      "L = RPS × mean",
      "L ÷ connections",
      "",
    ]),
    row(Array(8).fill("---")),
    ...rows.map((r) =>
      row([
        r.id,
        r.workers,
        n(r.connections),
        n(r.rps),
        ms(r.meanUs),
        n(r.inFlight),
        r.ratio.toFixed(3),
        Math.abs(r.ratio - 1) > 0.1 ? "⚠" : "ok",
      ]),
    ),
    "",
  ];
}

export function generatorSection(runs: ResultRecord[]): string[] {
  const gen = runs.filter((r) => r.bound === "generator");
  return [
    "## Generator-bound runs: lower bounds only",
    "",
    gen.length === 0
      ? "None: in every run the server or nothing was the limit."
      : "wrk was the limit in these runs (bound = generator), so their RPS says the server did at least this much, not its ceiling:",
    "",
    ...gen.map(
      (r) =>
        `- \`${r.id}\`: ${r.server.workers} workers, ${r.load.mode}, ${n(r.load.connections)} conns → ${n(r.measurements.rps)} RPS (${esc(r.boundWhy)})`,
    ),
    ...(gen.length ? [""] : []),
  ];
}

export function skippedSection(skipped: SkippedCell[]): string[] {
  if (skipped.length === 0) return [];
  return [
    "## Cells a sweep could not run here",
    "",
    row(["sweep", "workers", "connections", "mode", "reason"]),
    row(Array(5).fill("---")),
    ...skipped.map((s) => row([s.sweep, s.workers, n(s.connections), s.mode, esc(s.reason)])),
    "",
  ];
}
