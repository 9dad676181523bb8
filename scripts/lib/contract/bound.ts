// Which side limited a run: server CPU, the load generator, file descriptors, the listen backlog, or none.
import type { Bound, Measurements } from "./record.ts";

const SATURATED = 0.9;

export interface BoundInput {
  m: Measurements;
  connections: number;
  workers: number;
  wrkThreads: number;
  /** lowest soft nofile limit of a server worker */
  workerNofile: number;
}

const OTHER_WARN_PCT = 30;

export function findBound(input: BoundInput): { bound: Bound; why: string } {
  const b = limitingSide(input);
  const other = input.m.cpu.otherPct;
  // NOTE: "other" is machine CPU that neither the server nor wrk was charged for: loopback softirq work
  // (typically 10–20 % here) plus any other process; much more means the run was not alone on the machine.
  return other > OTHER_WARN_PCT
    ? {
        ...b,
        why: `${b.why}; WARNING: ${other.toFixed(0)} % CPU went to softirq/other processes — rerun on a quiet machine`,
      }
    : b;
}

function limitingSide({ m, connections, workers, wrkThreads, workerNofile }: BoundInput): {
  bound: Bound;
  why: string;
} {
  const cap = m.cpu.cpus * 100;
  const { serverPct, generatorPct } = m.cpu;
  const short = m.connectionsEstablished < connections;
  if (short && workerNofile > 0 && connections / workers >= workerNofile * 0.95) {
    return {
      bound: "fd-limit",
      why: `${connections} connections over ${workers} workers need more than their ${workerNofile} fds`,
    };
  }
  const overflow =
    (m.kernel.netstatDelta["TcpExt.ListenOverflows"] ?? 0) +
    (m.kernel.netstatDelta["TcpExt.ListenDrops"] ?? 0);
  // NOTE: a few overflows in the connect storm cost those clients a 1 s SYN retry (and fail the verdict) but do
  // not limit the steady state; the backlog is the bound when it kept connections out or dropped ≥ 1 % of them.
  if (overflow > 0 && (short || overflow >= connections * 0.01)) {
    return { bound: "backlog", why: `kernel listen overflows/drops: ${overflow}` };
  }
  const genCap = Math.min(wrkThreads, m.cpu.cpus) * 100;
  const srvCap = Math.min(workers, m.cpu.cpus) * 100;
  const total = Math.max(serverPct + generatorPct, m.cpu.machinePct);
  const cpu = `server ${serverPct.toFixed(0)} %, wrk ${generatorPct.toFixed(0)} %, machine ${m.cpu.machinePct.toFixed(0)} % of ${cap} %`;
  if (generatorPct >= SATURATED * genCap)
    return { bound: "generator", why: `wrk threads saturated (${cpu})` };
  if (serverPct >= SATURATED * srvCap) return { bound: "server", why: `server workers saturated (${cpu})` };
  if (total >= SATURATED * cap) {
    return generatorPct >= serverPct
      ? { bound: "generator", why: `cores saturated, wrk the larger share (${cpu})` }
      : { bound: "server", why: `cores saturated, server the larger share (${cpu})` };
  }
  return { bound: "none", why: `no resource saturated (${cpu})` };
}
