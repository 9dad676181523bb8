// The tune state file: each sysctl's ORIGINAL value (raw /proc/sys bytes) saved before the first tune changed it.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { writeAtomic } from "../core/atomic.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";

export interface TuneState {
  version: 1;
  savedAt: string;
  /** profiles applied since the originals were saved, in order */
  profiles: string[];
  /** key → value exactly as read from /proc/sys before the first tune (trailing newline dropped) */
  original: Record<string, string>;
  /** the sysctl.d file written by --persist, or null */
  persisted: string | null;
}

/** LAB_TUNE_STATE overrides; default <repo>/results/.tune-saved.json (gitignored). */
export function statePath(): string {
  return process.env.LAB_TUNE_STATE || join(ROOT, "results/.tune-saved.json");
}

/** Where --persist writes; LAB_SYSCTL_CONF overrides (tests keep /etc untouched). */
export function persistPath(): string {
  return process.env.LAB_SYSCTL_CONF || "/etc/sysctl.d/90-uws-lab.conf";
}

/** The saved state, null when there is none; a corrupt file is an InvalidRun (never overwritten). */
export function readState(path = statePath()): TuneState | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
  try {
    const s = JSON.parse(text) as TuneState;
    if (s.version !== 1 || typeof s.original !== "object" || s.original === null)
      throw new Error("bad shape");
    for (const v of Object.values(s.original)) if (typeof v !== "string") throw new Error("bad value");
    return { ...s, profiles: Array.isArray(s.profiles) ? s.profiles : [], persisted: s.persisted ?? null };
  } catch (e) {
    throw new InvalidRun(
      `${path} is not a tune state file (${(e as Error).message}) — it holds the original sysctl values: inspect it, restore by hand, then delete it`,
    );
  }
}

/** Write atomically (temp file + rename), so a crash never leaves half a state file. */
export function writeState(s: TuneState, path = statePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  writeAtomic(path, `${JSON.stringify(s, null, 2)}\n`);
}

export function removeState(path = statePath()): void {
  rmSync(path, { force: true });
}
