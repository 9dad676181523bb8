// `make lab`: start the server (--workers, 2), run paced 20k RPS and saturate 20k connections, stop it, compare.
import { existsSync } from "node:fs";
import { ruleList } from "./lib/contract/reasons.ts";
import type { Mode, ResultRecord } from "./lib/contract/record.ts";
import { driver } from "./lib/core/driver.ts";
import { int, textTable } from "./lib/core/format.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { sleep } from "./lib/core/sleep.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { tune, untune } from "./lib/machine/tune.ts";
import { statePath } from "./lib/machine/tune-state.ts";
import { refuseEarly, startTarget, type Target } from "./lib/placement/lab-target.ts";
import { labPlacement } from "./lib/placement/local.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";
import { repeatsOutcome, repeatsText } from "./lib/results/repeats.ts";
import { runLoad } from "./lib/results/run.ts";
import { summaryText, verdictOutcome } from "./lib/results/summary.ts";

const COOL_DOWN_MS = 5000;

function sideBySide(runs: { mode: Mode; record: ResultRecord; dir: string }[]): string {
  const rows: [string, (r: ResultRecord) => string][] = [
    ["verdict", (r) => (r.verdict.pass ? "PASS" : "FAIL")],
    ["steady rps", (r) => int(r.measurements.rps)],
    ["of Little ceiling", (r) => (r.measurements.rps / r.measurements.littleCeilingRps).toFixed(3)],
    ["p99 µs", (r) => int(r.measurements.latencyUs.p99)],
    ["over-stub p99 µs", (r) => int(r.measurements.overStubUs.p99)],
    [
      "server's own p99 late µs",
      (r) => (r.measurements.serverLateUs ? int(r.measurements.serverLateUs.p99) : "—"),
    ],
    ["errors", (r) => int(Object.values(r.measurements.errors).reduce((a, v) => a + v, 0))],
    ["connections up", (r) => int(r.measurements.connectionsEstablished)],
    [
      "server / wrk cpu % (of one)",
      (r) => `${r.measurements.cpu.serverPct.toFixed(0)} / ${r.measurements.cpu.generatorPct.toFixed(0)}`,
    ],
    ["placement", (r) => r.placement?.kind ?? "shared"],
    [
      "server / wrk % of own CPUs",
      (r) =>
        `${(r.measurements.cpu.serverOfItsCpusPct ?? 0).toFixed(0)} / ${(r.measurements.cpu.generatorOfItsCpusPct ?? 0).toFixed(0)}`,
    ],
    ["bound", (r) => r.bound],
    ["failed rules", (r) => ruleList(r.verdict.reasons) || "-"],
  ];
  const table = textTable(
    ["", ...runs.map((r) => r.mode)],
    rows.map(([k, f]) => [k, ...runs.map((r) => f(r.record))]),
  );
  return [table, "", ...runs.map((r) => `${r.mode}: ${r.dir}/result.json`)].join("\n");
}

// NOTE: first, before any await: from here a Ctrl-C unwinds through the cleanup below (untune, shield, server),
// instead of killing this process with the server and the tuned sysctls left behind.
const signal = interruptSignal();

// NOTE: every option is parsed before the server starts: a bad value is one line, nothing started.
const cli = {
  name: "lab",
  usage:
    "$0 [options] — exit 0 when the paced run PASSes, 1 when it FAILs, 2 when a run is invalid\n" +
    "--placement: split, or hosts when --hosts is given",
  options: [
    ...["workers", "port", "connections", "target-rps", "duration", "warmup", "threads", "modes"],
    ...PLACEMENT_OPTIONS,
    ...["shield", "servers", "lb-processes", "rate-limit", "clients", "hosts", "results-dir"],
    "profile",
    "repeats",
  ] as const,
  // NOTE: no default placement here: HOSTS alone implies hosts (labPlacement), else the catalogue's split.
  overrides: { modes: "paced,saturate", placement: null },
  slo: loadSlo,
};

await driver(cli, async (given, slo) => {
  const a = { ...given, placement: labPlacement(given.placement, given.hosts) };
  const runSlo = { ...slo, connections: a.connections, targetRps: a["target-rps"], durationS: a.duration };
  const base = { threads: a.threads, shards: 0, warmupS: a.warmup, timeoutS: 2, slo: runSlo };
  let target: Target | null = null;
  refuseEarly(a);
  const tuned = tuneForRun(a.profile);
  try {
    checkInterrupted(signal);
    target = await startTarget(a, slo.stubMs);
    checkInterrupted(signal);
    process.stderr.write(`server: ${target.output().trim()}\n`);
    const { url, request, statsBase } = target;
    const runs = await runModes(a.modes as Mode[], a.repeats, (mode) =>
      runLoad({ ...base, runPage, url, mode, resultsDir: a["results-dir"], placement: request, statsBase }),
    );
    if (a.repeats === 1) {
      const paced = runs.find((r) => r.mode === "paced") ?? runs[0];
      process.stdout.write(`\n${sideBySide(runs)}\n`);
      return paced ? verdictOutcome(paced.record) : 1;
    }
    process.stdout.write(
      `\n${repeatsText(runs)}\n\n${runs.map((r) => `${r.mode}: ${r.dir}/result.json`).join("\n")}\n`,
    );
    return repeatsOutcome(runs);
  } finally {
    await (target as Target | null)?.stop(); // drains, then exits; also on failure and Ctrl-C
    if (tuned && untune() !== 0) process.stderr.write(`lab: sysctls not all restored — make untune\n`);
  }
});

/** PROFILE for the runs unless the box is tuned already (a saved state) or PROFILE=none; true = undo after. */
function tuneForRun(profile: string): boolean {
  if (profile === "none" || existsSync(statePath())) return false;
  if (process.getuid?.() === 0 && tune(profile, false) === 0) return true;
  process.stderr.write("lab: running untuned (see make doctor)\n");
  return false;
}

type LabRun = { mode: Mode; record: ResultRecord; dir: string };

/** Each mode in turn, `repeats` rounds interleaved (paced, saturate, paced, …), a cool-down between; each summary. */
async function runModes(
  modes: Mode[],
  repeats: number,
  run: (mode: Mode) => Promise<{ record: ResultRecord; dir: string }>,
): Promise<LabRun[]> {
  const runs: LabRun[] = [];
  for (const mode of Array.from({ length: repeats }, () => modes).flat()) {
    checkInterrupted(signal);
    if (runs.length > 0) await Promise.race([sleep(COOL_DOWN_MS), whenInterrupted(signal)]);
    const { record, dir } = await run(mode);
    process.stderr.write(`\n${summaryText(record, dir)}\n\n`);
    runs.push({ mode, record, dir });
  }
  return runs;
}
