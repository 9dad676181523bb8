// A server host killed mid-run behind HAProxy: marked DOWN (by its checks, or at once by failed traffic); the failed
// requests are those it held at the kill or was handed before DOWN and not redispatched; nothing left behind.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import type { RunningHaproxy } from "../../scripts/lib/processes/haproxy.ts";
import { BACKEND } from "../../scripts/lib/processes/haproxy-config.ts";
import { type StatRow, serverRows } from "../../scripts/lib/processes/haproxy-stats.ts";
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

/** Poll HAProxy until server name is no longer UP: ms from since, and its row then. */
async function untilDown(
  lb: RunningHaproxy,
  name: string,
  since: number,
  timeoutMs = 10_000,
): Promise<{ ms: number; row: StatRow }> {
  while (performance.now() - since < timeoutMs) {
    const row = serverRows(await lb.stat(), BACKEND).find((r) => r.name === name);
    if (row && !row.up) return { ms: performance.now() - since, row };
    await sleep(5);
  }
  throw new Error(`${name} still UP after ${timeoutMs} ms`);
}

interface Loss {
  downMs: number;
  /** requests HAProxy had on the victim (its scur) just before the kill, and the server's own count */
  lbInFlight: number;
  /** requests HAProxy handed the victim from just before the kill until it saw it DOWN (its lbtot) */
  handedBeforeDown: number;
  /** of those, redispatched to the survivor after a refused connection */
  redispatched: number;
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
    const before = serverRows(await lab.lb.stat(), BACKEND).find((r) => r.name === victim.host.name);
    assert.ok(before);
    const killedAt = performance.now();
    victim.server.signalGroup("SIGKILL");
    const down = await untilDown(lab.lb, victim.host.name, killedAt);
    const [downMs, lbInFlight, handedBeforeDown] = [down.ms, before.scur, down.row.lbtot - before.lbtot];
    const rep = await wrk;
    await settle(STUB);
    const d = delta(a, await snapshot(lab));
    const failed = errorsOf(rep.summary.errors);
    assert.equal(d.front["5xx"], rep.summary.errors.status, "wrk's non-2xx are HAProxy's 5xx");
    const line =
      `${victim.host.name} killed with ${lbInFlight} in flight (the server counted ${serverInFlight}): DOWN after ${downMs.toFixed(0)} ms, ${handedBeforeDown} handed to it meanwhile; failed ${failed} of ` +
      `${rep.summary.requests} (${rep.summary.errors.read} closed without an answer, ${rep.summary.errors.status} 5xx); ` +
      d.perServer
        .map(
          (r) => `${r.name} 2xx ${r.lb2xx} eresp ${r.eresp} srv_abrt ${r.srvAbrt} redispatched ${r.wredis}`,
        )
        .join("; ");
    const redispatched = d.perServer.find((r) => r.name === victim.host.name)?.wredis ?? 0;
    return { downMs, lbInFlight, handedBeforeDown, redispatched, serverInFlight, failed, line };
  });
  assert.deepEqual(await leftovers(pids), [], "left behind");
  return loss;
}

// NOTE: a killed process's sockets close only after its memory is torn down, and until HAProxy marks it DOWN
// leastconn hands it every new request (it holds the fewest): those on a connection that still looked alive fail
// too, those refused are redispatched. Measured: failed = in flight + handed − redispatched, within 2 each run.
/** Failed requests are exactly those the victim held or was handed before DOWN and were not redispatched. */
function assertAccounted(l: Loss): void {
  const expected = l.lbInFlight + l.handedBeforeDown - l.redispatched;
  // NOTE: in-flight requests answered between the reading and the kill (1–3 ms) make failed a little lower.
  assert.ok(
    l.failed <= expected + 5 && l.failed >= expected - 15,
    `${l.failed} failed, ${expected} expected: ${l.line}`,
  );
}

test("host loss, checks only: DOWN within a check period and a fast one, every failure accounted for", {
  skip,
}, async (t) => {
  const l = await hostLoss(null);
  t.diagnostic(l.line);
  assert.ok(l.downMs <= INTER + FAST + 400, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertAccounted(l);
});

test("host loss, passive checks (3 failed requests mark DOWN): DOWN within ms, every failure accounted for", {
  skip,
}, async (t) => {
  const l = await hostLoss(3);
  t.diagnostic(l.line);
  assert.ok(l.downMs <= 250, `DOWN after ${l.downMs.toFixed(0)} ms`);
  assertAccounted(l);
});
