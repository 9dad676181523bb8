// A server host killed mid-run behind HAProxy: marked DOWN (by its checks, or at once by failed traffic), the
// failed requests only those in flight there or sent there before it was marked DOWN, and nothing left behind.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import type { RunningHaproxy } from "../../scripts/lib/processes/haproxy.ts";
import { BACKEND } from "../../scripts/lib/processes/haproxy-config.ts";
import { serverRows } from "../../scripts/lib/processes/haproxy-stats.ts";
import { fetchLabStats } from "../../scripts/lib/processes/lab-stats.ts";
import {
  BASE,
  CONNS,
  delta,
  errorsOf,
  FAST,
  FLEET_PREFIX,
  fleetPids,
  fleetSkip,
  INTER,
  leftovers,
  pacedWrk,
  STUB,
  settle,
  snapshot,
  withFleetLab,
} from "../helpers/fleet.ts";

const skip = fleetSkip();
const RPS = 800;

after(async () => {
  if (!skip) await netnsCleanup(FLEET_PREFIX);
});

/** Poll HAProxy until server name is no longer UP; ms from since. */
async function untilDown(
  lb: RunningHaproxy,
  name: string,
  since: number,
  timeoutMs = 10_000,
): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    const row = serverRows(await lb.stat(), BACKEND).find((r) => r.name === name);
    if (row && !row.up) return performance.now() - since;
    await sleep(5);
  }
  throw new Error(`${name} still UP after ${timeoutMs} ms`);
}

interface Loss {
  downMs: number;
  /** requests HAProxy had on the victim (its scur) just before the kill, and the server's own count */
  lbInFlight: number;
  serverInFlight: number;
  failed: number;
  line: string;
}

/** 800 paced requests/s over 400 connections for 6 s; s2's process group SIGKILLed 2.5 s in. */
async function hostLoss(markDownAfterErrors: number | null): Promise<Loss> {
  const pids: number[] = [];
  const spec = { ...BASE, lb: { ...BASE.lb, markDownAfterErrors } };
  const loss = await withFleetLab(spec, async (f, lab) => {
    pids.push(...(await fleetPids(lab)));
    const [, victim] = lab.members;
    const client = f.clients[0];
    assert.ok(victim && client);
    const a = await snapshot(lab);
    const wrk = pacedWrk({ url: lab.url, client, connections: CONNS, rps: RPS, durationS: 6 });
    await sleep(2500);
    const serverInFlight = (await fetchLabStats(victim.server.statsBase)).inFlight;
    const lbInFlight =
      serverRows(await lab.lb.stat(), BACKEND).find((r) => r.name === victim.host.name)?.scur ?? 0;
    const killedAt = performance.now();
    victim.server.signalGroup("SIGKILL");
    const downMs = await untilDown(lab.lb, victim.host.name, killedAt);
    const rep = await wrk;
    await settle(STUB);
    const d = delta(a, await snapshot(lab));
    const failed = errorsOf(rep.summary.errors);
    assert.equal(d.front["5xx"], rep.summary.errors.status, "wrk's non-2xx are HAProxy's 5xx");
    const line =
      `${victim.host.name} killed with ${lbInFlight} in flight (the server counted ${serverInFlight}): DOWN after ${downMs.toFixed(0)} ms; failed ${failed} of ` +
      `${rep.summary.requests} (${rep.summary.errors.read} closed without an answer, ${rep.summary.errors.status} 5xx); ` +
      d.perServer
        .map(
          (r) => `${r.name} 2xx ${r.lb2xx} eresp ${r.eresp} srv_abrt ${r.srvAbrt} redispatched ${r.wredis}`,
        )
        .join("; ");
    return { downMs, lbInFlight, serverInFlight, failed, line };
  });
  assert.deepEqual(await leftovers(pids), [], "left behind");
  return loss;
}

/** Failed requests may be those in flight on the victim, and those sent while it was not yet marked DOWN. */
function assertBounded(l: Loss): void {
  const bound = l.lbInFlight + Math.ceil((RPS * l.downMs) / 1000) + 10;
  assert.ok(l.failed <= bound, `${l.failed} failed > ${bound}: ${l.line}`);
}

test("host loss, checks only: DOWN within a check period and a fast one, failures bounded", {
  skip,
}, async (t) => {
  const l = await hostLoss(null);
  t.diagnostic(l.line);
  assert.ok(l.downMs <= INTER + FAST + 400, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertBounded(l);
});

test("host loss, passive checks (3 failed requests mark DOWN): DOWN at once, failures ≈ its in-flight", {
  skip,
}, async (t) => {
  const l = await hostLoss(3);
  t.diagnostic(l.line);
  assert.ok(l.downMs <= 250, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertBounded(l);
});
