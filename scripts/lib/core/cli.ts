// CLI plumbing shared by the drivers: yargs settings, one-line user errors, and the exit line every run ends with.
import type { Argv } from "yargs";
import { Interrupted, wasInterrupted } from "./interrupt.ts";

/** A user mistake or an environment that makes the run meaningless: one line, exit 2, no stack. */
export class InvalidRun extends Error {}

/** How a driver ended: its exit code and the word(s) for it, e.g. { code: 1, says: "FAIL (latency, rps)" }. */
export interface Outcome {
  code: number;
  says: string;
}

const SAYS: Record<number, string> = { 0: "ok", 1: "FAIL", 2: "invalid" };

// NOTE: make turns every failed recipe into exit 2, so FAIL and invalid look alike there: the last line of
// every driver says which code the driver itself exited with (README "Exit codes").
export function exitLine(o: Outcome): string {
  return `exit ${o.code}: ${o.says}`;
}

/** One line naming the problem and the fix (and that this is the invalid exit), then exit 2. */
export function usageExit(message: string): never {
  process.stderr.write(`error: ${message} — ${exitLine({ code: 2, says: "invalid" })}\n`);
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

/**
 * Run a driver's main and end with its exit line: a code (0 ok, 1 FAIL, …) or an Outcome; InvalidRun → one
 * `error:` line + exit 2; Interrupted → exit 130; anything else is a bug: its stack, then exit 1.
 */
export async function runMain(main: () => Promise<number | Outcome>): Promise<void> {
  try {
    const r = await main();
    const o = typeof r === "number" ? { code: r, says: SAYS[r] ?? "error" } : r;
    process.stderr.write(`${exitLine(o)}\n`);
    process.exitCode = o.code;
  } catch (e) {
    // NOTE: after a Ctrl-C, whatever broke on the way down (a server killed mid-start) is the interrupt's doing.
    // A Ctrl-C that came during a synchronous child (wrk -v) has its handler still queued: let it run first.
    // NOTE: not setImmediate: it runs in this loop turn's check phase, before the poll that reads the signal
    // (chaos lab-ctrl-c once saw exit 2: wrk -v killed by the group's SIGINT, its handler not yet run).
    await new Promise((r) => setTimeout(r, 20));
    if (e instanceof Interrupted || wasInterrupted()) {
      process.stderr.write("\ninterrupted: every wrk and server stopped, no result written\n");
      process.stderr.write(`${exitLine({ code: 130, says: "interrupted" })}\n`);
      process.exit(130);
    }
    if (e instanceof InvalidRun) usageExit(e.message);
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.stderr.write(`${exitLine({ code: 1, says: `crashed — ${err.message.split("\n")[0]}` })}\n`);
    process.exit(1);
  }
}
