// The LB-cost pieces that need no namespace: ss's output counted by port and peer, the steady window, the ratios.
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarizeLbCost } from "../../scripts/lib/load/lb-cost-summary.ts";
import { type ArmRun, steadyWindow } from "../../scripts/lib/load/lb-cost-types.ts";
import { accepted, connectedTo, parseSs } from "../../scripts/lib/placement/ns-sockets.ts";

test("ss -Htn state established: endpoints counted by local port and by peer", () => {
  const cs = parseSs(
    [
      "0      0          10.77.0.10:8000      10.77.0.101:40001",
      "0      0          10.77.0.10:8000      10.77.0.101:40002",
      "0      0          10.77.0.10:41000     10.77.0.11:8000",
      "0      0               [::1]:8000            [::1]:5000",
      "garbage",
    ].join("\n"),
  );
  assert.equal(cs.length, 4);
  assert.equal(accepted(cs, 8000, "10.77.0.101"), 2);
  assert.equal(accepted(cs, 8000), 3);
  assert.equal(connectedTo(cs, "10.77.0.11", 8000), 1);
  assert.equal(cs[3]?.peer.address, "::1");
});

test("the steady window skips the connects and the first slots, and stops before wrk's end", () => {
  assert.deepEqual(steadyWindow(20, 4000, 4000), { startS: 2, endS: 19, seconds: 17 });
  const tiny = steadyWindow(3, 200, 400);
  assert.ok(tiny.startS > 0 && tiny.endS < 3 && tiny.seconds > 1, JSON.stringify(tiny));
});

const run = (arm: ArmRun["arm"], round: number, p99: number, serverUs: number, lbUs: number): ArmRun =>
  ({
    arm,
    round,
    wrk: {
      latencyUs: { p50: p99 - 5000, p99 },
      errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 },
    },
    usPerRequest: { server: serverUs, lb: lbUs, wrk: 30 },
    cpuPct: { server: 20, lb: arm === "lb" ? 30 : 0, wrk: 12 },
    sockets: {
      clientToTarget: 100,
      lbAccepted: arm === "lb" ? 100 : 0,
      lbToServer: arm === "lb" ? 20 : 0,
      serverFromClient: arm === "lb" ? 0 : 100,
      serverFromLb: arm === "lb" ? 20 : 0,
    },
    fds: { lb: 9, wrk: 110, server: 150 },
    tcpOpens: { lbActive: 10, lbPassive: 0, serverPassive: 10 },
    window: { startS: 2, endS: 12, seconds: 10 },
    crossCheck: { ok: true },
  }) as unknown as ArmRun;

test("ratios are taken within a round, then median (min–max) over the rounds", () => {
  const s = summarizeLbCost([
    run("direct", 1, 207_000, 50, 0),
    run("lb", 1, 208_000, 60, 80),
    run("lb", 2, 210_000, 66, 90),
    run("direct", 2, 207_000, 55, 0),
  ]);
  assert.equal(s.direct.runs, 2);
  assert.deepEqual([s.ratios.p99AddedUs.min, s.ratios.p99AddedUs.max], [1000, 3000]);
  assert.equal(s.ratios.serverUsRatio.median, (60 / 50 + 66 / 55) / 2);
  assert.equal(s.ratios.lbUsPerRequest.median, 85);
  assert.equal(s.ratios.socketsRatio.median, 240 / 200);
  assert.equal(s.lb.lbConnectsPerS.median, 1);
});
