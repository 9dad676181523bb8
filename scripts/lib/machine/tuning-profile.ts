// Tuning profiles: configs/tuning/<name>.conf, one `key = value` a line, parsed and checked against /proc/sys.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { normalizeValue, profileValueText, sysctlPath } from "./sysctl-raw.ts";

export interface Setting {
  key: string;
  /** normalized: whitespace runs → one space */
  value: string;
  line: number;
}

export interface Profile {
  name: string;
  path: string;
  settings: Setting[];
}

/** Where profiles live; LAB_TUNING_DIR overrides (tests point it at a temp dir). */
export function tuningDir(): string {
  return process.env.LAB_TUNING_DIR || join(ROOT, "configs/tuning");
}

export function profileNames(dir = tuningDir()): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith(".conf"))
      .map((f) => f.slice(0, -".conf".length))
      .sort();
  } catch {
    return [];
  }
}

const KEY = /^[A-Za-z0-9_]+(?:[./][A-Za-z0-9_-]+)+$/;
const LINE = /^(\S+)\s*=\s*(.*)$/;

/** Parse a profile's text; a malformed line, duplicate or unknown sysctl is an InvalidRun naming file:line. */
export function parseProfile(text: string, path: string): Setting[] {
  const settings: Setting[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    // NOTE: `#` starts a comment anywhere on the line; no sysctl value this lab sets contains one.
    const body = raw.replace(/#.*$/, "").trim();
    if (body === "") return;
    const where = `${path}:${line}`;
    const m = LINE.exec(body);
    const key = m?.[1] ?? "";
    const value = profileValueText(m?.[2] ?? "");
    if (!m || !KEY.test(key) || normalizeValue(m[2] ?? "") === "") {
      throw new InvalidRun(
        `${where}: expected \`key = value\` (e.g. net.core.somaxconn = 4096), got "${body}"`,
      );
    }
    const first = seen.get(key);
    if (first !== undefined) throw new InvalidRun(`${where}: ${key} is already set on line ${first}`);
    if (!existsSync(sysctlPath(key))) {
      throw new InvalidRun(`${where}: no sysctl ${key} on this kernel (${sysctlPath(key)} does not exist)`);
    }
    seen.set(key, line);
    settings.push({ key, value, line });
  });
  if (settings.length === 0) throw new InvalidRun(`${path}: no settings`);
  return settings;
}

/** Load a profile by name; an unknown name is an InvalidRun listing the available ones. */
export function loadProfile(name: string, dir = tuningDir()): Profile {
  const names = profileNames(dir);
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !names.includes(name)) {
    const list = names.length > 0 ? names.join(", ") : "none";
    throw new InvalidRun(`unknown tuning profile "${name}" — available in ${dir}: ${list}`);
  }
  const path = join(dir, `${name}.conf`);
  return { name, path, settings: parseProfile(readFileSync(path, "utf8"), path) };
}

/** A profile's value for key, or null when the profile or key is missing/unreadable (for doctor fix hints). */
export function profileValue(name: string, key: string, dir = tuningDir()): string | null {
  try {
    return loadProfile(name, dir).settings.find((s) => s.key === key)?.value ?? null;
  } catch {
    return null;
  }
}
