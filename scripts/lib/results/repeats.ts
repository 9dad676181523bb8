// Repeats of one shape (make lab REPEATS=n): n, median and min–max per mode, and how many passed — never one run.
import { namedPct } from "../contract/p99-parts.ts";
import type { Mode, ResultRecord } from "../contract/record.ts";
import type { Outcome } from "../core/cli.ts";
import { int, textTable } from "../core/format.ts";
import { fmtSpread, spread } from "../core/median.ts";

const ms = (us: number): string => (us / 1000).toFixed(1);
const pct = (x: number): string => x.toFixed(0);

type Row = [string, (rs: ResultRecord[]) => string];

const of = (rs: ResultRecord[], f: (r: ResultRecord) => number | undefined | null): number[] =>
  rs.flatMap((r) => {
    const v = f(r);
    return typeof v === "number" && Number.isFinite(v) ? [v] : [];
  });

const ROWS: Row[] = [
  ["runs passed", (rs) => `${rs.filter((r) => r.verdict.pass).length} of ${rs.length}`],
  ["p99 ms", (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.latencyUs.p99)), ms)],
  ["steady rps", (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.rps)), int)],
  [
    "server's own p99 late ms",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.serverLateUs?.p99)), ms),
  ],
  [
    "wrk send lateness p99 ms",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.sendLatenessUs?.p99)), ms),
  ],
  [
    "wait before handler p99 ms",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.beforeHandlerUs?.p99)), ms),
  ],
  [
    "wrk read lateness p99 ms",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.readLatenessUs?.p99)), ms),
  ],
  ["parts name % of over-stub p99", (rs) => fmtSpread(spread(of(rs, (r) => namedPct(r.measurements))), pct)],
  [
    "server % of its CPUs",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.cpu.serverOfItsCpusPct)), pct),
  ],
  [
    "wrk % of its CPUs",
    (rs) => fmtSpread(spread(of(rs, (r) => r.measurements.cpu.generatorOfItsCpusPct)), pct),
  ],
  [
    "other tasks % (server CPUs)",
    (rs) =>
      fmtSpread(spread(of(rs, (r) => r.measurements.contention?.server?.otherTasksCpuPct)), (x) =>
        x.toFixed(1),
      ),
  ],
  ["bound", (rs) => [...new Set(rs.map((r) => r.bound))].join(", ")],
];

/** The repeats table: a column per mode, "median (min–max)" over its runs. */
export function repeatsText(runs: { mode: Mode; record: ResultRecord }[]): string {
  const modes = [...new Set(runs.map((r) => r.mode))];
  const by = (m: Mode) => runs.filter((r) => r.mode === m).map((r) => r.record);
  const head = modes.map((m) => `${m} (n ${by(m).length})`);
  return textTable(
    ["median (min–max)", ...head],
    ROWS.map(([k, f]) => [k, ...modes.map((m) => f(by(m)))]),
  );
}

/** 0 when every paced run passed (every run, without paced), else 1 — with the count, never one run's verdict. */
export function repeatsOutcome(runs: { mode: Mode; record: ResultRecord }[]): Outcome {
  const judged = runs.some((r) => r.mode === "paced") ? runs.filter((r) => r.mode === "paced") : runs;
  const passed = judged.filter((r) => r.record.verdict.pass).length;
  const says = `${passed} of ${judged.length} ${judged[0]?.mode ?? ""} runs passed`;
  return passed === judged.length ? { code: 0, says: `PASS (${says})` } : { code: 1, says: `FAIL (${says})` };
}
