// The planning model's coefficients, each measured from the recorded runs (placed runs first) and saying where from.

import { SATURATED } from "../contract/bound.ts";
import { isPlaced } from "../contract/placement.ts";
import type { Mode, ResultRecord } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { mostCommon } from "../core/median.ts";
import { WRK_PACED_US_PER_CONNECTION, WRK_SATURATE_US_PER_REQUEST } from "../load/generator-capacity.ts";
import { machineText } from "../machine/info.ts";
import { fitRss } from "./model-rss.ts";

/** One number the model uses, where it came from (for people) and the runs behind it (for machines). */
export interface Coefficient {
  value: number;
  from: string;
  runs: string[];
}

export interface Coefficients {
  /** server CPU µs per response, by mode (paced: open arrivals, what users send; saturate: a closed loop) */
  serverUs: Record<Mode, Coefficient>;
  /** wrk CPU: paced, µs per second per connection (its timers, whatever the rate); saturate, µs per request */
  generator: { pacedUsPerConnection: Coefficient; saturateUsPerRequest: Coefficient };
  rssPerProcessBytes: Coefficient;
  rssPerConnectionBytes: Coefficient;
  kernelBytesPerSocket: Coefficient;
  /** per-process open-files limit of the workers */
  fdLimit: Coefficient;
  hostCpus: Coefficient;
  hostRamBytes: Coefficient;
  /** the worst p99 above the stub in placed runs whose server stayed at or under the planned utilisation */
  p99OverStubUs: P99Coefficient & { byWorkers: Record<string, P99Coefficient> };
  /** the machines the runs came from (machineText), the most runs first */
  machines: { machine: string; runs: number }[];
}

/** Runs per machine (machineText), the most first. */
export function machinesOf(runs: ResultRecord[]): Coefficients["machines"] {
  const by = new Map<string, number>();
  for (const r of runs) by.set(machineText(r.machine), (by.get(machineText(r.machine)) ?? 0) + 1);
  return [...by].map(([machine, n]) => ({ machine, runs: n })).sort((a, b) => b.runs - a.runs);
}

export type P99Coefficient = Coefficient & { upToRps: number };

/**
 * Kernel memory per TCP socket outside any process's RSS (slab: tcp_sock, socket inode, file, dentry, epoll item).
 * NOTE: measured here, not per run: /proc/meminfo Slab rose 3.8–4.1 KB per socket holding 2,000–8,000 loopback
 * connections that each had one request answered, while /proc/net/sockstat "TCP mem" (buffer pages) stayed flat —
 * idle sockets hold no buffer pages. Records keep sockstat before and after a run only, never at its peak.
 */
export const KERNEL_BYTES_PER_SOCKET = 4096;

const ids = (rs: ResultRecord[]): string[] => rs.map((r) => r.id).sort();
const runWord = (k: number): string => (k === 1 ? "run" : "runs");
/** "3 placed paced runs", or which shared runs stood in for them. */
function whichRuns(rs: ResultRecord[], all: ResultRecord[], mode: Mode): string {
  if (rs.length > 0 && rs.every(isPlaced)) return `${rs.length} placed ${mode} ${runWord(rs.length)}`;
  const why = all.some(isPlaced)
    ? "no placed run gives it"
    : "no placed run recorded: wrk's CPU may have slowed the server";
  return `${rs.length} shared-placement ${mode} ${runWord(rs.length)} (${why})`;
}

/** Σ(µs × count) ÷ Σcount over the runs that have it: a pooled cost, heavy runs weigh most. */
function pooled(
  rs: ResultRecord[],
  us: (r: ResultRecord) => number | undefined,
  count: (r: ResultRecord) => number,
): { value: number; n: number; runs: ResultRecord[] } {
  const ok = rs.filter((r) => (us(r) ?? 0) > 0 && count(r) > 0);
  const n = ok.reduce((a, r) => a + count(r), 0);
  const total = ok.reduce((a, r) => a + (us(r) ?? 0) * count(r), 0);
  return { value: n > 0 ? total / n : Number.NaN, n, runs: ok };
}

