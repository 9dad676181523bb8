// The chaos scenarios' context as make chaos builds it with the default placement (split), small scale.
import type { ChaosContext } from "../../scripts/lib/chaos/scenario.ts";
import { localPlacement, placementArgs } from "../../scripts/lib/placement/local.ts";

// NOTE: every scenario's server pinned (and read back) to the split's side, as make chaos runs it.
export function splitContext(extra: Partial<ChaosContext> = {}): ChaosContext {
  const place = localPlacement({ placement: "split" });
  return {
    scale: "small",
    log: () => {},
    serverCpus: place.serverCpus,
    placementArgs: placementArgs(place),
    generatorCpus: place.request.generatorCpus,
    ...extra,
  };
}
