// CLI plumbing shared by the drivers: one-line user errors with exit 2, durations, yargs failure hook.
import type { Argv } from "yargs";
import { Interrupted } from "./interrupt.ts";

/** A user mistake or an environment that makes the run meaningless: one line, exit 2, no stack. */
export class InvalidRun extends Error {}

export function usageExit(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** yargs .fail() handler: bad CLI input is a one-line error, exit 2. */
export function yargsFail(msg: string | null, err: Error | undefined): never {
  const text = (err?.message ?? msg ?? "bad arguments").replace(/\s*\n\s*/g, " ").trim();
  usageExit(`${text} (see --help)`);
}

/** yargs parser settings for every driver: a repeated option means its last value, not an array. */
export const PARSER = { "duplicate-arguments-array": false } as const;

/** The drivers' shared yargs ending: last value wins, unknown options rejected, --help, one-line errors. */
export function parseArgs<T>(y: Argv<T>) {
  return y.parserConfiguration(PARSER).strict().help().version(false).fail(yargsFail).parseSync();
}

/** "30", "30s", "2m", "500ms" → seconds. */
export function parseDuration(name: string, raw: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(String(raw).trim());
  if (!m) throw new InvalidRun(`--${name} must be a duration like 30s, 2m or 500ms, got "${String(raw)}"`);
  const n = Number(m[1]);
  return m[2] === "ms" ? n / 1000 : m[2] === "m" ? n * 60 : n;
}

export function positiveInt(name: string, raw: unknown, min = 1, max = 10_000_000): number {
  const n = Number(String(raw).trim());
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidRun(`--${name} must be an integer from ${min} to ${max}, got "${String(raw)}"`);
  }
  return n;
}

/** Run a driver's main: InvalidRun → one line + exit 2, Interrupted → exit 130; else its return value. */
export async function runMain(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    if (e instanceof InvalidRun) usageExit(e.message);
    if (e instanceof Interrupted) {
      process.stderr.write("\ninterrupted: every wrk and server stopped, no result written\n");
      process.exit(130);
    }
    throw e;
  }
}
