// One LB-cost run's record from its readings: CPU per request over the window, the cross-check (pure).
import type { MergedReport } from "../processes/wrk-report.ts";
import type { Arm, ArmRun, LbCostSetup, Reading, Window } from "./lb-cost-types.ts";

export interface Parts {
  arm: Arm;
  round: number;
  url: string;
  startedAt: string;
  merged: MergedReport;
  coRemoved: number;
  before: Reading;
  after: Reading;
  win: Window;
}

export function record(s: LbCostSetup, p: Parts, command = ""): ArmRun {
  const { a, b } = p.win;
  const seconds = (b.atMs - a.atMs) / 1000;
  const server = b.server2xx - a.server2xx;
  const lbFrontend = b.lbFrontend2xx - a.lbFrontend2xx;
  const entry = p.arm === "direct" ? server : lbFrontend;
  const d = (k: "server" | "lb" | "wrk"): number => b.cpuUs[k] - a.cpuUs[k];
  const cpuUs = { server: d("server"), lb: d("lb"), wrk: d("wrk") };
  const per = (x: number, n: number): number => (n > 0 ? x / n : 0);
  const pct = (x: number): number => (seconds > 0 ? x / (seconds * 1e4) : 0);
  const counted =
    p.arm === "direct"
      ? p.after.server2xx - p.before.server2xx
      : p.after.lbFrontend2xx - p.before.lbFrontend2xx;
  // NOTE: direct, the server's 2xx also count HAProxy's idle health checks (one a second): allowed beside the
  // requests still in flight at wrk's end (at most one per connection).
  const checks = p.arm === "direct" ? Math.ceil((p.after.atMs - p.before.atMs) / 1000) + 2 : 0;
  const allowed = s.connections + checks;
  const diff = counted - p.merged.requests;
  return {
    ...{ arm: p.arm, round: p.round, url: p.url, startedAt: p.startedAt },
    wrk: {
      ...{ requests: p.merged.requests, errors: p.merged.errors, latencyUs: p.merged.latency },
      ...{ latencyFrom: p.merged.latencyFrom, coSyntheticRemoved: p.coRemoved },
      ...{ histogram: p.merged.histogram, command },
    },
    window: { startS: (a.atMs - p.win.t0) / 1000, endS: (b.atMs - p.win.t0) / 1000, seconds },
    requests: { entry, server, lbFrontend },
    cpuUs,
    usPerRequest: { server: per(cpuUs.server, server), lb: per(cpuUs.lb, entry), wrk: per(cpuUs.wrk, entry) },
    cpuPct: { server: pct(cpuUs.server), lb: pct(cpuUs.lb), wrk: pct(cpuUs.wrk) },
    tcpOpens: {
      lbActive: b.tcpOpens.lbActive - a.tcpOpens.lbActive,
      lbPassive: b.tcpOpens.lbPassive - a.tcpOpens.lbPassive,
      serverPassive: b.tcpOpens.serverPassive - a.tcpOpens.serverPassive,
    },
    ...{ sockets: p.win.sockets, fds: p.win.fds },
    crossCheck: {
      wrkRequests: p.merged.requests,
      entryCounted: counted,
      allowed,
      ok: diff >= 0 && diff <= allowed,
    },
    contention: p.win.contention,
  };
}
