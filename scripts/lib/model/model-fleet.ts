// The fleet plan's arithmetic (pure): server hosts of a given size and the HAProxy tier in front of them, for a target.
import { FD_RESERVE, REUSEPORT_SKEW } from "../machine/limits.ts";
import { haproxyLimits } from "../processes/haproxy-config.ts";
import { connectionsPerLb, lbProcessesFor } from "../processes/haproxy-fds.ts";
import type { LbCostFigures, PoolFdRatios } from "../results/lb-cost-dir.ts";
import { type PlanRequest, TARGET_UTILISATION, up } from "./model-plan.ts";

export interface FleetRequest extends PlanRequest {
  /** CPUs of one host, server and LB alike */
  hostCpus: number;
}

/** What the fleet plan reads besides the request: the model's coefficients, this machine's limits, the LB's cost. */
export interface FleetInputs {
  /** server CPU µs per request measured direct (the model's paced coefficient), the handler's not included */
  serverUs: number;
  /** open-files limit of one server worker */
  workerFdLimit: number;
  /** the hard nofile limit: HAProxy raises its own limit to its maxsock and refuses to start above this */
  lbHardNofile: number;
  /** ephemeral ports of one LB address (ip_local_port_range), null: unknown */
  portRange: number | null;
  /** p99 above the stub measured at one host's worker count, µs; NaN: not measured */
  serverP99OverStubUs: number;
  /** HAProxy's measured cost (make lb-cost), null: never measured */
  lb: LbCostFigures | null;
  /** the idle-pool limits of the config the lab renders (configs/haproxy/haproxy.cfg.tmpl) */
  lbPool: PoolFdRatios;
}

export interface FleetPlan {
  request: FleetRequest;
  /** requests waiting on the stub at once, rate × stub (Little's law): what the servers hold behind the LB */
  inFlight: number;
  server: {
    /** through the LB: direct µs × the LB run's server ratio + the handler's */
    usPerRequest: number;
    lbRatio: number;
    cores: number;
    cpus: number;
    /** one worker per CPU */
    workersPerHost: number;
    /** connections one host's workers hold under their fd limit: workers × (limit − reserve) ÷ skew */
    connectionsPerHost: number;
    hostsByCpu: number;
    hostsByFd: number;
    hosts: number;
    rpsEach: number;
    connectionsEach: number;
  };
  lb: {
    /** µs per request; NaN: unmeasured (then no CPU figure, and the processes are the fds' alone) */
    usPerRequest: number;
    cores: number;
    cpus: number;
    /** the most client connections one HAProxy process holds: 2 × maxconn + servers + 32 ≤ the hard limit */
    connectionsPerProcess: number;
    processesByFd: number;
    /** one thread each: the larger of the fds' count and the CPUs */
    processes: number;
    hosts: number;
    /** whether HAProxy keeps idle server connections at this load (its fds under pool-low-fd-ratio % of maxsock) */
    pooled: boolean;
    /** TCP connections it opens to the servers per second: one per request unpooled, ≈ none pooled */
    connectsPerS: number;
    /** ephemeral ports one LB address holds toward one server's address:port, against the range */
    portsPerServer: number;
    portsOk: boolean | null;
  };
  hosts: { server: number; lb: number; total: number };
  p99: { budgetUs: number; predictedOverStubUs: number; verdict: "ok" | "tight" | "unmeasured" };
}

function serverSide(q: FleetRequest, i: FleetInputs, inFlight: number): FleetPlan["server"] {
  const lbRatio = i.lb?.serverUsRatio ?? 1;
  const usPerRequest = i.serverUs * lbRatio + q.handlerUs;
  const cores = (q.targetRps * usPerRequest) / 1e6;
  const cpus = up(cores / TARGET_UTILISATION);
  const workersPerHost = q.hostCpus;
  const connectionsPerHost = Math.floor(((i.workerFdLimit - FD_RESERVE) * workersPerHost) / REUSEPORT_SKEW);
  const hostsByCpu = up(cpus / q.hostCpus);
  const hostsByFd = up(inFlight / connectionsPerHost);
  const hosts = Math.max(hostsByCpu, hostsByFd);
  return {
    ...{ usPerRequest, lbRatio, cores, cpus, workersPerHost, connectionsPerHost },
    ...{ hostsByCpu, hostsByFd, hosts },
    rpsEach: q.targetRps / hosts,
    connectionsEach: Math.ceil(inFlight / hosts),
  };
}

// NOTE: HAProxy puts server connections into its idle pool only while its fds stay under pool-low-fd-ratio % of
// its maxsock; maxconn is sized for the client connections, so their sockets alone are ≈ 48 % of maxsock: the
// default 20 % never pools at the lab's shapes (measured: one server connect per request, docs/fleet.md).
function lbSide(q: FleetRequest, i: FleetInputs, inFlight: number, servers: number): FleetPlan["lb"] {
  const usPerRequest = i.lb?.usPerRequest ?? Number.NaN;
  const cores = (q.targetRps * usPerRequest) / 1e6;
  const cpus = Number.isFinite(cores) ? up(cores / TARGET_UTILISATION) : 0;
  const connectionsPerProcess = connectionsPerLb(i.lbHardNofile, servers);
  const processesByFd = lbProcessesFor(q.connections, servers, i.lbHardNofile, Number.MAX_SAFE_INTEGER);
  const processes = Math.max(processesByFd, cpus);
  const hosts = up(cpus / q.hostCpus);
  const clientsEach = Math.ceil(q.connections / processes);
  const fdsEach = clientsEach + Math.ceil(inFlight / processes);
  const pooled = fdsEach < (i.lbPool.low / 100) * haproxyLimits(clientsEach, servers).fdNeed;
  const portsPerServer = Math.ceil(inFlight / (servers * hosts));
  return {
    ...{ usPerRequest, cores, cpus, connectionsPerProcess, processesByFd, processes, hosts, pooled },
    connectsPerS: pooled ? 0 : q.targetRps,
    portsPerServer,
    portsOk: i.portRange === null ? null : portsPerServer <= i.portRange,
  };
}

export function fleetPlan(q: FleetRequest, i: FleetInputs): FleetPlan {
  const inFlight = Math.ceil((q.targetRps * q.stubMs) / 1000);
  const server = serverSide(q, i, inFlight);
  const lb = lbSide(q, i, inFlight, server.hosts);
  const budgetUs = (q.p99Ms - q.stubMs) * 1000;
  const predictedOverStubUs = i.serverP99OverStubUs + (i.lb?.p99AddedUs ?? Number.NaN);
  return {
    request: q,
    inFlight,
    server,
    lb,
    hosts: { server: server.hosts, lb: lb.hosts, total: server.hosts + lb.hosts },
    p99: {
      budgetUs,
      predictedOverStubUs,
      verdict: !Number.isFinite(predictedOverStubUs)
        ? "unmeasured"
        : predictedOverStubUs > budgetUs
          ? "tight"
          : "ok",
    },
  };
}
