// The fleet plan's arithmetic: server hosts by CPU and fds, HAProxy processes from the fd limit, pooling, ports, p99.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fleetCheck, fleetCheckLines } from "../../scripts/lib/model/fleet-check.ts";
import { type FleetInputs, type FleetRequest, fleetPlan } from "../../scripts/lib/model/model-fleet.ts";
import { HAPROXY_TEMPLATE, haproxyLimits } from "../../scripts/lib/processes/haproxy-config.ts";
import { connectionsPerLb } from "../../scripts/lib/processes/haproxy-fds.ts";
import {
  chooseLbCost,
  type LbCostFigures,
  lbCostFigures,
  poolFdRatios,
} from "../../scripts/lib/results/lb-cost-dir.ts";
import { REPO } from "../helpers/cli.ts";

const LB: LbCostFigures = {
  id: "lb-cost-a",
  startedAt: "2026-12-06T04:48:26Z",
  usPerRequest: 86.9,
  serverUsRatio: 1.2,
  p99AddedUs: 3200,
  pool: { low: 20, high: 25 },
  nbthread: 1,
  shape: { connections: 4000, targetRps: 4000 },
};
const q = (over: Partial<FleetRequest> = {}): FleetRequest => ({
  ...{ targetRps: 100_000, connections: 100_000, stubMs: 200, p99Ms: 220, handlerUs: 0, hostCpus: 2 },
  ...over,
});
const inputs = (over: Partial<FleetInputs> = {}): FleetInputs => ({
  ...{ serverUs: 25, workerFdLimit: 20_000, lbHardNofile: 20_000, portRange: 28_232 },
  ...{ serverP99OverStubUs: 15_000, lb: LB, lbPool: { low: 20, high: 25 } },
  ...over,
});

test("one HAProxy's connections: the most whose 2 × maxconn + servers + 32 fds fit the hard limit", () => {
  for (const [hard, servers, want] of [
    [20_000, 1, 9_507],
    [20_000, 3, 9_506],
  ] as const) {
    const c = connectionsPerLb(hard, servers);
    assert.equal(c, want);
    assert.ok(haproxyLimits(c, servers).fdNeed <= hard);
    assert.ok(haproxyLimits(c + 1, servers).fdNeed > hard, "the next connection would not fit");
  }
  // a machine with a high hard limit: one process holds far more
  assert.ok(connectionsPerLb(1_048_576, 2) > 490_000);
  assert.throws(() => connectionsPerLb(100, 1), /no room for one connection/);
});

test("100k RPS over 100k connections on 2-CPU hosts: server hosts by CPU, HAProxy processes by CPU over fds", () => {
  const p = fleetPlan(q(), inputs());
  assert.equal(p.inFlight, 20_000);
  // 25 µs × 1.2 through the LB = 30 µs; 3.0 cores ÷ 0.7 = 4.29 → 5 CPUs → 3 hosts of 2
  assert.equal(p.server.usPerRequest, 30);
  assert.equal(p.server.cpus, 5);
  assert.equal(p.server.hostsByCpu, 3);
  // fds: 2 workers × (20,000 − 64) ÷ 1.1 = 36,247 per host, 20,000 in flight → 1
  assert.equal(p.server.connectionsPerHost, 36_247);
  assert.equal(p.server.hostsByFd, 1);
  assert.equal(p.server.hosts, 3);
  assert.equal(p.server.connectionsEach, 6_667);
  // LB: 8.69 cores ÷ 0.7 = 12.4 → 13 CPUs → 7 hosts; fds alone: ⌈100,000 ÷ 9,506⌉ = 11 processes
  assert.equal(p.lb.cpus, 13);
  assert.equal(p.lb.processesByFd, 11);
  assert.equal(p.lb.processes, 13);
  assert.equal(p.lb.hosts, 7);
  assert.deepEqual(p.hosts, { server: 3, lb: 7, total: 10 });
  // ports: 20,000 in flight over 3 servers × 7 LB addresses
  assert.equal(p.lb.portsPerServer, Math.ceil(20_000 / 21));
  assert.equal(p.lb.portsOk, true);
  assert.deepEqual(p.p99, { budgetUs: 20_000, predictedOverStubUs: 18_200, verdict: "ok" });
});

test("rounding: a load exactly at 70 % of whole CPUs takes those CPUs, not one more", () => {
  // 21 µs × 100,000 = 2.1 cores = 3 CPUs at 70 % (2.1 ÷ 0.7 is 3.0000000000000004 in floating point)
  assert.equal((100_000 * 21) / 1e6 / 0.7 > 3, true, "the floating-point case this test is about");
  const p = fleetPlan(q(), inputs({ serverUs: 21, lb: null }));
  assert.equal(p.server.cpus, 3);
  assert.equal(p.server.hosts, 2);
  assert.equal(fleetPlan(q({ hostCpus: 3 }), inputs({ serverUs: 21, lb: null })).server.hosts, 1);
  // ten requests more per second tip it over
  assert.equal(fleetPlan(q({ targetRps: 100_010 }), inputs({ serverUs: 21, lb: null })).server.cpus, 4);
});

test("a long stub: the servers' fds, not their CPU, set the host count", () => {
  const p = fleetPlan(q({ stubMs: 2000, p99Ms: 2020 }), inputs());
  assert.equal(p.inFlight, 200_000);
  assert.equal(p.server.hostsByCpu, 3);
  assert.equal(p.server.hostsByFd, Math.ceil(200_000 / 36_247));
  assert.equal(p.server.hosts, 6);
});

