// Doctor check helpers: one row (OK clears the fix), number formats, and the `make tune` fix for a sysctl.

import type { Check, Status } from "./doctor-checks.ts";
import { REUSEPORT_SKEW } from "./limits.ts";
import { profileValue } from "./tuning-profile.ts";

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
