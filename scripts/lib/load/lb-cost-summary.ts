// The LB-cost runs summed up (pure): per arm median (min–max), and the through-the-LB / direct ratios per round.
import { int, textTable } from "../core/format.ts";
import { fmtSpread, type Spread, spread } from "../core/median.ts";
import { type ArmRun, errorCount } from "./lb-cost-types.ts";

export interface ArmSummary {
  runs: number;
  p50Us: Spread;
  p99Us: Spread;
  errors: Spread;
  usPerRequest: { server: Spread; lb: Spread; wrk: Spread };
  cpuPct: { server: Spread; lb: Spread; wrk: Spread };
  sockets: { client: Spread; lbAccepted: Spread; lbToServer: Spread; server: Spread };
  fds: { lb: Spread; wrk: Spread; server: Spread };
  /** TCP connections HAProxy opened to its server per second of the window (health checks: 1 a second) */
  lbConnectsPerS: Spread;
  crossCheckOk: boolean;
}

export interface LbCostSummary {
  direct: ArmSummary;
  lb: ArmSummary;
  /** per round (the LB run against the direct run of the same round), then median (min–max) over rounds */
  ratios: {
    /** HAProxy's CPU per request through it, µs */
    lbUsPerRequest: Spread;
    /** HAProxy's µs per request ÷ the server's (direct): what an LB adds to the fleet's CPU per request */
    lbOverServer: Spread;
    p99AddedUs: Spread;
    p50AddedUs: Spread;
    /** the server's µs per request through the LB ÷ direct */
    serverUsRatio: Spread;
    /** sockets the LB run holds in all namespaces ÷ the direct run's */
    socketsRatio: Spread;
  };
}

const of = (rs: ArmRun[], f: (r: ArmRun) => number): Spread => spread(rs.map(f));

function armSummary(rs: ArmRun[]): ArmSummary {
  return {
    runs: rs.length,
    p50Us: of(rs, (r) => r.wrk.latencyUs.p50),
    p99Us: of(rs, (r) => r.wrk.latencyUs.p99),
    errors: of(rs, (r) => errorCount(r.wrk.errors)),
    usPerRequest: {
      server: of(rs, (r) => r.usPerRequest.server),
      lb: of(rs, (r) => r.usPerRequest.lb),
      wrk: of(rs, (r) => r.usPerRequest.wrk),
    },
    cpuPct: {
      server: of(rs, (r) => r.cpuPct.server),
      lb: of(rs, (r) => r.cpuPct.lb),
      wrk: of(rs, (r) => r.cpuPct.wrk),
    },
    sockets: {
      client: of(rs, (r) => r.sockets.clientToTarget),
      lbAccepted: of(rs, (r) => r.sockets.lbAccepted),
      lbToServer: of(rs, (r) => r.sockets.lbToServer),
      server: of(rs, (r) => r.sockets.serverFromClient + r.sockets.serverFromLb),
    },
    fds: { lb: of(rs, (r) => r.fds.lb), wrk: of(rs, (r) => r.fds.wrk), server: of(rs, (r) => r.fds.server) },
    lbConnectsPerS: of(rs, (r) => (r.window.seconds > 0 ? r.tcpOpens.lbActive / r.window.seconds : 0)),
    crossCheckOk: rs.every((r) => r.crossCheck.ok),
  };
}

/** Every socket an arm's run holds, both ends counted: client, LB (both sides), server. */
const allSockets = (r: ArmRun): number =>
  r.sockets.clientToTarget +
  r.sockets.lbAccepted +
  r.sockets.lbToServer +
  r.sockets.serverFromClient +
  r.sockets.serverFromLb;

/** Rounds with both arms; each ratio is taken within a round, then summed up over the rounds. */
export function summarizeLbCost(runs: ArmRun[]): LbCostSummary {
  const direct = runs.filter((r) => r.arm === "direct");
  const lb = runs.filter((r) => r.arm === "lb");
  const pairs = lb.flatMap((l) => {
    const d = direct.find((x) => x.round === l.round);
    return d ? [[d, l] as const] : [];
  });
  const per = (f: (d: ArmRun, l: ArmRun) => number): Spread => spread(pairs.map(([d, l]) => f(d, l)));
  const div = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
  return {
    direct: armSummary(direct),
    lb: armSummary(lb),
    ratios: {
      lbUsPerRequest: per((_, l) => l.usPerRequest.lb),
      lbOverServer: per((d, l) => div(l.usPerRequest.lb, d.usPerRequest.server)),
      p99AddedUs: per((d, l) => l.wrk.latencyUs.p99 - d.wrk.latencyUs.p99),
      p50AddedUs: per((d, l) => l.wrk.latencyUs.p50 - d.wrk.latencyUs.p50),
      serverUsRatio: per((d, l) => div(l.usPerRequest.server, d.usPerRequest.server)),
      socketsRatio: per((d, l) => div(allSockets(l), allSockets(d))),
    },
  };
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "-");
const msOf = (us: number): string => (us / 1000).toFixed(1);

/** The two arms side by side, then the ratios (median (min–max) over the rounds). */
export function lbCostTable(s: LbCostSummary): string {
  const row = (name: string, f: (a: ArmSummary) => Spread, fmt: (x: number) => string): string[] => [
    name,
    fmtSpread(f(s.direct), fmt),
    fmtSpread(f(s.lb), fmt),
  ];
  const arms = textTable(
    ["per run", `direct (n=${s.direct.runs})`, `through HAProxy (n=${s.lb.runs})`],
    [
      row("p50 ms", (a) => a.p50Us, msOf),
      row("p99 ms", (a) => a.p99Us, msOf),
      row("errors", (a) => a.errors, int),
      row("server µs/req", (a) => a.usPerRequest.server, f1),
      row("HAProxy µs/req", (a) => a.usPerRequest.lb, f1),
      row("wrk µs/req", (a) => a.usPerRequest.wrk, f1),
      row("server CPU % (of 1 CPU)", (a) => a.cpuPct.server, f1),
      row("HAProxy CPU %", (a) => a.cpuPct.lb, f1),
      row("wrk CPU %", (a) => a.cpuPct.wrk, f1),
      row("sockets client→target", (a) => a.sockets.client, int),
      row("sockets LB accepted", (a) => a.sockets.lbAccepted, int),
      row("sockets LB→server", (a) => a.sockets.lbToServer, int),
      row("sockets at the server", (a) => a.sockets.server, int),
      row("fds HAProxy", (a) => a.fds.lb, int),
      row("HAProxy connects to the server /s", (a) => a.lbConnectsPerS, f1),
      ["cross-check", s.direct.crossCheckOk ? "ok" : "FAIL", s.lb.crossCheckOk ? "ok" : "FAIL"],
    ],
  );
  const r = s.ratios;
  const ratios = textTable(
    ["through / direct, per round", "median (min–max)"],
    [
      ["HAProxy µs per request", fmtSpread(r.lbUsPerRequest, f1)],
      ["HAProxy µs ÷ server µs (direct)", fmtSpread(r.lbOverServer, f2)],
      ["p99 added, ms", fmtSpread(r.p99AddedUs, msOf)],
      ["p50 added, ms", fmtSpread(r.p50AddedUs, msOf)],
      ["server µs/request ratio", fmtSpread(r.serverUsRatio, f2)],
      ["sockets held ratio", fmtSpread(r.socketsRatio, f2)],
    ],
  );
  return `${arms}\n\n${ratios}`;
}
