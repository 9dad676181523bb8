// Run an argv through zx with a bound on time: quiet, never throwing by itself; `must` turns a failure into one line.
import type { ProcessOutput, ProcessPromise } from "zx";
import { InvalidRun } from "../core/cli.ts";
import { Interrupted } from "../core/interrupt.ts";
import { sh } from "../core/shell.ts";

export interface RunOpts {
  timeoutMs?: number;
  input?: string;
  signal?: AbortSignal;
}

/** The command's output, whatever its exit code (check .ok / .exitCode); a Ctrl-C that killed it → Interrupted. */
export async function run(argv: string[], opts: RunOpts = {}): Promise<ProcessOutput> {
  // NOTE: zx quotes every element of an interpolated array, so argv elements are never re-split by the shell.
  const p = sh({
    timeout: `${opts.timeoutMs ?? 15_000}ms`,
    timeoutSignal: "SIGKILL",
    input: opts.input,
    signal: opts.signal,
    stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  })`${argv}`;
  const out = await p;
  // NOTE: Ctrl-C in a terminal signals the whole process group, so the `ip`/`ssh` running at that moment dies
  // of SIGINT before our handler runs: that is the user's interrupt, not a broken environment. (Our own
  // timeout kills with SIGKILL, so the two are told apart.)
  if (out.signal === "SIGINT" || out.signal === "SIGTERM") throw new Interrupted();
  return out;
}

/** Kill a zx process unless it already ended (zx throws "Too late to kill" then, synchronously). */
export async function killQuietly(p: ProcessPromise, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  try {
    await p.kill(signal);
  } catch {
    // already ended
  }
}

/** First non-empty line of what the command said (stderr first), for one-line errors. */
export function firstLine(out: ProcessOutput): string {
  const text = `${out.stderr}\n${out.stdout}`.split("\n").find((l) => l.trim() !== "");
  return text?.trim() ?? `exit ${out.exitCode ?? out.signal}`;
}

/** stdout of a command that must succeed; otherwise InvalidRun "<what> failed: <its error> — <fix>". */
export async function must(argv: string[], what: string, fix: string, opts: RunOpts = {}): Promise<string> {
  const out = await run(argv, opts);
  if (!out.ok) throw new InvalidRun(`${what} failed: ${firstLine(out)} (${argv.join(" ")}) — ${fix}`);
  return out.stdout;
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new InvalidRun(
      `${what} creates network namespaces and needs root — run it as root (sudo make ${what})`,
    );
  }
}
