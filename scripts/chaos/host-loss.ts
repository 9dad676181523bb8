// Scenario: one of two server hosts behind HAProxy killed mid-run — FAILs naming it, with what failed and why, the
// time until the LB marked it DOWN, and the survivor's latency after.
import { withChaosFleet } from "../lib/chaos/fleet.ts";
import { type LossLoad, runHostLoss } from "../lib/chaos/host-loss.ts";
import { lossFigures, lossLine, survivorLine } from "../lib/chaos/host-loss-text.ts";
import { at, type ChaosContext, type Scenario } from "../lib/chaos/scenario.ts";

export const STUB_MS = 200;

/** Paced wrk through the LB; the last server host killed killAtMs in. host-return runs longer (the host comes back). */
export function lossLoad(ctx: ChaosContext, longer = false): LossLoad {
  const p = at(ctx, {
    small: { connections: 400, rps: 800, durationS: 6, killAtMs: 2000 },
    moderate: { connections: 1000, rps: 2000, durationS: 8, killAtMs: 3000 },
  });
  return { ...p, durationS: p.durationS + (longer ? 5 : 0), stubMs: STUB_MS };
}

export const hostLoss: Scenario = {
  name: "host-loss",
  unwinds: true,
  async run(ctx: ChaosContext) {
    const load = lossLoad(ctx);
    const { loss } = await withChaosFleet(ctx, { stubMs: STUB_MS, connections: load.connections }, (f, lab) =>
      runHostLoss(f, lab, load, { signal: ctx.signal }),
    );
    ctx.log(`  ${survivorLine(loss)}`);
    return {
      expectation: `FAIL naming the host killed (every process of it) under ${load.rps} req/s over ${load.connections} connections through HAProxy; its failed requests = in flight on it + handed to it before DOWN − redispatched; the survivors' latency after`,
      measured: `${lossLine(loss)}; ${survivorLine(loss)}`,
      pass: false,
      figures: {
        connections: load.connections,
        rps: load.rps,
        durationS: load.durationS,
        ...lossFigures(loss),
      },
    };
  },
};
