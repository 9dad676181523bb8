// Capacity notes, one regime's section: highest passing RPS per workers × connections, every cell, per worker count.
import { fmtSpread, type Spread } from "../core/median.ts";
import type { GroupView, SkippedCell } from "./notes-build.ts";
import { bestAt, type CellSummary, perWorkers } from "./notes-data.ts";
import { count, esc, mib, ms, n, row } from "./notes-md.ts";

const one = (x: number): string => x.toFixed(1);
const pct = (x: number): string => x.toFixed(0);
const sp = (s: Spread, f: (x: number) => string): string => fmtSpread(s, f);

export function groupSection(g: GroupView, skipped: SkippedCell[]): string[] {
  const r = g.regime;
  const dirty =
    g.dirty === 0 ? "all from a clean tree" : `⚠ ${g.dirty} of ${g.runs.length} from a dirty tree`;
  return [
    `## ${g.name}: ${r.placementLabel}`,
    "",
    `Tuning: ${r.tuningLabel}. Machine: ${r.machineLabel}. ${count(g.runs.length, "run")} in ${count(g.cells.length, "cell")}, ${dirty}.` +
      (r.placed
        ? ""
        : " Shared placement: wrk ran on the server's CPUs, so server CPU and latency include that contention."),
    "",
    ...matrix(g.cells, skipped),
    ...cellsTable(g.cells),
    ...workersTable(g.cells),
  ];
}

/** Rows: workers; columns: connection counts; each: the highest passing median RPS there, or why none. */
function matrix(cells: CellSummary[], skipped: SkippedCell[]): string[] {
  const ws = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  const cs = [...new Set(cells.map((c) => c.connections))].sort((a, b) => a - b);
  const at = (w: number, c: number): string => {
    const best = bestAt(cells, w, c);
    if (best)
      return `**${n(best.rps.median)}** ${best.mode}${best.runs.length > 1 ? ` (n ${best.runs.length})` : ""}`;
    const tried = cells.filter((x) => x.workers === w && x.connections === c);
    if (tried.length > 0)
      return `none passed (${tried.map((x) => `${x.mode} ${x.passes}/${x.runs.length}`).join(", ")})`;
    return skipped.some((s) => s.workers === w && s.connections === c) ? "could not run here" : "-";
  };
  return [
    "Highest passing steady RPS at each connection count (median over the cell's repeats; the mode that reached it):",
    "",
    row(["workers", ...cs.map((c) => `${n(c)} conns`)]),
    row(Array(cs.length + 1).fill("---")),
    ...ws.map((w) => row([w, ...cs.map((c) => at(w, c))])),
    "",
  ];
}

function cellsTable(cells: CellSummary[]): string[] {
  return [
    "Every cell — server µs/request: server CPU ÷ responses; wrk µs/request: the generator's cost beside it; " +
      "server % of its CPUs: over the steady window (placed runs only).",
    "",
    row([
      "workers",
      "connections",
      "mode",
      "target RPS",
      "passed/n",
      "steady RPS",
      "p99 ms",
      "server µs/request",
      "wrk µs/request",
      "server % of its CPUs",
      "server RSS MiB",
      "bound",
      "failed rules",
      "tree",
    ]),
    row(Array(14).fill("---")),
    ...cells.map((c) =>
      row([
        c.workers,
        n(c.connections),
        c.mode,
        n(c.targetRps),
        `${c.passes}/${c.runs.length}`,
        sp(c.rps, n),
        sp(c.p99Us, ms),
        sp(c.serverUs, one),
        sp(c.generatorUs, one),
        sp(c.serverOfItsCpusPct, pct),
        sp(c.rssBytes, mib),
        c.bounds.join(", "),
        c.failedRules.join(", ") || "-",
        c.dirty === 0 ? "clean" : `dirty ${c.dirty}/${c.runs.length}`,
      ]),
    ),
    "",
  ];
}

function workersTable(cells: CellSummary[]): string[] {
  const ws = perWorkers(cells);
  if (ws.length === 0) return [];
  return [
    "Per worker count — RSS per 1,000 connections: the slope of peak server RSS over the connection counts; " +
      "≤ marks the fallback (whole RSS ÷ connections, an upper bound) and says why.",
    "",
    row([
      "workers",
      "runs (cells)",
      "server µs/request",
      "wrk µs/request",
      "server RSS MiB per 1,000 conns",
      "generator-bound runs",
    ]),
    row(Array(6).fill("---")),
    ...ws.map((w) =>
      row([
        w.workers,
        `${w.runs} (${w.cells})`,
        sp(w.serverUs, one),
        sp(w.generatorUs, one),
        w.rssPer1kConns.method === "slope"
          ? mib(w.rssPer1kConns.bytes)
          : `≤ ${mib(w.rssPer1kConns.bytes)} (${esc(w.rssPer1kConns.why)})`,
        w.generatorBound,
      ]),
    ),
    "",
  ];
}
