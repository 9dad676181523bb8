// Which side limited a run: server CPU, the load generator, file descriptors, the listen backlog, or none.
import { type ContentionThresholds, contendedSides } from "./contention.ts";
import type { Bound, Measurements } from "./record.ts";

/** A side is saturated (and is the bound) at this share of its CPUs: the contract's 90 %. */
export const SATURATED = 0.9;

export interface BoundInput {
  m: Measurements;
  connections: number;
  workers: number;
  wrkThreads: number;
  /** lowest soft nofile limit of a server worker */
  workerNofile: number;
  /** CPUs each side was given (split, netns, hosts); absent = both float over the machine (shared) */
  sides?: { serverCpus: number; generatorCpus: number };
  /** sides whose CPU this machine cannot read (hosts placement: wrk, or the server, on other machines) */
  cpuUnknown?: readonly ("server" | "generator")[];
  /** configs/slo.json's contention thresholds; absent: contention is not judged */
  contention?: ContentionThresholds;
  /** a fleet (behind an LB): the client connections end at the LB, not at the server workers' fds */
  fleet?: boolean;
  /** a fleet's LB: its threads, and whether it shares the servers' CPUs (then they saturate together) */
  lb?: { threads: number; cpus: number; sharesServerCpus: boolean };
}

const OTHER_WARN_PCT = 30;

