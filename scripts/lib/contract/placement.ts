// Where each side ran (the lab contract's placement): the record's shape and how each side's CPU is judged.

export type PlacementKind = "shared" | "split" | "netns" | "hosts" | "fleet";

export interface SidePinning {
  pid: number;
  /** Cpus_allowed_list read back from /proc/<pid>/status after the process started */
  cpus: number[];
}

export interface Placement {
  kind: PlacementKind;
  server: {
    host: string;
    address: string;
    /** the CPU set the server was given; null = not pinned (it floats over every CPU) */
    cpus: number[] | null;
    /** every server process's affinity as read back (primary and workers) */
    pinned?: SidePinning[];
    /** split with --shield: how many other tasks (threads) were moved off the server's CPUs for the run */
    shieldedTasks?: number;
  };
  generator: {
    host: string;
    cpus: number[] | null;
    shards: number;
    threads: number;
    pinned?: SidePinning[];
  }[];
  /** hosts: max − min of the shards' start times on their hosts (µs; each host's clock), null = not read */
  startSkewUs?: number | null;
  /** hosts: sides whose CPU could not be read from this machine (a real remote host); their cpu figures are 0 */
  cpuUnknown?: ("server" | "generator")[];
}

// NOTE: records made before placements existed have none: they were shared (both sides floated over every CPU).
export const kindOf = (r: { placement?: Placement }): PlacementKind => r.placement?.kind ?? "shared";
/** the generator did not share the server's CPUs (split, netns, hosts) */
export const isPlaced = (r: { placement?: Placement }): boolean => kindOf(r) !== "shared";
