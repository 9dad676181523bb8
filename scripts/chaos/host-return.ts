// Scenario: a server host lost behind HAProxy comes back — its server restarted in its namespace, UP again within a
// bound, and it takes its share of the traffic again.
import { FLEET_SERVERS, withChaosFleet } from "../lib/chaos/fleet.ts";
import { runHostLoss } from "../lib/chaos/host-loss.ts";
import { lossFigures, lossLine } from "../lib/chaos/host-loss-text.ts";
import { bringBack, type HostReturn } from "../lib/chaos/host-return.ts";
import type { Outcome } from "../lib/chaos/result.ts";
import { type ChaosContext, ms, n, type Scenario } from "../lib/chaos/scenario.ts";
import { lossLoad, STUB_MS } from "./host-loss.ts";

// NOTE: HAProxy checks a DOWN server once a second and needs 2 good checks 200 ms apart: UP ≤ 1.2 s (+ the checks'
// own time) after the server is ready. The restart itself (node, tsx, 2 workers) took 2.7 s at moderate scale.
const UP_WITHIN_MS = 3000;
const WINDOW_MS = 1000;
/** of a fair share (1 / servers): less after UP means its traffic did not come back */
const MIN_SHARE_OF_FAIR = 0.5;

export const hostReturn: Scenario = {
  name: "host-return",
  unwinds: true,
  async run(ctx: ChaosContext) {
    const load = lossLoad(ctx, true);
    const o = { upWithinMs: UP_WITHIN_MS, windowMs: WINDOW_MS };
    const { loss, after } = await withChaosFleet(
      ctx,
      { stubMs: STUB_MS, connections: load.connections },
      (f, lab) =>
        runHostLoss(f, lab, load, {
          signal: ctx.signal,
          afterDown: (k, _, end) => bringBack(lab, k, end, o),
        }),
    );
    if (!after) throw new Error("the host was not brought back");
    return outcome(after, loss.host, lossLine(loss), { ...lossFigures(loss), connections: load.connections });
  },
};

function outcome(r: HostReturn, host: string, loss: string, lossFigs: Outcome["figures"]): Outcome {
  const minShare = MIN_SHARE_OF_FAIR / FLEET_SERVERS;
  const sharePct = r.share === null ? "?" : `${(r.share * 100).toFixed(0)} %`;
  const why = [
    r.upAfterReadyMs === null
      ? `not UP within ${ms(UP_WITHIN_MS)} of its server's ready line: ${r.notUp}`
      : null,
    r.upAfterReadyMs !== null && !r.windowInRun ? `wrk ended before ${ms(WINDOW_MS)} after UP` : null,
    r.upAfterReadyMs !== null && (r.share ?? 0) < minShare
      ? `only ${sharePct} of the requests after UP`
      : null,
  ].filter((x): x is string => x !== null);
  const back =
    r.upAfterReadyMs === null
      ? "never UP"
      : `restarted (ready after ${ms(r.readyMs)}), UP ${ms(r.upAfterReadyMs)} after that, then ${n(r.served)} of the LB's ${n(r.total)} requests in ${ms(WINDOW_MS)} (${sharePct})`;
  return {
    expectation: `the lost host's server restarted in its namespace: UP within ${ms(UP_WITHIN_MS)} of its ready line, then ≥ ${(minShare * 100).toFixed(0)} % of the requests over ${ms(WINDOW_MS)}`,
    measured: `${host} ${back}${why.length ? ` — FAIL: ${why.join("; ")}` : ""}; before: ${loss}`,
    pass: why.length === 0,
    figures: {
      ...lossFigs,
      ...{
        restartReadyMs: Math.round(r.readyMs),
        upAfterReadyMs: r.upAfterReadyMs === null ? null : Math.round(r.upAfterReadyMs),
      },
      ...{ windowMs: r.windowMs, windowServed: r.served, windowTotal: r.total, share: r.share },
      windowInRun: r.windowInRun,
    },
  };
}
