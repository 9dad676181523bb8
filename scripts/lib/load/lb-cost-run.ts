// One run of the LB-cost comparison: the paced shape direct to the server or through HAProxy, each side's CPU over
// the steady window ÷ the requests in it, the sockets each namespace holds, wrk's exact latency, the cross-check.
import { rmSync } from "node:fs";
import { whenInterrupted } from "../core/interrupt.ts";
import { sleep } from "../core/sleep.ts";
import { readNetstat } from "../machine/kernel-counters.ts";
import { cpuTimeUs, fdCount } from "../machine/proc.ts";
import { accepted, connectedTo, establishedIn } from "../placement/ns-sockets.ts";
import { inNetns } from "../placement/topology.ts";
import { FRONTEND } from "../processes/haproxy-config.ts";
import { proxyRow } from "../processes/haproxy-stats.ts";
import { count2xx, fetchLabStats } from "../processes/lab-stats.ts";
import { buildShards, startShards } from "../processes/wrk.ts";
import { mergeReports } from "../processes/wrk-report.ts";
import { rawReport } from "./collect.ts";
import { ContentionSampler } from "./contention.ts";
import { record } from "./lb-cost-record.ts";
import {
  type Arm,
  type ArmRun,
  type LbCostSetup,
  type Reading,
  steadyWindow,
  type Window,
} from "./lb-cost-types.ts";

const cpuOf = (pids: number[]): number => pids.reduce((a, p) => a + (cpuTimeUs(p) ?? 0), 0);

async function read(s: LbCostSetup, wrkPid: number | null): Promise<Reading> {
  const [stats, rows] = await Promise.all([fetchLabStats(s.server.statsBase), s.lb.running.stat()]);
  // NOTE: /proc/<pid>/net is the namespace of that process: HAProxy's is the LB's, the primary's the server's.
  const lbTcp = readNetstat(s.lb.running.pid);
  const serverTcp = readNetstat(s.server.pids[0] ?? 0);
  return {
    atMs: performance.now(),
    server2xx: count2xx(stats),
    lbFrontend2xx: proxyRow(rows, FRONTEND, "frontend").hrsp["2xx"],
    cpuUs: {
      server: cpuOf(s.server.pids),
      lb: cpuOf([s.lb.running.pid]),
      wrk: wrkPid === null ? 0 : cpuOf([wrkPid]),
    },
    tcpOpens: {
      lbActive: lbTcp["Tcp.ActiveOpens"] ?? 0,
      lbPassive: lbTcp["Tcp.PassiveOpens"] ?? 0,
      serverPassive: serverTcp["Tcp.PassiveOpens"] ?? 0,
    },
  };
}

async function socketsHeld(s: LbCostSetup, arm: Arm): Promise<ArmRun["sockets"]> {
  const { client, lb } = s;
  const server = s.server.host;
  const [c, l, v] = await Promise.all(
    [client, lb.host, server].map((h) => establishedIn(h.ns, s.driverCpus)),
  );
  const target = arm === "direct" ? server.address : lb.host.address;
  return {
    clientToTarget: connectedTo(c ?? [], target, s.port),
    lbAccepted: accepted(l ?? [], s.port, client.address),
    lbToServer: connectedTo(l ?? [], server.address, s.port),
    serverFromClient: accepted(v ?? [], s.port, client.address),
    serverFromLb: accepted(v ?? [], s.port, lb.host.address),
  };
}

/** Sleep until performance.now() reaches atMs, or reject on an interrupt. */
const until = (atMs: number, signal: AbortSignal): Promise<void> =>
  Promise.race([sleep(Math.max(0, atMs - performance.now())), whenInterrupted(signal)]);

// NOTE: the server side of the contention reading holds the server and HAProxy: both run on its CPUs, so the
// LB's CPU is the lab's own there, never "other tasks".
async function sampleWindow(s: LbCostSetup, arm: Arm, wrkPid: number, t0: number): Promise<Window> {
  const w = steadyWindow(s.durationS, s.connections, s.rps);
  const sampler = new ContentionSampler({
    server: { pids: () => [...s.server.pids, s.lb.running.pid], cpus: s.lb.host.cpus ?? [] },
    generator: { pids: () => [wrkPid], cpus: s.client.cpus ?? [] },
  });
  await until(t0 + w.startS * 1000, s.signal);
  const a = await read(s, wrkPid);
  const readings = [sampler.sample()];
  while (performance.now() + 1000 < t0 + w.endS * 1000) {
    await until(performance.now() + 1000, s.signal);
    readings.push(sampler.sample());
  }
  await until(t0 + w.endS * 1000, s.signal);
  const b = await read(s, wrkPid);
  readings.push(sampler.sample());
  const fds = {
    lb: fdCount(s.lb.running.pid),
    wrk: fdCount(wrkPid),
    server: s.server.pids.reduce((x, p) => x + fdCount(p), 0),
  };
  const sockets = await socketsHeld(s, arm);
  return { t0, a, b, sockets, fds, contention: sampler.over(readings, (b.atMs - a.atMs) / 1000) };
}

/** One paced run of arm against the running server (direct) or HAProxy (lb); wrk is killed on any failure. */
export async function runArm(s: LbCostSetup, arm: Arm, round: number): Promise<ArmRun> {
  const target = arm === "direct" ? s.server.host.address : s.lb.host.address;
  const url = `http://${target}:${s.port}/ping/`;
  const startedAt = new Date().toISOString();
  const before = await read(s, null);
  const shards = buildShards({
    ...{ url, mode: "paced", connections: s.connections, threads: s.threads, shards: 1 },
    ...{ durationS: s.durationS, timeoutS: s.timeoutS, targetRps: s.rps, outDir: s.outDir, wrk: s.wrk },
    ...{ tag: `-${arm}-${round}`, prefix: () => inNetns(s.client.ns, [], s.client.cpus) },
  });
  const t0 = performance.now();
  const run = startShards(shards);
  try {
    const wrkPid = run.procs[0]?.child?.pid;
    if (wrkPid === undefined) throw new Error("wrk did not start");
    const win = await sampleWindow(s, arm, wrkPid, t0);
    const reports = await Promise.race([run.done, whenInterrupted(s.signal)]);
    await until(performance.now() + s.stubMs + 400, s.signal); // answers still in flight at wrk's end
    const after = await read(s, null);
    for (const sh of shards) rmSync(sh.reportPath, { force: true }); // kept: the raw text; the histogram below
    const merged = mergeReports(reports.map((r) => rawReport(r, s.connections)));
    const coRemoved = reports.reduce((x, r) => x + r.co_synthetic, 0);
    return record(
      s,
      { arm, round, url, startedAt, merged, coRemoved, before, after, win },
      shards[0]?.command,
    );
  } finally {
    await run.kill();
  }
}
