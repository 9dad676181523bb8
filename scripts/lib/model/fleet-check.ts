// A fleet plan checked against a fleet run's measured figures (pure): predicted vs measured per side, error in %.
import type { FleetPlan } from "./model-fleet.ts";
import { type Check, check } from "./model-validate.ts";

/** What a fleet run measured, in plain numbers: a fleet record (make lab SERVERS=n) maps onto this. */
export interface FleetMeasured {
  /** steady 2xx per second through the LB */
  rps: number;
  /** per server host: its steady responses per second and its CPU µs per response */
  servers: readonly { rps: number; usPerRequest: number }[];
  /** HAProxy's CPU µs per request, all its processes; null: not measured */
  lbUsPerRequest: number | null;
  /** the clients' p99, µs */
  p99Us: number;
}

export interface FleetCheck {
  /** the plan's server µs per request against the servers' own, pooled over their responses */
  serverUs: Check;
  /** each server: its share of the RPS (the plan's: an even share) and its µs per request */
  perServer: { rps: Check; us: Check }[];
  /** server cores at the run's RPS (the plan's µs × RPS) against the servers' sum */
  serverCores: Check;
  lbUs: Check | null;
  lbCores: Check | null;
  /** p99 above the stub: the plan's prediction against the run's */
  p99OverStubUs: Check;
}

// NOTE: every prediction is taken at the run's own RPS and server count, not the plan's: the check is of the
// per-request costs and the balance, which do not depend on how many hosts the plan asked for.
export function fleetCheck(p: FleetPlan, m: FleetMeasured): FleetCheck {
  const us = p.server.usPerRequest;
  const servedRps = m.servers.reduce((a, s) => a + s.rps, 0);
  const serverCpuUs = m.servers.reduce((a, s) => a + s.rps * s.usPerRequest, 0);
  const even = m.servers.length > 0 ? m.rps / m.servers.length : Number.NaN;
  const lbUs = Number.isFinite(p.lb.usPerRequest) ? m.lbUsPerRequest : null;
  return {
    serverUs: check(us, servedRps > 0 ? serverCpuUs / servedRps : Number.NaN),
    perServer: m.servers.map((s) => ({ rps: check(even, s.rps), us: check(us, s.usPerRequest) })),
    serverCores: check((m.rps * us) / 1e6, serverCpuUs / 1e6),
    lbUs: lbUs === null ? null : check(p.lb.usPerRequest, lbUs),
    lbCores: lbUs === null ? null : check((m.rps * p.lb.usPerRequest) / 1e6, (m.rps * lbUs) / 1e6),
    p99OverStubUs: check(p.p99.predictedOverStubUs, m.p99Us - p.request.stubMs * 1000),
  };
}

const pct = (c: Check): string =>
  Number.isFinite(c.errorPct) ? `${c.errorPct >= 0 ? "+" : ""}${c.errorPct.toFixed(1)} %` : "-";
const row = (label: string, c: Check, f: (x: number) => string): string =>
  `${label}: predicted ${f(c.predicted)}, measured ${f(c.measured)} (${pct(c)})`;
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "-");

/** One line per figure, the error as (predicted − measured) ÷ measured. */
export function fleetCheckLines(c: FleetCheck): string[] {
  return [
    row("server µs per request", c.serverUs, f1),
    row("server cores", c.serverCores, f2),
    ...c.perServer.map((s, i) => `${row(`server ${i + 1} RPS`, s.rps, f1)}; ${row("µs", s.us, f1)}`),
    c.lbUs
      ? row("HAProxy µs per request", c.lbUs, f1)
      : "HAProxy µs per request: not predicted or not measured",
    ...(c.lbCores ? [row("HAProxy cores", c.lbCores, f2)] : []),
    row("p99 above the stub, ms", c.p99OverStubUs, (x) => f1(x / 1000)),
  ];
}
