// Strict parsers for option values: "" and malformed text are refused with one line naming the option.
import { InvalidRun } from "./cli.ts";

/** The text as typed (a default may arrive as a number); undefined and null read as "". */
const textOf = (raw: unknown): string => (raw === undefined || raw === null ? "" : String(raw));

/** "8", " 8 " → 8; "", "abc", "1.5", "1e3" and anything outside min..max are refused. */
export function integer(name: string, raw: unknown, min: number, max: number): number {
  const text = textOf(raw).trim();
  const n = Number(text);
  // NOTE: Number("") is 0 and Number("0x10") is 16: only plain decimal digits count as an integer here.
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidRun(`--${name} must be an integer from ${min} to ${max}, got "${textOf(raw)}"`);
  }
  return n;
}

const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** wrk's duration units → seconds: "30s", "2m", "1h", also "500ms" and bare seconds "30"; at least minS. */
export function duration(name: string, raw: unknown, minS = 0): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(textOf(raw).trim());
  if (!m) {
    throw new InvalidRun(
      `--${name} must be a duration like 30s, 2m, 1h or 500ms (bare number = seconds), got "${textOf(raw)}"`,
    );
  }
  const s = Number(m[1]) * (UNIT_S[m[2] ?? "s"] ?? 1);
  if (s < minS) throw new InvalidRun(`--${name} must be at least ${minS}s, got "${textOf(raw)}"`);
  return s;
}

/** "1,2,4" → [1, 2, 4]: integers 1..max, no duplicates, kept in the given order. */
export function intList(name: string, raw: unknown, max = 1_000_000): number[] {
  const out: number[] = [];
  for (const x of textOf(raw)
    .split(",")
    .map((s) => s.trim())) {
    const n = Number(x);
    if (!/^\d+$/.test(x) || n < 1 || n > max)
      throw new InvalidRun(
        `--${name} takes a comma-separated list of integers 1..${max}, got "${textOf(raw)}"`,
      );
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** "a,b" → ["a", "b"]: each one of `allowed`, no duplicates, kept in the given order. */
export function nameList<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T[] {
  const out: T[] = [];
  for (const x of textOf(raw)
    .split(",")
    .map((s) => s.trim())) {
    if (!allowed.includes(x as T))
      throw new InvalidRun(`--${name} takes a comma-separated list of ${allowed.join(", ")}, got "${x}"`);
    if (!out.includes(x as T)) out.push(x as T);
  }
  return out;
}

/** One of `allowed`, exactly. */
export function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T {
  const text = textOf(raw).trim();
  if (!allowed.includes(text as T))
    throw new InvalidRun(`--${name} must be one of ${allowed.join(", ")}, got "${textOf(raw)}"`);
  return text as T;
}

/** Any text but the empty one (a path, a name). */
export function nonEmpty(name: string, raw: unknown): string {
  const text = textOf(raw);
  if (text.trim() === "") throw new InvalidRun(`--${name} must not be empty, got "${text}"`);
  return text;
}

/** An http:// URL (where it may point is the load checks' business). */
export function httpUrl(name: string, raw: unknown): string {
  const text = nonEmpty(name, raw);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InvalidRun(`--${name} "${text}" is not a URL — e.g. http://127.0.0.1:8000/ping/`);
  }
  if (u.protocol !== "http:") throw new InvalidRun(`--${name} must be http://, got ${u.protocol}`);
  return text;
}

/** A directory name under the results dir (a run id, sweep-<name>): no path separators, not hidden. */
export function resultName(name: string, raw: unknown): string {
  const text = textOf(raw).trim();
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(text))
    throw new InvalidRun(
      `--${name} must name a run or sweep under the results dir (e.g. 20261123-203252-paced-w2-c2000 or sweep-default; ls results/), got "${textOf(raw)}"`,
    );
  return text;
}
