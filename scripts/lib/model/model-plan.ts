// The planning model's arithmetic: server CPUs, workers, RAM, generator CPUs and hosts for a target, from coefficients.
import { SATURATED } from "../contract/bound.ts";
import { int } from "../core/format.ts";
import { FD_RESERVE, minWorkersFor, planShards } from "../machine/limits.ts";
import type { Coefficients } from "./model-coefficients.ts";

/** NOTE: plan the server at this share of its CPUs: queues (and p99) grow fast as a core nears 100 %. */
export const TARGET_UTILISATION = 0.7;
/** The rows `make notes` keeps, each over the lab's 20,000 connections. */
export const PLAN_RPS = [20_000, 50_000, 100_000];

export interface PlanRequest {
  targetRps: number;
  connections: number;
  stubMs: number;
  /** the p99 the user wants, ms (the lab's: stub + 20) */
  p99Ms: number;
  /** the handler's own CPU per request beyond the stub's (which does none), µs */
  handlerUs: number;
}

export interface Plan {
  request: PlanRequest;
  /** requests/s each connection carries; at most 1000 ÷ stubMs (one request in flight per connection) */
  perConnectionRps: number;
  serverUsPerRequest: number;
  /** server CPU at 100 % busy, in cores */
  serverCores: number;
  /** CPUs to give the server so that it runs at TARGET_UTILISATION */
  serverCpus: number;
  fdWorkers: number;
  workers: number;
  ram: { rssBytes: number; kernelBytes: number; totalBytes: number };
  /** what testing it takes: paced wrk over the connections, kept under the contract's 90 % of its CPUs */
  generator: { usPerConnection: number; cores: number; cpus: number; shards: number };
  hosts: { total: number; server: number; generator: number; oneHost: boolean };
  /** the p99 target against what placed runs measured at this utilisation */
  p99: {
    budgetUs: number;
    measuredOverStubUs: number;
    upToRps: number;
    verdict: "ok" | "tight" | "unmeasured";
  };
}

/** The inputs' own contradiction, or null: connections that cannot carry the rate at this stub. */
export function infeasible(q: PlanRequest): string | null {
  const need = Math.ceil((q.targetRps * q.stubMs) / 1000);
  if (q.connections < need)
    return `--connections ${q.connections} cannot carry --target-rps ${q.targetRps} at a ${q.stubMs} ms stub: each connection has one request in flight, so it takes ≥ ${int(need)} connections`;
  if (q.p99Ms <= q.stubMs)
    return `--p99-ms ${q.p99Ms} is not above the ${q.stubMs} ms stub: every response takes at least the stub — give --p99-ms > ${q.stubMs}`;
  return null;
}

/** Whole units up, at least one. NOTE: the 1e-9 keeps float noise (2.1 ÷ 0.7 = 3.0000000000000004) from adding one. */
export const up = (x: number): number => Math.max(1, Math.ceil(x - 1e-9));

function hostsFor(serverCpus: number, genCpus: number, ramBytes: number, k: Coefficients): Plan["hosts"] {
  const cpus = k.hostCpus.value;
  const ram = k.hostRamBytes.value;
  const oneHost = serverCpus + genCpus <= cpus && (ram === 0 || ramBytes <= ram);
  const server = Math.max(up(serverCpus / cpus), ram > 0 ? up(ramBytes / ram) : 1);
  const generator = up(genCpus / cpus);
  return oneHost
    ? { total: 1, server: 1, generator: 1, oneHost }
    : { total: server + generator, server, generator, oneHost };
}

export function plan(q: PlanRequest, k: Coefficients): Plan {
  const serverUsPerRequest = k.serverUs.paced.value + q.handlerUs;
  const serverCores = (q.targetRps * serverUsPerRequest) / 1e6;
  const serverCpus = up(serverCores / TARGET_UTILISATION);
  const fdWorkers = minWorkersFor(q.connections, k.fdLimit.value, FD_RESERVE);
  const workers = Math.max(fdWorkers, serverCpus);
  const rssBytes = (workers + 1) * k.rssPerProcessBytes.value + q.connections * k.rssPerConnectionBytes.value;
  const kernelBytes = q.connections * k.kernelBytesPerSocket.value;
  const genUs = k.generator.pacedUsPerConnection.value;
  const genCores = (q.connections * genUs) / 1e6;
  const genCpus = up(genCores / SATURATED);
  const budgetUs = (q.p99Ms - q.stubMs) * 1000;
  const o = k.p99OverStubUs.byWorkers[String(workers)] ?? k.p99OverStubUs;
  return {
    request: q,
    perConnectionRps: q.targetRps / q.connections,
    serverUsPerRequest,
    serverCores,
    serverCpus,
    fdWorkers,
    workers,
    ram: { rssBytes, kernelBytes, totalBytes: rssBytes + kernelBytes },
    generator: {
      usPerConnection: genUs,
      cores: genCores,
      cpus: genCpus,
      shards: planShards(q.connections, k.fdLimit.value),
    },
    hosts: hostsFor(serverCpus, genCpus, rssBytes + kernelBytes, k),
    p99: {
      budgetUs,
      measuredOverStubUs: o.value,
      upToRps: o.upToRps,
      verdict: !Number.isFinite(o.value) ? "unmeasured" : o.value > budgetUs ? "tight" : "ok",
    },
  };
}
