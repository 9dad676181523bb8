// Capacity notes, the planning model: its inputs, coefficients and rules, the 20k/50k/100k rows, and its check.
import type { Plan } from "../model/model-plan.ts";
import { coefficientLines, hostsText, p99Text, ramText, ruleLines } from "../model/model-text.ts";
import { typicalError, type ValidationRow } from "../model/model-validate.ts";
import type { Notes } from "./notes-build.ts";
import { mib, n, row } from "./notes-md.ts";

export function planRows(plans: Plan[], hostCpus: number): string[] {
  return [
    row([
      "target RPS",
      "connections",
      "RPS per connection",
      "server cores at 100 %",
      "server CPUs",
      "workers (fd minimum)",
      "RAM",
      "wrk CPUs (shards)",
      "hosts",
      "p99 target",
    ]),
    row(Array(10).fill("---")),
    ...plans.map((p) =>
      row([
        n(p.request.targetRps),
        n(p.request.connections),
        p.perConnectionRps.toFixed(2),
        p.serverCores.toFixed(2),
        p.serverCpus,
        `${p.workers} (${p.fdWorkers})`,
        ramText(p),
        `${p.generator.cpus} (${p.generator.shards})`,
        hostsText(p, hostCpus),
        `${p.request.p99Ms} ms: ${p99Text(p)}`,
      ]),
    ),
  ];
}

export function modelSection(x: Notes): string[] {
  if (x.plans.length === 0) return [];
  return [
    `## Planning model: ${x.plans.map((p) => n(p.request.targetRps)).join(", ")} RPS over ${n(x.slo.connections)} connections`,
    "",
    "`make plan TARGET_RPS=… CONNECTIONS=… STUB_MS=… [P99_MS=… HANDLER_US=…]` prints the same plan for your own numbers; " +
      "`capacity.json` beside this file holds these rows, the coefficients and the check below for machines.",
    "",
    `Inputs of each row: target RPS, connections (never fewer than RPS × stub), stub ${x.sel.stubMs} ms, p99 target ${x.sel.stubMs + x.sel.budgetMs} ms, handler 0 µs.`,
    "",
    "Coefficients, each measured from the records (placed runs first):",
    "",
    ...coefficientLines(x.coeffs).map((l) => `- ${l}`),
    "",
    "Rules:",
    "",
    ...ruleLines().map((l) => `- ${l}`),
    "",
    ...planRows(x.plans, x.coeffs.hostCpus.value),
    "",
  ];
}

const err = (e: number): string => (Number.isFinite(e) ? `${e >= 0 ? "+" : ""}${e.toFixed(0)} %` : "-");
const absPct = (e: number): string => (Number.isFinite(e) ? `${e.toFixed(0)} %` : "-");
const miss = (rows: ValidationRow[], what: string): string => {
  const t = typicalError(rows);
  return t.n === 0
    ? `${what}: none`
    : `${what}: CPU ${absPct(t.cpuPct)}, RSS ${absPct(t.rssPct)} over ${t.n} cells`;
};

export function validationSection(x: Notes): string[] {
  const rows = x.validation;
  if (rows.length === 0) return [];
  return [
    "## Model check: predicted against measured, every cell",
    "",
    "Predicted server CPU = the cell's median steady RPS × the mode's µs per request; measured = its server CPU over the steady window " +
      "(whole run in older records). Predicted RSS = (workers + 1) × per process + connections × per connection; measured = peak server RSS " +
      "(kernel socket memory is not in RSS). Error = (predicted − measured) ÷ measured.",
    "",
    `Typical miss (median |error|) — ${miss(
      rows.filter((r) => r.placed),
      "placed cells",
    )}; ${miss(
      rows.filter((r) => !r.placed),
      "shared cells",
    )}. ` +
      "Light cells miss most on CPU: fixed per-second costs (timers, stats polling) spread over few requests.",
    "",
    row([
      "group",
      "workers",
      "connections",
      "mode",
      "n",
      "steady RPS",
      "CPU predicted",
      "CPU measured",
      "error",
      "RSS MiB predicted",
      "RSS MiB measured",
      "error",
    ]),
    row(Array(12).fill("---")),
    ...rows.map((r) =>
      row([
        r.group,
        r.workers,
        n(r.connections),
        r.mode,
        r.n,
        n(r.rps),
        r.cpu.predicted.toFixed(2),
        r.cpu.measured.toFixed(2),
        err(r.cpu.errorPct),
        mib(r.rss.predicted),
        mib(r.rss.measured),
        err(r.rss.errorPct),
      ]),
    ),
    "",
  ];
}