/** Placed runs when any of them has the figure, else every run (and the text says which). */
function preferPlaced(all: ResultRecord[], has: (r: ResultRecord) => boolean): ResultRecord[] {
  const placed = all.filter((r) => isPlaced(r) && has(r));
  return placed.length > 0 ? placed : all.filter(has);
}

function serverUs(all: ResultRecord[], mode: Mode): Coefficient {
  const known = (r: ResultRecord) =>
    r.load.mode === mode &&
    !r.placement?.cpuUnknown?.includes("server") &&
    r.measurements.cpu.serverUsPerRequest > 0;
  const rs = preferPlaced(all, known);
  const p = pooled(
    rs,
    (r) => r.measurements.cpu.serverUsPerRequest,
    (r) => r.measurements.serverCounted.responses,
  );
  return {
    value: p.value,
    from: `server CPU ÷ responses pooled over ${whichRuns(p.runs, all, mode)}, ${int(p.n)} responses`,
    runs: ids(p.runs),
  };
}

// NOTE: placed runs only: a shared run's wrk competes with the server for the cores; its cost is not wrk's own.
const wrkKnown = (r: ResultRecord, mode: Mode): boolean =>
  isPlaced(r) &&
  r.load.mode === mode &&
  !r.placement?.cpuUnknown?.includes("generator") &&
  (r.measurements.cpu.generatorUsPerRequest ?? 0) > 0;

/** wrk under the contract's 90 % of its CPUs: only then do its CPU and its p99 show need, not a ceiling. */
const wrkUnsaturated = (r: ResultRecord): boolean =>
  (r.measurements.cpu.generatorOfItsCpusPct ?? 100) < SATURATED * 100;

// NOTE: paced wrk's CPU follows its pending delay() timers, i.e. its connections (docs/generator.md), and only an
// unsaturated wrk shows its need: a saturated one takes all it is given, so its µs per request is a floor.
// NOTE: one wrk build at a time: the lab's when any run used it (it pays per request, ~6× less at 20k connections),
// else Debian's; never pooled together (their costs have different shapes).
function generatorPaced(all: ResultRecord[]): Coefficient {
  const known = all.filter((r) => wrkKnown(r, "paced") && wrkUnsaturated(r));
  const lab = known.filter((r) => r.load.generator?.patchSet);
  const rs = lab.length > 0 ? lab : known;
  const p = pooled(
    rs,
    (r) => ((r.measurements.cpu.generatorUsPerRequest ?? 0) * r.measurements.rps) / r.load.connections,
    (r) => r.load.connections,
  );
  if (p.runs.length > 0)
    return {
      value: p.value,
      from: `${lab.length > 0 ? "the lab's wrk" : "wrk"} CPU ÷ connections pooled over ${p.runs.length} placed paced ${runWord(p.runs.length)} with wrk < ${SATURATED * 100} % of its CPUs, ${int(p.n)} connections`,
      runs: ids(p.runs),
    };
  return {
    value: WRK_PACED_US_PER_CONNECTION,
    from: "no placed paced run with wrk unsaturated: wrk's paced cost measured pinned to one CPU (docs/generator.md)",
    runs: [],
  };
}

function generatorSaturate(all: ResultRecord[]): Coefficient {
  const p = pooled(
    all.filter((r) => wrkKnown(r, "saturate")),
    (r) => r.measurements.cpu.generatorUsPerRequest,
    (r) => r.measurements.requests,
  );
  if (p.runs.length > 0)
    return {
      value: p.value,
      from: `wrk CPU ÷ requests pooled over ${whichRuns(p.runs, all, "saturate")}, ${int(p.n)} requests`,
      runs: ids(p.runs),
    };
  return {
    value: WRK_SATURATE_US_PER_REQUEST,
    from: "no placed saturate run: wrk's saturate cost measured pinned to one CPU (docs/generator.md)",
    runs: [],
  };
}

