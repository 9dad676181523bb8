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

export function findBound({ m, connections, workers, wrkThreads, workerNofile }: BoundInput): {
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
  if (overflow > 0) return { bound: "backlog", why: `kernel listen overflows/drops: ${overflow}` };
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
