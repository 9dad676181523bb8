// The placement options of a driver on this machine → how the server is started and where wrk runs.
import { InvalidRun } from "../core/cli.ts";
import { CATALOGUE } from "../core/option-catalogue.ts";
import { shSync } from "../core/shell.ts";
import { affinityOf, formatCpuList, resolveSplit, tasksetPrefix } from "./cpus.ts";
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
  /** the server's CPUs (split), null when it floats (shared) */
  serverCpus: number[] | null;
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
      serverCpus: null,
      label: "shared: server and wrk float over every CPU (the verdict measures wrk as much as the server)",
    };
  }
  const s = resolveSplit(a["server-cpus"], a["generator-cpus"]);
  return {
    request: { kind: "split", generatorCpus: s.generator },
    serverPrefix: tasksetPrefix(s.server),
    serverCpus: s.server,
    label: `split: server CPUs ${formatCpuList(s.server)}, wrk CPUs ${formatCpuList(s.generator)}`,
  };
}

/** Pin this process, every thread of it and what it forks later, to cpus; the affinity read back. */
// NOTE: `taskset -a`: Node's threads (libuv pool, V8 platform) exist already; without -a only the main one moves.
export function pinThisProcess(cpus: number[]): number[] | null {
  const r = shSync`taskset -apc ${formatCpuList(cpus)} ${process.pid}`;
  if (r.exitCode !== 0)
    throw new InvalidRun(
      `taskset could not pin the driver to CPUs ${formatCpuList(cpus)}: ${r.stderr.trim()}`,
    );
  return affinityOf("self");
}

/** The same placement as options for a child driver (loadtest.ts, lab.ts): the resolved CPU lists. */
export function placementArgs(p: LocalPlacement): string[] {
  const { serverCpus: server, request } = p;
  if (!server || !request.generatorCpus) return ["--placement", "shared"];
  const lists = [
    "--server-cpus",
    formatCpuList(server),
    "--generator-cpus",
    formatCpuList(request.generatorCpus),
  ];
  return ["--placement", "split", ...lists];
}

/**
 * make lab's placement: PLACEMENT when given, hosts when only HOSTS is (an inventory implies it), else the
 * catalogue's default. HOSTS beside another PLACEMENT would be ignored: one line naming both, exit 2.
 */
export function labPlacement(placement: PlacementArgs["placement"] | undefined, hosts: string | undefined) {
  if (hosts !== undefined && placement !== undefined && placement !== "hosts") {
    throw new InvalidRun(
      `HOSTS=${hosts} (--hosts) contradicts PLACEMENT=${placement} (--placement ${placement}): the inventory is used by hosts placement only — drop PLACEMENT (HOSTS implies hosts) or drop HOSTS`,
    );
  }
  return placement ?? (hosts !== undefined ? "hosts" : CATALOGUE.placement.default);
}
