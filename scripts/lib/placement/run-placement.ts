// One run's placement on this machine: what each side was given, read back from /proc, and its record.
import os from "node:os";
import type { Placement, PlacementKind, SidePinning } from "../contract/placement.ts";
import type { ShardSpec, ShardsRun } from "../processes/wrk.ts";
import { affinityOf, formatCpuList, onlineCpus } from "./cpus.ts";

/** hosts: what starts the shards instead of local wrk processes (ssh to the client hosts). */
export interface RemoteRunner {
  start: (shards: ShardSpec[]) => ShardsRun;
  /** max − min of the last started shards' start times on their hosts, µs; null = unknown */
  lastSkewUs: () => number | null;
  /** sides whose processes are not visible in this machine's /proc (their CPU is unknown) */
  cpuUnknown: ("server" | "generator")[];
}

/** What the driver asks for: split (own CPUs), shared (both float), netns (emulated hosts), hosts (inventory). */
export interface PlacementRequest {
  kind: "split" | "shared" | "netns" | "hosts" | "fleet";
  /** the CPUs wrk is pinned to (split, netns); null = it floats */
  generatorCpus: number[] | null;
  /** netns: argv before wrk for shard i (ip netns exec <client ns> taskset …) */
  shardPrefix?: (shard: number) => string[];
  /** netns, hosts: the namespaces / inventory names, for the record (hosts: each client's CPUs, if known) */
  hosts?: { server: string; clients: string[]; clientCpus?: (number[] | null)[]; serverAddress?: string };
  /** hosts: shards over ssh instead of local wrk */
  remote?: RemoteRunner;
  /** hosts: at least one shard per client host when the shard count is automatic */
  minShards?: number;
  /** hosts: how many CPUs the client hosts give wrk together (hostsGeneratorCpus); absent = unknown */
  generatorCpuCount?: number;
  /** split with --shield: the other tasks moved off the server's CPUs (placement/shield.ts) */
  shieldedTasks?: number;
}

/** What the run got: the server's set comes from its processes' affinity, not from what was asked. */
export interface RunPlacement {
  kind: PlacementKind;
  serverCpus: number[] | null;
  generatorCpus: number[] | null;
  server: SidePinning[];
  hosts?: PlacementRequest["hosts"];
  generatorCpuCount?: number;
  shieldedTasks?: number;
  /** a fleet's LB (HAProxy): its CPU set as read back from its process */
  lbCpus?: number[];
}

/** How many CPUs each side was given: its set, or every CPU of the machine when it floats. */
export function sideCpuCounts(rp: Pick<RunPlacement, "serverCpus" | "generatorCpus" | "generatorCpuCount">): {
  serverCpus: number;
  generatorCpus: number;
} {
  const all = os.cpus().length;
  const generatorCpus = rp.generatorCpuCount ?? rp.generatorCpus?.length ?? all;
  return { serverCpus: rp.serverCpus?.length ?? all, generatorCpus };
}

/**
 * The hosts placement's generator CPUs: each client host's CPUs added up — but hosts emulated on this machine
 * (their wrk pids are ours) share its CPUs, so there the distinct CPU ids count. Undefined when one is unknown.
 */
// NOTE: two fleet clients both pinned to CPU 0 give wrk one CPU, not two: summing them would halve its share.
export function hostsGeneratorCpus(
  clientCpus: (number[] | null)[],
  sameMachine: boolean,
): number | undefined {
  if (clientCpus.length === 0 || clientCpus.some((c) => c === null)) return undefined;
  const sets = clientCpus as number[][];
  return sameMachine ? new Set(sets.flat()).size : sets.reduce((n, c) => n + c.length, 0);
}

/** Every pid's Cpus_allowed_list; a pid already gone is left out. */
export function pinningOf(pids: readonly number[]): SidePinning[] {
  return pids.flatMap((pid) => {
    const cpus = affinityOf(pid);
    return cpus ? [{ pid, cpus }] : [];
  });
}

/** The union of the sides' sets; null when it covers every online CPU (the side floats). */
function unionOrFloat(p: SidePinning[], online: number[]): number[] | null {
  const all = [...new Set(p.flatMap((x) => x.cpus))].sort((a, b) => a - b);
  return all.length === 0 || online.every((c) => all.includes(c)) ? null : all;
}

// NOTE: the server may have been started by someone else (`make run-4-workers SERVER_CPUS=1`): its set is
// read back from its processes, and the run is `split` only when both sides are pinned and disjoint.
export function resolveRunPlacement(
  req: PlacementRequest,
  serverPids: readonly number[],
  warn: (line: string) => void,
): RunPlacement {
  const online = onlineCpus();
  const server = pinningOf(serverPids);
  const serverCpus = unionOrFloat(server, online);
  const generatorCpus = req.kind === "shared" ? null : req.generatorCpus;
  const disjoint = !!serverCpus && !!generatorCpus && !generatorCpus.some((c) => serverCpus.includes(c));
  if (req.kind === "netns" || req.kind === "hosts" || req.kind === "fleet")
    return {
      kind: req.kind,
      serverCpus,
      generatorCpus,
      server,
      hosts: req.hosts,
      generatorCpuCount: req.generatorCpuCount,
    };
  if (req.kind === "split" && !disjoint) {
    const srv = serverCpus ? `on CPUs ${formatCpuList(serverCpus)}` : "unpinned (every CPU)";
    warn(
      `placement: shared, not split — the server runs ${srv}, wrk on ${generatorCpus ? formatCpuList(generatorCpus) : "every CPU"}; start the server with SERVER_CPUS (make run-4-workers SERVER_CPUS=1) for a verdict about the server alone`,
    );
  }
  return {
    kind: disjoint ? "split" : "shared",
    serverCpus,
    generatorCpus: disjoint ? generatorCpus : null,
    server,
    ...(req.shieldedTasks !== undefined ? { shieldedTasks: req.shieldedTasks } : {}),
  };
}

/** The record's placement: sets, read-back affinity of every pinned process, shards and threads. */
export function placementRecord(
  rp: RunPlacement,
  address: string,
  wrk: SidePinning[],
  shards: number,
  threads: number,
  remote?: RemoteRunner,
): Placement {
  const clients = rp.hosts?.clients ?? ["localhost"];
  // NOTE: shards go round-robin over the client hosts (netns), so host i runs shards i, i + K, …
  const shardsOf = (i: number): number =>
    Math.floor(shards / clients.length) + (i < shards % clients.length ? 1 : 0);
  return {
    kind: rp.kind,
    server: {
      host: rp.hosts?.server ?? "localhost",
      // NOTE: a fleet's servers are not the address wrk targets (the LB's): they are named "s1+s2" here.
      address: rp.hosts?.serverAddress ?? address,
      cpus: rp.serverCpus,
      pinned: rp.server,
      ...(rp.shieldedTasks !== undefined ? { shieldedTasks: rp.shieldedTasks } : {}),
    },
    generator: clients.map((host, i) => ({
      host,
      cpus: rp.hosts?.clientCpus?.[i] ?? rp.generatorCpus,
      shards: shardsOf(i),
      threads,
      pinned: wrk.filter((_, k) => k % clients.length === i),
    })),
    ...(remote ? { startSkewUs: remote.lastSkewUs(), cpuUnknown: remote.cpuUnknown } : {}),
  };
}
