// A server host killed mid-run behind HAProxy: marked DOWN (by its checks, or at once by failed traffic); the failed
// requests are those it held at the kill or was handed before DOWN and not redispatched; nothing left behind.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { type HostLoss, runHostLoss } from "../../scripts/lib/chaos/host-loss.ts";
import { lossLine, survivorLine } from "../../scripts/lib/chaos/host-loss-text.ts";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import {
  BASE,
  CONNS,
  FAST,
  FLEET_PREFIX,
  fleetPids,
  fleetSkip,
  INTER,
  leftovers,
  STUB,
  withFleetLab,
} from "../helpers/fleet.ts";

const skip = fleetSkip();
const RPS = 800;

after(async () => {
  if (!skip) await netnsCleanup(FLEET_PREFIX);
});

/** 800 paced requests/s over 400 connections for 6 s; every process of s2's namespace SIGKILLed 2.5 s in. */
async function hostLoss(markDownAfterErrors: number | null): Promise<HostLoss> {
  const pids: number[] = [];
  const spec = { ...BASE, lb: { ...BASE.lb, markDownAfterErrors } };
  const load = { connections: CONNS, rps: RPS, durationS: 6, killAtMs: 2500, stubMs: STUB };
  const { loss } = await withFleetLab(spec, async (f, lab) => {
    pids.push(...(await fleetPids(lab)));
    return runHostLoss(f, lab, load);
  });
  assert.deepEqual(await leftovers(pids), [], "left behind");
  assert.equal(loss.lb5xx, loss.errors.status, "wrk's non-2xx are HAProxy's 5xx");
  return loss;
}

const line = (l: HostLoss): string =>
  `${lossLine(l)}; ${survivorLine(l)}; ${l.perServer.map((r) => `${r.name} 2xx ${r.lb2xx} eresp ${r.eresp} srv_abrt ${r.srvAbrt} redispatched ${r.wredis}`).join("; ")}`;

// NOTE: scripts/lib/chaos/host-loss.ts says why: failed = in flight + handed − redispatched, within its slack.
function assertAccounted(l: HostLoss): void {
  assert.ok(l.accounted, `${l.failed} failed, ${l.expectedFailed} expected: ${line(l)}`);
  assert.ok(l.failed > 0 && l.lbInFlight > 0, line(l));
}

test("host loss, checks only: DOWN within a check period and a fast one, every failure accounted for", {
  skip,
}, async (t) => {
  const l = await hostLoss(null);
  t.diagnostic(line(l));
  assert.ok(l.downMs <= INTER + FAST + 400, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertAccounted(l);
});

test("host loss, passive checks (3 failed requests mark DOWN): DOWN within ms, every failure accounted for", {
  skip,
}, async (t) => {
  const l = await hostLoss(3);
  t.diagnostic(line(l));
  assert.ok(l.downMs <= 250, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertAccounted(l);
});
