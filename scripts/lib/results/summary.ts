// The one-screen summary of a run: PASS or FAIL with every reason, the key numbers, where the files are.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { namedPct, p99Parts, partText } from "../contract/p99-parts.ts";
import { reasonText, ruleList } from "../contract/reasons.ts";
import type { ResultRecord, SideContention } from "../contract/record.ts";
import type { Outcome } from "../core/cli.ts";
import { int, ms } from "../core/format.ts";
import { cpuSetText, formatCpuList } from "../placement/cpus.ts";
import { fleetLines } from "./fleet-summary.ts";

export function summaryText(r: ResultRecord, dir: string): string {
  const m = r.measurements;
  const e = m.errors;
  const lines = [
    `${r.verdict.pass ? "PASS" : "FAIL"}  ${r.load.mode} · ${int(r.load.connections)} connections · ${r.server.workers} workers · stub ${r.slo.stubMs} ms · ${r.load.durationS} s`,
    `  rps        ${int(m.rps)} steady (target ${int(r.slo.targetRps)}), ${int(m.rpsWholeRun)} whole run, ${(m.rps / m.littleCeilingRps).toFixed(3)} of the ${int(m.littleCeilingRps)} Little ceiling`,
    `  latency    p50 ${ms(m.latencyUs.p50)} · p90 ${ms(m.latencyUs.p90)} · p99 ${ms(m.latencyUs.p99)} · p99.9 ${ms(m.latencyUs.p99_9)} · max ${ms(m.latencyUs.max)} ms (over stub p99 ${ms(m.overStubUs.p99)} ms, limit ${r.slo.stubMs + r.slo.overheadBudgetMs} ms)`,
    ...serverLateLine(r),
    ...partsLine(r),
    `  errors     connect ${int(e.connect)} · read ${int(e.read)} · write ${int(e.write)} · timeout ${int(e.timeout)} · status ${int(e.status)} · server non-2xx ${int(e.non2xx)}`,
    `  counted    client ${int(m.requests)} · ${countedServer(m.serverCounted)} · connections up ${int(m.connectionsEstablished)} (all by ${m.connectedAtS ?? "never"} s)`,
    `  cpu        server ${m.cpu.serverPct.toFixed(0)} % (${m.cpu.serverUsPerRequest.toFixed(1)} µs/request) · wrk ${m.cpu.generatorPct.toFixed(0)} % · other ${m.cpu.otherPct.toFixed(0)} % · machine ${m.cpu.machinePct.toFixed(0)} % of ${m.cpu.cpus * 100} % · server RSS ${int(m.rssBytes / 2 ** 20)} MiB`,
    `  placement  ${placementLine(r)}`,
    ...fleetLines(r.fleet),
    ...contentionLines(r),
    `  bound      ${r.bound}: ${r.boundWhy}`,
    ...r.verdict.reasons.map((x) => `  reason     ${reasonText(x)}`),
    `  result     ${dir}/result.json`,
    ...(existsSync(join(dir, "report.html"))
      ? [`  report     ${dir}/report.html (charts; open in a browser)`]
      : []),
  ];
  return lines.join("\n");
}

/** "server 1,234 (aborted 0)", or a fleet's "servers 1,200 + the LB's own answers 34 (aborted 0)". */
function countedServer(c: ResultRecord["measurements"]["serverCounted"]): string {
  const own = c.lbOwn === undefined ? "" : ` + the LB's own answers ${int(c.lbOwn)}`;
  const servers =
    c.lbOwn === undefined ? `server ${int(c.requests)}` : `servers ${int(c.requests - c.lbOwn)}`;
  return `${servers}${own} (aborted ${int(c.aborted)})`;
}

