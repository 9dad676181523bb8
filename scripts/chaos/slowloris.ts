// Scenario: slowloris connections dribbling a header byte every 2 s — closed by the idle timeout, others unhurt.
import { pacedLoad, summarize } from "../lib/chaos/client.ts";
import { withLabServer } from "../lib/chaos/procs.ts";
import { exchange } from "../lib/chaos/raw.ts";
import { at, type ChaosContext, ms, n, type Scenario, stats } from "../lib/chaos/scenario.ts";

const STUB_MS = 200;
const BUDGET_MS = 20;
const DRIBBLE_MS = 2000;
// NOTE: uWS arms its 10 s idle timeout when the connection opens and does not re-arm it for request
// bytes (only after a response), on a 4 s tick: a dribbler is closed ~12 s after it connected.
const CLOSED_WITHIN_MS = 14_000;

export const slowloris: Scenario = {
  name: "slowloris",
  async run(ctx: ChaosContext) {
    const p = at(ctx, {
      small: { slow: 200, conns: 200, rps: 400 },
      moderate: { slow: 1000, conns: 500, rps: 1000 },
    });
    return withLabServer(ctx, { stubMs: STUB_MS }, async (srv) => {
      const before = await stats(srv.url);
      const load = await pacedLoad(srv, p.conns, p.rps);
      const slow = await Promise.all(
        Array.from({ length: p.slow }, () => exchange(srv.host, srv.port, dribble, CLOSED_WITHIN_MS + 2000)),
      );
      await load.stop();
      const after = await stats(srv.url);
      const closes = slow.map((x) => x.closedAfterMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
      const closedInTime = closes.filter((t) => t <= CLOSED_WITHIN_MS).length;
      const answered = slow.filter((x) => x.statuses.length > 0).length;
      const normal = summarize(load.done);
      const errors = normal.sent - normal.ok;
      const pass =
        closedInTime === p.slow &&
        answered === 0 &&
        errors === 0 &&
        normal.p99Ms <= STUB_MS + BUDGET_MS &&
        after.restarts === before.restarts;
      const median = closes[Math.floor(closes.length / 2)] ?? 0;
      const max = closes[closes.length - 1] ?? 0;
      return {
        expectation: `all ${n(p.slow)} dribblers closed ≤ ${CLOSED_WITHIN_MS / 1000} s (idle timeout); normal traffic 0 errors, p99 ≤ ${STUB_MS + BUDGET_MS} ms`,
        measured: `${n(closedInTime)}/${n(p.slow)} closed (median ${ms(median)}, max ${Number.isFinite(max) ? ms(max) : "never"}); normal ${n(normal.ok)}/${n(normal.sent)} 200 at ${n(p.rps)} rps, p99 ${ms(normal.p99Ms)}`,
        pass,
        figures: {
          slowConnections: p.slow,
          closedInTime,
          answeredSlow: answered,
          medianCloseMs: median,
          maxCloseMs: Number.isFinite(max) ? max : null,
          normalConnections: p.conns,
          normalRps: p.rps,
          normalSent: normal.sent,
          normalErrors: errors,
          normalP99Ms: normal.p99Ms,
          normalMaxMs: normal.maxMs,
          restarts: after.restarts - before.restarts,
        },
      };
    });
  },
};

/** Start a request whose header never ends: one byte every DRIBBLE_MS; returns the stop function. */
function dribble(s: import("node:net").Socket): () => void {
  s.write("GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  // NOTE: phases spread over the period so the dribble is a steady trickle, not a burst
  let iv: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    iv = setInterval(() => s.writable && s.write("a"), DRIBBLE_MS);
  }, Math.random() * DRIBBLE_MS);
  return () => {
    clearTimeout(first);
    if (iv) clearInterval(iv);
  };
}
