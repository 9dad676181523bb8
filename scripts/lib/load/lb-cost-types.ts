// The LB-cost comparison's records: a run's setup, what one run of one arm measured, and its steady window (pure).
import type { LatencySummary } from "../contract/histogram.ts";
import type { SideContention } from "../contract/record.ts";
import type { NsHost } from "../placement/topology.ts";
import type { RunningHaproxy } from "../processes/haproxy.ts";
import type { MergedReport, WrkErrors } from "../processes/wrk-report.ts";

export type Arm = "direct" | "lb";

export interface LbCostSetup {
  client: NsHost;
  server: { host: NsHost; statsBase: string; pids: number[] };
  lb: { host: NsHost; running: RunningHaproxy };
  port: number;
  wrk: string;
  connections: number;
  rps: number;
  durationS: number;
  threads: number;
  timeoutS: number;
  stubMs: number;
  /** where the driver (its sampling, ss) runs: the generator's CPUs, never the server's */
  driverCpus: number[] | null;
  /** where each shard's raw wrk output is kept */
  outDir: string;
  signal: AbortSignal;
}

export interface ArmRun {
  arm: Arm;
  round: number;
  url: string;
  startedAt: string;
  wrk: {
    requests: number;
    errors: WrkErrors;
    latencyUs: LatencySummary;
    latencyFrom: "schedule" | "write";
    coSyntheticRemoved: number;
    histogram: MergedReport["histogram"];
    command: string;
  };
  /** the steady window, seconds after wrk started: connections made and the first slots spread before it */
  window: { startS: number; endS: number; seconds: number };
  /** 2xx over the window: where wrk's requests entered (the server direct, the LB's frontend through it) */
  requests: { entry: number; server: number; lbFrontend: number };
  cpuUs: { server: number; lb: number; wrk: number };
  usPerRequest: { server: number; lb: number; wrk: number };
  /** of one CPU, over the window */
  cpuPct: { server: number; lb: number; wrk: number };
  /** established sockets near the window's end, counted by `ss` in each namespace */
  sockets: {
    clientToTarget: number;
    lbAccepted: number;
    lbToServer: number;
    serverFromClient: number;
    serverFromLb: number;
  };
  /** TCP connections opened over the window, from each namespace's counters: the LB's to its servers (checks
   *  included) and from clients, the server's accepted */
  tcpOpens: { lbActive: number; lbPassive: number; serverPassive: number };
  /** open fds at the window's end: HAProxy, wrk, the server's processes summed */
  fds: { lb: number; wrk: number; server: number };
  crossCheck: { wrkRequests: number; entryCounted: number; allowed: number; ok: boolean };
  contention: { server: SideContention | null; generator: SideContention | null };
}

export interface Reading {
  atMs: number;
  server2xx: number;
  lbFrontend2xx: number;
  cpuUs: { server: number; lb: number; wrk: number };
  tcpOpens: ArmRun["tcpOpens"];
}

/** The steady window: after every connection's first slot has come (connections / rate) plus 1 s; up to 1 s before the end. */
export function steadyWindow(durationS: number, connections: number, rps: number) {
  const startS = Math.min(Math.ceil(connections / rps) + 1, 0.3 * durationS);
  const endS = durationS - Math.min(1, 0.2 * durationS);
  return { startS, endS, seconds: endS - startS };
}

export interface Window {
  t0: number;
  a: Reading;
  b: Reading;
  sockets: ArmRun["sockets"];
  fds: ArmRun["fds"];
  contention: ArmRun["contention"];
}

export const errorCount = (e: WrkErrors): number => e.connect + e.read + e.write + e.status + e.timeout;
