// The placement options of a driver on this machine → how the server is started and where wrk runs.
import { InvalidRun } from "../core/cli.ts";
import { formatCpuList, resolveSplit, tasksetPrefix } from "./cpus.ts";
import type { PlacementRequest } from "./run-placement.ts";

export interface PlacementArgs {
  placement: "split" | "shared" | "netns" | "hosts";
  "server-cpus"?: number[];
  "generator-cpus"?: number[];
}

export interface LocalPlacement {
  request: PlacementRequest;
  /** argv before the server's own: taskset -c <server CPUs> (split), nothing (shared) */
  serverPrefix: string[];
  /** one line for people: "split: server CPUs 1, wrk CPUs 0" */
  label: string;
}

export function localPlacement(a: PlacementArgs): LocalPlacement {
  if (a.placement === "netns" || a.placement === "hosts") {
    throw new InvalidRun(
      `PLACEMENT=${a.placement} is run by make lab only (it makes its own hosts) — here use PLACEMENT=split or shared`,
    );
  }
  if (a.placement === "shared") {
    return {
      request: { kind: "shared", generatorCpus: null },
      serverPrefix: [],
      label: "shared: server and wrk float over every CPU (the verdict measures wrk as much as the server)",
    };
  }
  const s = resolveSplit(a["server-cpus"], a["generator-cpus"]);
  return {
    request: { kind: "split", generatorCpus: s.generator },
    serverPrefix: tasksetPrefix(s.server),
    label: `split: server CPUs ${formatCpuList(s.server)}, wrk CPUs ${formatCpuList(s.generator)}`,
  };
}
