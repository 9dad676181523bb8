// The fleet scenarios' fleet: two server hosts and HAProxy on the server's CPUs, one client host on the generator's.

import type { FleetLab } from "../placement/fleet-lab.ts";
import { startFleetLab } from "../placement/fleet-lab.ts";
import { type FleetNetns, withFleetNetns } from "../placement/fleet-netns.ts";
import { loadNetConfig } from "../placement/net-config.ts";
import type { ChaosContext } from "./scenario.ts";

/** server hosts behind the LB */
export const FLEET_SERVERS = 2;

/** Every server listens on it in its own namespace, as the LB does in its: nothing else binds there. */
export const FLEET_PORT = 8000;

/**
 * A 2-server fleet behind HAProxy (2 workers each, HAProxy's default checks) for fn; stopped and its namespaces
 * removed however fn ends. With ctx.signal, a Ctrl-C while the hosts come up removes them and throws Interrupted
 * (fn watches the signal itself); without it, a Ctrl-C tears the fleet down and exits 130 (fleet-netns.ts).
 */
export function withChaosFleet<T>(
  ctx: ChaosContext,
  spec: { stubMs: number; connections: number },
  fn: (f: FleetNetns, lab: FleetLab) => Promise<T>,
): Promise<T> {
  const shape = { servers: FLEET_SERVERS, clients: 1, serverCpus: ctx.serverCpus, lbCpus: ctx.serverCpus };
  return withFleetNetns(
    { ...shape, clientCpus: ctx.generatorCpus, signal: ctx.signal },
    async (f) => {
      const lab = await startFleetLab({ fleet: f, workers: 2, port: FLEET_PORT, nbthread: 1, ...spec });
      try {
        return await fn(f, lab);
      } finally {
        await lab.stop();
      }
    },
    ctx.net ?? loadNetConfig(),
  );
}
