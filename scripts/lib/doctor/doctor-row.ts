// Doctor check rows: the Check, Status and RunShape types, one row (OK clears the fix), number formats, the `make tune` fix.

import { REUSEPORT_SKEW } from "../machine/limits.ts";
import { profileValue } from "../machine/tuning-profile.ts";

export type Status = "OK" | "WARN" | "FAIL";

export interface Check {
  name: string;
  current: string;
  needed: string;
  status: Status;
  fix: string;
}

export interface RunShape {
  connections: number;
  workers: number;
  /** wrk -t per shard */
  wrkThreads: number;
  /** wrk processes; 0 = auto (planShards from our soft open-files limit) */
  shards: number;
  /** when a server is running, its worker pids */
  serverPids?: number[];
  /** when a server is running, whether it loaded the native uWS binary */
  serverNativeUws?: boolean;
}

export const KiB = 1024;
export const MiB = 1024 * KiB;

export const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US") : "unlimited");
export const mib = (b: number): string => `${fmt(Math.round(b / MiB))} MiB`;
export const row = (name: string, current: string, needed: string, status: Status, fix = ""): Check => ({
  name,
  current,
  needed,
  status,
  fix: status === "OK" ? "" : fix,
});

/** `make tune PROFILE=x` for the first lab profile whose value of key passes ok(), else the direct command. */
export function tuneFix(key: string, ok: (value: string) => boolean, direct: string): string {
  for (const p of ["20k", "100k"]) {
    const v = profileValue(p, key);
    if (v !== null && ok(v)) return `make tune PROFILE=${p}`;
  }
  return direct;
}
export const intOk = (min: number) => (v: string) => Number(v) >= min;

/** Connections of the busiest SO_REUSEPORT worker: its share of c over w, skewed. */
export const busiestWorker = (c: number, w: number): number => Math.ceil((c * REUSEPORT_SKEW) / w - 1e-9);
