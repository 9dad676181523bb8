// `make plan`'s fleet section for people: server hosts of one size and the HAProxy tier, each figure with its why.
import { int, ms } from "../core/format.ts";
import { FD_RESERVE, REUSEPORT_SKEW } from "../machine/limits.ts";
import type { LbCostChoice, LbCostFigures, PoolFdRatios } from "../results/lb-cost-dir.ts";
import type { FleetInputs, FleetPlan } from "./model-fleet.ts";
import { TARGET_UTILISATION } from "./model-plan.ts";
import { line } from "./plan-text.ts";

const f1 = (x: number): string => x.toFixed(1);
const s = (n: number, word: string): string => `${int(n)} ${word}${n === 1 ? "" : "s"}`;
const poolText = (p: PoolFdRatios): string => `pool-low/high-fd-ratio ${p.low}/${p.high}`;
const cpuChain = (cores: number, cpus: number, hosts: number, hostCpus: number): string =>
  `${cores.toFixed(2)} cores at 100 % → ${s(cpus, "CPU")} at ${TARGET_UTILISATION * 100} % → ${s(hosts, "host")} of ${hostCpus}`;

function serverLines(p: FleetPlan, i: FleetInputs): string[] {
  const v = p.server;
  const q = p.request;
  const ratio = v.lbRatio === 1 ? "" : ` × ${v.lbRatio.toFixed(2)} through HAProxy`;
  return [
    line(
      "server hosts",
      `${v.hosts} (CPU: ${cpuChain(v.cores, v.cpus, v.hostsByCpu, q.hostCpus)}; fds: ${int(p.inFlight)} connections from the LB ÷ ${int(v.connectionsPerHost)} per host (${v.workersPerHost} workers × (${int(i.workerFdLimit)} − ${FD_RESERVE}) ÷ ${REUSEPORT_SKEW}) → ${v.hostsByFd})`,
    ),
    line(
      "server µs per request",
      `${f1(v.usPerRequest)} (${f1(i.serverUs)} direct${ratio} + handler ${q.handlerUs})`,
    ),
    line(
      "each server host",
      `${int(v.rpsEach)} RPS, ${int(v.connectionsEach)} connections from the LB (its share of the requests in flight: RPS × stub), ${v.workersPerHost} workers`,
    ),
  ];
}

function lbSource(c: LbCostChoice, lb: LbCostFigures): string {
  const same = lb.pool.low === c.templatePool.low && lb.pool.high === c.templatePool.high;
  const pool = same
    ? `${poolText(lb.pool)} as the template now`
    : `⚠ measured with ${poolText(lb.pool)}, the template now has ${poolText(c.templatePool)}`;
  const newer = c.newer
    ? `; the newer ${c.newer.id} read ${f1(c.newer.usPerRequest)} µs with ${poolText(c.newer.pool)}, not the template's`
    : "";
  return `${f1(lb.usPerRequest)} µs per request (${lb.id}: ${int(lb.shape.connections)} connections at ${int(lb.shape.targetRps)} RPS, ${s(lb.nbthread, "thread")}, ${pool}${newer})`;
}

function lbLines(p: FleetPlan, i: FleetInputs, c: LbCostChoice): string[] {
  const v = p.lb;
  const q = p.request;
  const used = Number.isFinite(v.usPerRequest) ? c.used : null;
  const measured = used !== null;
  const byFd = `${v.processesByFd} by fds: ${int(q.connections)} connections ÷ ${int(v.connectionsPerProcess)} each (2 × maxconn + servers + 32 fds ≤ the hard nofile limit ${int(i.lbHardNofile)})`;
  const pool = v.pooled
    ? `kept open and reused (its fds stay under pool-low-fd-ratio ${i.lbPool.low} % of maxsock): ≈ no connects/s`
    : `opened anew per request: ${int(v.connectsPerS)} connects/s (its fds pass pool-low-fd-ratio ${i.lbPool.low} % of maxsock, so it pools none)`;
  return [
    line(
      "HAProxy",
      used ? lbSource(c, used) : "unmeasured: no results/lb-cost-*/lb-cost.json (make lb-cost)",
    ),
    line(
      "LB CPU",
      measured ? cpuChain(v.cores, v.cpus, v.hosts, q.hostCpus) : "unknown until measured; 1 host assumed",
    ),
    line(
      "HAProxy processes",
      measured
        ? `${v.processes} (one thread each: the larger of ${s(v.cpus, "CPU")} and ${byFd})`
        : `≥ ${v.processes} (${byFd})`,
    ),
    line("LB → servers", `${int(p.inFlight)} connections (the requests in flight), ${pool}`),
    line("ephemeral ports", portsText(p, i)),
  ];
}

function portsText(p: FleetPlan, i: FleetInputs): string {
  const per = `${int(p.lb.portsPerServer)} per server from one LB address`;
  if (p.lb.portsOk === null || i.portRange === null) return `${per}; this machine's port range unknown`;
  return p.lb.portsOk
    ? `${per} ≤ ${int(i.portRange)} (this machine's ip_local_port_range): ok`
    : `⚠ ${per} > ${int(i.portRange)} (this machine's ip_local_port_range): give each LB ${Math.ceil(p.lb.portsPerServer / i.portRange)} source addresses or each server more ports`;
}

function p99Line(p: FleetPlan, i: FleetInputs): string {
  const budget = `${ms(p.p99.budgetUs)} ms`;
  if (p.p99.verdict === "unmeasured")
    return line("p99 above the stub", `budget ${budget}: unchecked (no placed run or no LB run to add)`);
  const parts = `${ms(i.serverP99OverStubUs)} ms server + ${ms(i.lb?.p99AddedUs ?? 0)} ms HAProxy = ${ms(p.p99.predictedOverStubUs)} ms`;
  return line(
    "p99 above the stub",
    p.p99.verdict === "ok" ? `${parts} ≤ ${budget}: ok` : `⚠ ${parts} > ${budget}: expect FAIL`,
  );
}

/** The fleet section: `hostCpusFrom` says where the host size came from (this machine or --host-cpus). */
export function fleetText(p: FleetPlan, i: FleetInputs, c: LbCostChoice, hostCpusFrom: string): string {
  const q = p.request;
  return [
    `fleet: ${int(q.targetRps)} RPS over ${int(q.connections)} connections behind HAProxy, on hosts of ${s(q.hostCpus, "CPU")} (${hostCpusFrom})`,
    ...serverLines(p, i),
    ...lbLines(p, i, c),
    p99Line(p, i),
    line(
      "hosts",
      `${p.hosts.total} (server ${p.hosts.server} + LB ${p.hosts.lb}${c.used ? "" : ", the LB's CPU unknown"}), not counting wrk's to test it`,
    ),
    "",
  ].join("\n");
}