test("pooling follows the template's pool-low-fd-ratio against maxsock: 20 % pools nothing, 80 % pools", () => {
  const unpooled = fleetPlan(q(), inputs());
  assert.equal(unpooled.lb.pooled, false);
  assert.equal(unpooled.lb.connectsPerS, 100_000);
  const pooled = fleetPlan(q(), inputs({ lbPool: { low: 80, high: 90 } }));
  assert.equal(pooled.lb.pooled, true);
  assert.equal(pooled.lb.connectsPerS, 0);
});

test("no LB run: HAProxy's CPU unknown, processes from the fds alone, the server's cost direct, p99 unchecked", () => {
  const p = fleetPlan(q({ connections: 20_000, targetRps: 20_000 }), inputs({ lb: null }));
  assert.ok(Number.isNaN(p.lb.usPerRequest));
  assert.equal(p.lb.cpus, 0);
  assert.equal(p.lb.processes, 3);
  assert.equal(p.lb.hosts, 1);
  assert.equal(p.server.lbRatio, 1);
  assert.equal(p.server.usPerRequest, 25);
  assert.equal(p.p99.verdict, "unmeasured");
});

test("ports short and p99 tight are said", () => {
  const p = fleetPlan(q(), inputs({ portRange: 500, serverP99OverStubUs: 19_000 }));
  assert.equal(p.lb.portsOk, false);
  assert.equal(p.p99.verdict, "tight");
  assert.equal(fleetPlan(q(), inputs({ portRange: null })).lb.portsOk, null);
});

test("the check against a fleet run: predicted vs measured per side, error in % of the measured", () => {
  const p = fleetPlan(q(), inputs());
  const c = fleetCheck(p, {
    rps: 20_000,
    servers: [
      { rps: 12_000, usPerRequest: 24 },
      { rps: 8_000, usPerRequest: 27 },
    ],
    lbUsPerRequest: 79,
    p99Us: 216_000,
  });
  // servers pooled: (12,000 × 24 + 8,000 × 27) ÷ 20,000 = 25.2 µs against 30 predicted
  assert.equal(c.serverUs.measured, 25.2);
  assert.ok(Math.abs(c.serverUs.errorPct - ((30 - 25.2) / 25.2) * 100) < 1e-9);
  assert.ok(Math.abs(c.serverCores.predicted - 0.6) < 1e-12);
  assert.ok(Math.abs(c.serverCores.measured - 0.504) < 1e-12);
  assert.deepEqual(
    c.perServer.map((s) => Math.round(s.rps.errorPct)),
    [-17, 25],
  );
  assert.ok(Math.abs((c.lbUs?.errorPct ?? 0) - ((86.9 - 79) / 79) * 100) < 1e-9);
  assert.equal(c.p99OverStubUs.measured, 16_000);
  assert.equal(c.p99OverStubUs.predicted, 18_200);
  const lines = fleetCheckLines(c);
  assert.match(lines[0] ?? "", /^server µs per request: predicted 30\.0, measured 25\.2 \(\+19\.0 %\)$/);
  assert.ok(
    lines.some((l) => /^HAProxy µs per request: predicted 86\.9, measured 79\.0 \(\+10\.0 %\)$/.test(l)),
  );
  // no HAProxy figure on either side: no LB check
  assert.equal(fleetCheck(p, { rps: 1, servers: [], lbUsPerRequest: null, p99Us: 0 }).lbUs, null);
});

test("lb-cost records: pool limits read from the config that ran, the template's run preferred over a newer one", () => {
  const read = (id: string) =>
    lbCostFigures(JSON.parse(readFileSync(join(REPO, "results", id, "lb-cost.json"), "utf8")));
  const unpooled = read("lb-cost-20261206-044826");
  const pooled = read("lb-cost-20261206-052831");
  assert.deepEqual(unpooled.pool, { low: 20, high: 25 });
  assert.deepEqual(pooled.pool, { low: 80, high: 90 });
  assert.ok(
    unpooled.usPerRequest > 80 && pooled.usPerRequest < 45,
    `${unpooled.usPerRequest} ${pooled.usPerRequest}`,
  );
  // the template pools (90/80): the pooled run is the one that ran it
  const template = readFileSync(HAPROXY_TEMPLATE, "utf8");
  assert.deepEqual(poolFdRatios(template), { low: 80, high: 90 });
  assert.equal(chooseLbCost([pooled, unpooled], template).used?.id, pooled.id);
  // a template at HAProxy's defaults (the lines out; its NOTE names them in a comment only) prefers the older run
  const defaults = template.replace(/^\s*tune\.pool-(high|low)-fd-ratio.*$/gm, "");
  assert.deepEqual(poolFdRatios(defaults), { low: 20, high: 25 });
  const c = chooseLbCost([pooled, unpooled], defaults);
  assert.equal(c.used?.id, unpooled.id);
  assert.equal(c.newer?.id, pooled.id);
  assert.equal(chooseLbCost([pooled], defaults).used?.id, pooled.id);
  assert.equal(chooseLbCost([], template).used, null);
  assert.throws(() => lbCostFigures({ id: "x" }), /no number at summary\.ratios\.lbUsPerRequest\.median/);
});
