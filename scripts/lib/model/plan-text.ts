// `make plan` for people: the user's inputs, the plan, and each coefficient with where it came from.
import { int } from "../core/format.ts";
import { FD_RESERVE, REUSEPORT_SKEW } from "../machine/limits.ts";
import type { Coefficients } from "./model-coefficients.ts";
import { type Plan, TARGET_UTILISATION } from "./model-plan.ts";
import { coefficientLines, hostsText, p99Text, ramText, ruleLines } from "./model-text.ts";

/** One figure of a plan: its label in a column, then its value. */
export const line = (label: string, value: string): string => `  ${label.padEnd(24)}${value}`;

// NOTE: the same code costs per request up to ≈ 2× more on one machine than on the next (docs/fleet.md): a plan
// from other machines' runs says so, and how to measure this one.
/** The machines line: where the runs came from, and ⚠ when none ran on this machine. */
function machinesText(k: Coefficients, here: string): string {
  const mine = k.machines.find((m) => m.machine === here)?.runs ?? 0;
  const from = k.machines.map((m) => `${m.machine} (${int(m.runs)})`).join("; ");
  const warn =
    mine === 0 ? "⚠ none on this one: its costs per request may differ (make lab here, then plan) — " : "";
  return `${warn}this machine ${here} ran ${int(mine)} of the runs; from ${from}`;
}

export function planText(
  p: Plan,
  k: Coefficients,
  o: { resultsDir: string; stubMsOfRuns: number; here: string },
): string {
  const q = p.request;
  const stubNote =
    o.stubMsOfRuns === q.stubMs
      ? ""
      : `; NOTE: measured with a ${o.stubMsOfRuns} ms stub, assumed to cost the same per request and per connection at ${q.stubMs} ms`;
  return [
    `plan: ${int(q.targetRps)} RPS over ${int(q.connections)} connections, stub ${q.stubMs} ms, p99 ≤ ${q.p99Ms} ms, handler ${q.handlerUs} µs`,
    `  inputs: --target-rps ${q.targetRps} --connections ${q.connections} --stub-ms ${q.stubMs} --p99-ms ${q.p99Ms} --handler-us ${q.handlerUs}`,
    "",
    line(
      "RPS per connection",
      `${p.perConnectionRps.toFixed(2)} (at most ${(1000 / q.stubMs).toFixed(2)}: one request in flight at a ${q.stubMs} ms stub)`,
    ),
    line(
      "server CPU",
      `${p.serverCores.toFixed(2)} cores at 100 % → ${p.serverCpus} CPU${p.serverCpus === 1 ? "" : "s"} at ${TARGET_UTILISATION * 100} % (${p.serverUsPerRequest.toFixed(1)} µs per request)`,
    ),
    line(
      "workers",
      `${p.workers} (fd minimum ${p.fdWorkers}: ${int(q.connections)} × ${REUSEPORT_SKEW} ÷ workers + ${FD_RESERVE} ≤ ${int(k.fdLimit.value)})`,
    ),
    line("RAM, server side", ramText(p)),
    line(
      "generator to test it",
      `${p.generator.cpus} CPU${p.generator.cpus === 1 ? "" : "s"} of wrk paced (${p.generator.cores.toFixed(2)} cores at ${p.generator.usPerConnection.toFixed(1)} µs per connection per second), ${p.generator.shards} shards`,
    ),
    line("hosts", hostsText(p, k.hostCpus.value)),
    line("p99", p99Text(p)),
    line("machines", machinesText(k, o.here)),
    "",
    `coefficients (from ${o.resultsDir}/*/result.json${stubNote}):`,
    ...coefficientLines(k).map((l) => `  - ${l}`),
    "rules:",
    ...ruleLines().map((l) => `  - ${l}`),
    "",
  ].join("\n");
}