/** The p99 over the stub beside its parts, each at its own p99 (they overlap: not a sum). */
function partsLine(r: ResultRecord): string[] {
  const m = r.measurements;
  if (r.load.mode !== "paced") return [];
  const parts = p99Parts(m).map(partText);
  const missing = [
    m.sendLatenessUs ? null : `wrk's send lateness (${int(m.paced?.late ?? 0)} requests > 1 ms late)`,
    m.beforeHandlerUs ? null : "the wait before the handler",
    m.readLatenessUs ? null : "wrk's read lateness",
  ].filter((x) => x !== null);
  const named = namedPct(m);
  const from = m.latencyFrom === "schedule" ? "from each request's scheduled slot" : "from its write";
  return [
    `  p99 parts  over the stub ${ms(m.overStubUs.p99)} ms (latency ${from}): ${parts.join(" · ") || "none measured"} — each its own p99, not a sum${named === null ? "" : `; together ${named.toFixed(0)} % of it`}${missing.length ? `; not measured: ${missing.join(", ")}` : ""}`,
  ];
}

/** The server's own view: how late its answers went out past the stub, beside wrk's over-stub p99. */
function serverLateLine(r: ResultRecord): string[] {
  const l = r.measurements.serverLateUs;
  if (!l) return [];
  const beyond = l.beyond > 0 ? ` · ${int(l.beyond)} answers ≥ ${ms(l.beyondUs)} ms late` : "";
  return [
    `  server     its own lateness past the stub: p50 ≤ ${ms(l.p50)} · p99 ≤ ${ms(l.p99)} · p99.9 ≤ ${ms(l.p99_9)} · max ≤ ${ms(l.max)} ms over ${int(l.count)} answers${beyond} (wrk saw p99 ${ms(r.measurements.overStubUs.p99)} ms over)`,
  ];
}

/** One line per side: whose CPU was it over the steady window (lab contract, Contention). */
function contentionLines(r: ResultRecord): string[] {
  const c = r.measurements.contention;
  if (!c) return [];
  const line = (head: string, s: SideContention | null): string =>
    s
      ? `${head}CPUs ${formatCpuList(s.cpus)}: run-queue wait ${s.runQueueWaitPct.toFixed(1)} % of the window, ${(s.waitBehindOthersPct ?? 0).toFixed(1)} % behind other tasks (worst interval ${(s.worstIntervalWaitUs / 1000).toFixed(1)} ms) · other tasks ${s.otherTasksCpuPct.toFixed(1)} % · irq ${s.irqCpuPct.toFixed(1)} % · steal ${s.stealCpuPct.toFixed(1)} %`
      : `${head}not readable here (another host)`;
  return [line("  contention server ", c.server), line("             wrk    ", c.generator)];
}

/** "split · server CPUs 1: 24 % of them (15.2 µs/request) · wrk CPUs 0: 94 % of them (47.0 µs/request)" */
function placementLine(r: ResultRecord): string {
  const c = r.measurements.cpu;
  const pl = r.placement;
  if (!pl || c.serverOfItsCpusPct === undefined || c.generatorOfItsCpusPct === undefined)
    return "shared (not recorded)";
  const set = cpuSetText;
  // NOTE: emulated client hosts pinned to the same CPUs share them: name each set once.
  const gen = [...new Set(pl.generator.map((g) => set(g.cpus)))].join(" + ");
  const warn =
    pl.kind === "shared"
      ? " — WARNING: both sides float over the same CPUs, wrk competes with the server"
      : "";
  const shield =
    pl.server.shieldedTasks !== undefined
      ? ` (shielded: ${pl.server.shieldedTasks} other tasks kept off)`
      : "";
  return `${pl.kind} · server ${set(pl.server.cpus)}${shield}: ${c.serverOfItsCpusPct.toFixed(0)} % of them (${c.serverUsPerRequest.toFixed(1)} µs/request) · wrk ${gen}: ${c.generatorOfItsCpusPct.toFixed(0)} % of them (${(c.generatorUsPerRequest ?? 0).toFixed(1)} µs/request)${warn}`;
}

/** The exit a run's verdict gives: 0 PASS, or 1 FAIL with the names of the failed rules. */
export function verdictOutcome(r: ResultRecord): Outcome {
  if (r.verdict.pass) return { code: 0, says: "PASS" };
  return { code: 1, says: `FAIL (${ruleList(r.verdict.reasons)})` };
}