/** NOTE: only runs where wrk kept up (not generator-bound, no errors): a late generator inflates p99 by itself. */
// NOTE: paced runs only (a closed loop's p99 is its own queue, not the SLO question), and wrk measured below the
// contract's 90 % of its CPUs: a saturated wrk sends late and reads late, and its p99 is wrk's, not the server's.
function p99OverStub(all: ResultRecord[], utilisation: number): Coefficients["p99OverStubUs"] {
  const rs = all.filter(
    (r) =>
      isPlaced(r) &&
      r.load.mode === "paced" &&
      wrkUnsaturated(r) &&
      !r.verdict.reasons.some((x) => x.rule === "errors") &&
      (r.measurements.cpu.serverOfItsCpusPct ?? 101) <= utilisation * 100,
  );
  const worst = (sub: ResultRecord[], what: string): P99Coefficient => ({
    value: sub.length ? Math.max(...sub.map((r) => r.measurements.overStubUs.p99)) : Number.NaN,
    upToRps: sub.length ? Math.max(...sub.map((r) => r.measurements.rps)) : 0,
    from: `the worst p99 − stub over ${sub.length} placed paced ${runWord(sub.length)}${what} with the server ≤ ${utilisation * 100} % of its CPUs and wrk < ${SATURATED * 100} % of its`,
    runs: ids(sub),
  });
  // NOTE: per worker count too: the plan checks its own shape (8 workers on one CPU queue more than 2).
  const counts = [...new Set(rs.map((r) => r.server.workers))].sort((a, b) => a - b);
  const byWorkers = Object.fromEntries(
    counts.map((w) => [
      String(w),
      worst(
        rs.filter((r) => r.server.workers === w),
        ` of ${w} workers`,
      ),
    ]),
  );
  return { ...worst(rs, ""), byWorkers };
}

// NOTE: one server host's costs: a fleet's runs (make lab SERVERS=n) are measured through an LB — its server µs,
// p99 and RSS already hold what the fleet plan adds for the LB (model-fleet.ts): they are checked, not pooled.
export function coefficients(runs: ResultRecord[], utilisation: number): Coefficients {
  const all = runs.filter((r) => !r.fleet);
  const newest = [...all].sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
  const rss = fitRss(
    preferPlaced(all, (r) => r.measurements.rssBytes > 0),
    all,
  );
  const nofile = all.flatMap((r) => r.server.nofile.map((x) => x.soft)).filter(Number.isFinite);
  return {
    serverUs: { paced: serverUs(all, "paced"), saturate: serverUs(all, "saturate") },
    generator: { pacedUsPerConnection: generatorPaced(all), saturateUsPerRequest: generatorSaturate(all) },
    rssPerProcessBytes: { value: rss.perProcessBytes, from: rss.method, runs: rss.runs },
    rssPerConnectionBytes: { value: rss.perConnectionBytes, from: rss.method, runs: rss.runs },
    kernelBytesPerSocket: {
      value: KERNEL_BYTES_PER_SOCKET,
      from: "an estimate measured on this machine: slab per TCP socket, docs/capacity-model.md; no record holds it",
      runs: [],
    },
    fdLimit: {
      value: mostCommon(nofile) ?? 20_000,
      from: `the workers' open-files soft limit, most common over ${all.length} runs`,
      runs: [],
    },
    hostCpus: { value: newest?.machine.cpus ?? 1, from: `the newest run's machine, ${newest?.id}`, runs: [] },
    hostRamBytes: {
      value: newest?.machine.ramBytes ?? 0,
      from: `the newest run's machine, ${newest?.id}`,
      runs: [],
    },
    p99OverStubUs: p99OverStub(all, utilisation),
    machines: machinesOf(all),
  };
}
