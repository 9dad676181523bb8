// A host loss for people (the FAIL reason naming the host, the survivors' latency) and as a chaos result's figures.
import { ms as usToMs } from "../core/format.ts";
import type { HostLoss } from "./host-loss.ts";
import type { Outcome } from "./result.ts";
import { ms, n } from "./scenario.ts";

/** "host labx-s2 lost at 3.0 s: 37 requests failed (36 in flight on it + 3 handed … = 37), marked DOWN after 612 ms" */
export function lossLine(l: HostLoss): string {
  const why =
    `${n(l.lbInFlight)} in flight on it + ${n(l.handedBeforeDown)} handed to it before DOWN − ${n(l.redispatched)} ` +
    `redispatched = ${n(l.expectedFailed)}; the server counted ${n(l.serverInFlight)} in flight, HAProxy queued ${n(l.lbQueued)}`;
  const off = l.accounted
    ? ""
    : `; NOT accounted for: ${n(l.failed)} failed, ${n(l.expectedFailed)} expected`;
  return `host ${l.host} lost at ${(l.killAtMs / 1000).toFixed(1)} s: ${n(l.failed)} requests failed (${why}), marked DOWN after ${ms(l.downMs)}${off}`;
}

/** The survivors after the kill and wrk over the whole run. */
export function survivorLine(l: HostLoss): string {
  const each = l.survivors.map((s) => {
    const late = s.lateUs
      ? `late p50 ${usToMs(s.lateUs.p50)} / p99 ${usToMs(s.lateUs.p99)} ms past the stub (${n(s.lateUs.count)} answers)`
      : "no answer after the kill";
    return `survivor ${s.host}: ${late}, HAProxy rtime ${s.lbRtimeMs === null ? "?" : ms(s.lbRtimeMs)}`;
  });
  const w = l.latencyUs;
  return `${each.join("; ")}; wrk over the run: p50 ${usToMs(w.p50)} / p99 ${usToMs(w.p99)} / max ${usToMs(w.max)} ms (${n(l.requests)} requests)`;
}

/** The numbers behind both lines, flat (ms for times, µs for latency, requests); one survivor's, the fleet's first. */
export function lossFigures(l: HostLoss): Outcome["figures"] {
  const [s] = l.survivors;
  return {
    ...{ host: l.host, server: l.server, address: l.address, killAtMs: Math.round(l.killAtMs) },
    ...{ markDownMs: Math.round(l.downMs), lbInFlight: l.lbInFlight, lbQueued: l.lbQueued },
    ...{
      serverInFlight: l.serverInFlight,
      handedBeforeDown: l.handedBeforeDown,
      redispatched: l.redispatched,
    },
    ...{ failed: l.failed, expectedFailed: l.expectedFailed, accounted: l.accounted, requests: l.requests },
    ...{ errorsConnect: l.errors.connect, errorsRead: l.errors.read, errorsWrite: l.errors.write },
    ...{ errorsTimeout: l.errors.timeout, errorsStatus: l.errors.status, lb5xx: l.lb5xx },
    ...{ survivorHost: s?.host ?? null, survivorLateCount: s?.lateUs?.count ?? null },
    ...{ survivorLateP50Us: s?.lateUs?.p50 ?? null, survivorLateP99Us: s?.lateUs?.p99 ?? null },
    ...{ survivorLateMaxUs: s?.lateUs?.max ?? null, survivorLbRtimeMs: s?.lbRtimeMs ?? null },
    ...{ survivorLbTtimeMs: s?.lbTtimeMs ?? null, wrkP50Us: l.latencyUs.p50, wrkP99Us: l.latencyUs.p99 },
    ...{ wrkMaxUs: l.latencyUs.max, readToKillMs: Math.round(l.readToKillMs * 10) / 10 },
  };
}