export function findBound(input: BoundInput): { bound: Bound; why: string } {
  const b = serverOwnView(
    unknownSides(contended(input, limitingSide(input)), input.cpuUnknown ?? []),
    input.m,
  );
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

// NOTE: the contract: a saturated generator (or too few fds) is the bound whatever else happened; otherwise a side
// whose CPUs other tasks took, or whose threads waited on a run queue, past the thresholds, bounds the run.
function contended(input: BoundInput, b: { bound: Bound; why: string }): { bound: Bound; why: string } {
  if (!input.contention || b.bound === "generator" || b.bound === "fd-limit") return b;
  const sides = contendedSides(input.m, input.contention);
  if (sides.length === 0) return b;
  return {
    bound: "contention",
    why: `${sides.join("; ")} — this run speaks of the machine, not the server (without it: ${b.bound}, ${b.why})`,
  };
}

// NOTE: a generator-bound run's latency is wrk's as much as the server's; the server's own timing says its part.
function serverOwnView(b: { bound: Bound; why: string }, m: Measurements): { bound: Bound; why: string } {
  const l = m.serverLateUs;
  if (b.bound !== "generator" || !l) return b;
  const p99 = (l.p99 / 1000).toFixed(1);
  return { ...b, why: `${b.why}; the server's own answers were ≤ ${p99} ms late past the stub at p99` };
}

// NOTE: a side whose CPU was not read counts 0 %: "none" would then claim it was not the limit, unproven.
function unknownSides(
  b: { bound: Bound; why: string },
  unknown: readonly string[],
): { bound: Bound; why: string } {
  if (b.bound !== "none" || unknown.length === 0) return b;
  return {
    ...b,
    why: `${b.why}; ${unknown.join(" and ")} CPU not measured (other hosts): not ruled out as the limit`,
  };
}

function limitingSide(input: BoundInput): { bound: Bound; why: string } {
  const { m, connections, workers, workerNofile } = input;
  const short = m.connectionsEstablished < connections;
  if (short && !input.fleet && workerNofile > 0 && connections / workers >= workerNofile * 0.95) {
    return {
      bound: "fd-limit",
      why: `${connections} connections over ${workers} workers need more than their ${workerNofile} fds`,
    };
  }
  const overflow =
    (m.kernel.netstatDelta["TcpExt.ListenOverflows"] ?? 0) +
    (m.kernel.netstatDelta["TcpExt.ListenDrops"] ?? 0);
  const side = cpuSide(input);
  // NOTE: the contract: a run whose generator saturated is generator-bound whatever else happened — its RPS is
  // only a lower bound. A wrk on one CPU connecting thousands of sockets also overflows the backlog; say so too.
  if (side.bound === "generator") {
    return overflow > 0 ? { ...side, why: `${side.why}; kernel listen overflows/drops: ${overflow}` } : side;
  }
  // NOTE: a few overflows in the connect storm cost those clients a 1 s SYN retry (and fail the verdict) but do
  // not limit the steady state; the backlog is the bound when it kept connections out or dropped ≥ 1 % of them.
  if (overflow > 0 && (short || overflow >= connections * 0.01)) {
    return { bound: "backlog", why: `kernel listen overflows/drops: ${overflow}` };
  }
  return side;
}

// NOTE: a fleet's LB is a side of its own: saturated on its own CPUs; sharing the servers' CPUs, the two can fill
// them together with neither at 90 % alone: then the larger share is the bound.
function lbSide(input: BoundInput, serverPct: number, srvCap: number): { bound: Bound; why: string } | null {
  const { m, lb } = input;
  if (!lb || m.cpu.lbPct === undefined) return null;
  const pct = m.steadyWindow?.lbPct ?? m.cpu.lbPct;
  const cap = Math.min(lb.threads, lb.cpus) * 100;
  const text = `HAProxy ${pct.toFixed(0)} % of its ${lb.cpus * 100} %, servers ${serverPct.toFixed(0)} %`;
  if (pct >= SATURATED * cap) return { bound: "lb", why: `the load balancer saturated (${text})` };
  if (!lb.sharesServerCpus || serverPct + pct < SATURATED * srvCap) return null;
  return pct >= serverPct
    ? {
        bound: "lb",
        why: `the CPUs HAProxy shares with the servers saturated, HAProxy the larger share (${text})`,
      }
    : {
        bound: "server",
        why: `the CPUs the servers share with HAProxy saturated, the servers the larger share (${text})`,
      };
}

/** CPU per side: each side against what it was given (its CPU set, and no more threads than it runs). */
function cpuSide(input: BoundInput): { bound: Bound; why: string } {
  const { m, workers, wrkThreads, sides } = input;
  const shared = sides === undefined;
  const srvCpus = sides?.serverCpus ?? m.cpu.cpus;
  const genCpus = sides?.generatorCpus ?? m.cpu.cpus;
  // NOTE: each side over the steady window when there is one: a ramp-up average hides a side at its limit.
  const serverPct = m.steadyWindow?.serverPct ?? m.cpu.serverPct;
  const generatorPct = m.steadyWindow?.generatorPct ?? m.cpu.generatorPct;
  const genCap = Math.min(wrkThreads, genCpus) * 100;
  const srvCap = Math.min(workers, srvCpus) * 100;
  const cpu = shared
    ? `server ${serverPct.toFixed(0)} %, wrk ${generatorPct.toFixed(0)} %, machine ${m.cpu.machinePct.toFixed(0)} % of ${m.cpu.cpus * 100} %`
    : `server ${serverPct.toFixed(0)} % of its ${srvCpus * 100} %, wrk ${generatorPct.toFixed(0)} % of its ${genCpus * 100} %`;
  if (generatorPct >= SATURATED * genCap) {
    return {
      bound: "generator",
      why: `wrk threads saturated (${cpu}); the RPS is a lower bound of the server's`,
    };
  }
  if (serverPct >= SATURATED * srvCap) return { bound: "server", why: `server workers saturated (${cpu})` };
  const lb = lbSide(input, serverPct, srvCap);
  if (lb) return lb;
  // NOTE: only sides that float over the same CPUs can starve each other without either reaching its own cap.
  const total = Math.max(serverPct + generatorPct, m.cpu.machinePct);
  if (shared && total >= SATURATED * m.cpu.cpus * 100) {
    return generatorPct >= serverPct
      ? {
          bound: "generator",
          why: `cores saturated, wrk the larger share (${cpu}); the RPS is a lower bound of the server's`,
        }
      : { bound: "server", why: `cores saturated, server the larger share (${cpu})` };
  }
  return { bound: "none", why: `no resource saturated (${cpu})` };
}
