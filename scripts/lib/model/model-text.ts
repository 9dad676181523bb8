// The planning model for people: its inputs, coefficients with their sources, and its rules (notes and make plan).
import { SATURATED } from "../contract/bound.ts";
import { int } from "../core/format.ts";
import { FD_RESERVE, REUSEPORT_SKEW } from "../machine/limits.ts";
import type { Coefficient, Coefficients } from "./model-coefficients.ts";
import { type Plan, TARGET_UTILISATION } from "./model-plan.ts";

const mib = (b: number): string => (b / 2 ** 20).toFixed(1);
const kib = (b: number): string => (b / 1024).toFixed(1);
const us = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");

/** "(from …; runs a, b)" — up to 4 run ids by name, else how many and the first and last. */
export function source(c: Coefficient): string {
  const ids = c.runs;
  const which =
    ids.length === 0
      ? ""
      : ids.length <= 4
        ? `; runs ${ids.join(", ")}`
        : `; ${ids.length} runs, ${ids[0]} … ${ids[ids.length - 1]}`;
  return `(${c.from}${which})`;
}

export function coefficientLines(k: Coefficients): string[] {
  const o = k.p99OverStubUs;
  return [
    `server CPU per request: paced ${us(k.serverUs.paced.value)} µs ${source(k.serverUs.paced)}; saturate ${us(k.serverUs.saturate.value)} µs ${source(k.serverUs.saturate)}. The plan uses paced: users arrive on their own schedule, not in a closed loop.`,
    `wrk CPU: paced ${us(k.generator.pacedUsPerConnection.value)} µs per connection per second, whatever the rate ${source(k.generator.pacedUsPerConnection)}; saturate ${us(k.generator.saturateUsPerRequest.value)} µs per request ${source(k.generator.saturateUsPerRequest)}.`,
    `server RSS: ${mib(k.rssPerProcessBytes.value)} MiB per process + ${kib(k.rssPerConnectionBytes.value)} KiB per connection ${source(k.rssPerConnectionBytes)}.`,
    `kernel memory per socket: ${kib(k.kernelBytesPerSocket.value)} KiB ${source(k.kernelBytesPerSocket)}.`,
    `open files: ${int(k.fdLimit.value)} per process ${source(k.fdLimit)}, ${FD_RESERVE} kept for the process itself, the busiest SO_REUSEPORT worker gets up to ${REUSEPORT_SKEW} × its share.`,
    `a host: ${k.hostCpus.value} CPUs, ${(k.hostRamBytes.value / 2 ** 30).toFixed(0)} GiB ${source(k.hostCpus)}.`,
    Number.isFinite(o.value)
      ? `p99 above the stub: up to ${(o.value / 1000).toFixed(1)} ms measured, at up to ${int(o.upToRps)} RPS ${source(o)}; by workers (the plan checks its own count): ${byWorkersText(o.byWorkers)}.`
      : `p99 above the stub: not measured yet ${source(o)}.`,
  ];
}

const byWorkersText = (b: Coefficients["p99OverStubUs"]["byWorkers"]): string =>
  Object.entries(b)
    .map(
      ([w, c]) => `${w}: ${(c.value / 1000).toFixed(1)} ms up to ${int(c.upToRps)} RPS (n ${c.runs.length})`,
    )
    .join(", ");

export function ruleLines(): string[] {
  return [
    `server cores = RPS × (server µs + handler µs) ÷ 10⁶; server CPUs = ⌈cores ÷ ${TARGET_UTILISATION}⌉ (each CPU planned ${TARGET_UTILISATION * 100} % busy: queues, and p99, grow fast near 100 %).`,
    "workers = the larger of the server CPUs and the fd minimum (the fewest workers whose busiest one holds its connections + the reserve under the open-files limit).",
    "RAM = (workers + 1) × RSS per process + connections × (RSS per connection + kernel per socket): the server's side; the generator's host holds as many sockets again.",
    `generator CPUs = ⌈connections × wrk paced µs per connection ÷ 10⁶ ÷ ${SATURATED}⌉ (testing the target paced, wrk kept under the contract's ${SATURATED * 100} %); wrk shards by the same open-files rule.`,
    "hosts: one when server CPUs + generator CPUs fit its CPUs (split placement); else server hosts (by CPUs and RAM) + generator hosts.",
  ];
}

/** The p99 target against what was measured: a word and a clause. */
export function p99Text(p: Plan): string {
  const budget = `${(p.p99.budgetUs / 1000).toFixed(1)} ms above the stub`;
  if (p.p99.verdict === "unmeasured") return `${budget}: no placed run to check it against`;
  const seen = `${(p.p99.measuredOverStubUs / 1000).toFixed(1)} ms measured up to ${int(p.p99.upToRps)} RPS`;
  const beyond =
    p.request.targetRps > p.p99.upToRps ? " (the target is beyond the measured rates: unchecked there)" : "";
  return p.p99.verdict === "ok"
    ? `${budget} ≥ ${seen}${beyond}`
    : `⚠ ${budget} < ${seen}: expect FAIL, plan more CPUs or a looser target`;
}

export const hostsText = (p: Plan, cpus: number): string =>
  p.hosts.oneHost
    ? `1 (split: server ${p.serverCpus} + wrk ${p.generator.cpus} of ${cpus} CPUs)`
    : `${p.hosts.total} (server ${p.hosts.server} + generator ${p.hosts.generator}, ${cpus} CPUs each)`;

export const ramText = (p: Plan): string =>
  `${mib(p.ram.totalBytes)} MiB (RSS ${mib(p.ram.rssBytes)} + kernel ${mib(p.ram.kernelBytes)})`;
