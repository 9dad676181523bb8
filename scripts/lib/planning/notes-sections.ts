// Capacity notes, the closing sections: Little's law check, planning table, generator-bound runs, skipped cells.
import type { ResultRecord } from "../contract/record.ts";
import { littleRows } from "./notes-little.ts";
import { esc, mib, ms, n, row } from "./notes-md.ts";
import { fitRss, PLAN_RPS, type PlanInput, planningCpu, planRow, TARGET_UTILISATION } from "./notes-plan.ts";
import type { NotesInput } from "./notes-render.ts";
import type { SkippedCell } from "./notes-skipped.ts";

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

export function planSection(i: NotesInput, runs: ResultRecord[]): string[] {
  const cpu = planningCpu(runs);
  const rss = fitRss(runs);
  const stubMs = i.sel.stubMs;
  const p: PlanInput = {
    stubMs,
    usPerRequest: cpu.usPerRequest,
    fdLimit: i.fdLimit,
    minWorkersForFds: i.minWorkersForFds,
    rss,
    utilisation: TARGET_UTILISATION,
  };
  const m = runs[0]?.machine;
  const rows = PLAN_RPS.map((rps) => planRow(rps, p));
  return [
    `## Planning: workers, cores and RAM for a target RPS at a ${stubMs} ms stub`,
    "",
    "Assumptions (each number from the records above):",
    "",
    `- **CPU**: ${cpu.usPerRequest.toFixed(1)} µs of server CPU per request (${cpu.from}; utime + stime of primary and workers over the run, connection setup included). ` +
      "Loopback's softirq work is partly charged to other processes, so the true cost is somewhat higher: a lower bound.",
    `- **Cores** = RPS × µs/request ÷ 10⁶ ÷ ${TARGET_UTILISATION} (plan each core at ${TARGET_UTILISATION * 100} % busy), rounded up; the load generator is not included.`,
    `- **Connections** = RPS × ${stubMs / 1000} s (Little's law: each connection carries one request at a time, no pipelining).`,
    `- **Workers** ≥ cores and ≥ the fd minimum: each worker may hold ${i.fdLimit.toLocaleString("en-US")} fds (the per-process open-files limit) less a reserve of ${i.fdReserve}, and the busiest SO_REUSEPORT worker gets up to 1.1 × its share.`,
    `- **RAM** = (workers + 1) × ${mib(rss.perProcessBytes)} MiB + connections × ${(rss.perConnectionBytes / 1024).toFixed(1)} KiB of server RSS (${rss.method}); kernel socket buffers and the clients are not included.`,
    "",
    row([
      "target RPS",
      "connections",
      "CPU (cores at 100 %)",
      "cores",
      "workers for fds",
      "workers",
      "RAM (server RSS)",
      m ? `fits this machine (${m.cpus} cores, ${(m.ramBytes / 2 ** 30).toFixed(0)} GiB)?` : "fits?",
    ]),
    row(Array(8).fill("---")),
    ...rows.map((r) =>
      row([
        n(r.rps),
        n(r.connections),
        r.cpuCores.toFixed(2),
        r.cores,
        r.fdWorkers,
        r.workers,
        `${mib(r.ramBytes)} MiB`,
        m ? fits(r.cores, r.ramBytes, m.cpus, m.ramBytes) : "-",
      ]),
    ),
    "",
  ];
}

function fits(cores: number, ram: number, cpus: number, ramBytes: number): string {
  const short = [
    ...(cores > cpus ? [`${cores} cores`] : []),
    ...(ram > ramBytes ? [`${(ram / 2 ** 30).toFixed(1)} GiB`] : []),
  ];
  return short.length === 0 ? "yes" : `no: needs ${short.join(" and ")}`;
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
