// The lab's one zx shell and command runner: every shell step (servers, wrk, ip, ssh, git, apt-get) goes through it.
import { $, type Options, type ProcessOutput, type ProcessPromise } from "zx/core";
import { InvalidRun } from "./cli.ts";
import { Interrupted } from "./interrupt.ts";

/** Output collected by zx while the child runs: read `stdall` (stdout + stderr as they came) any time. */
export type OutputStore = NonNullable<Options["store"]>;

// NOTE: quiet and not verbose, whatever ZX_VERBOSE says: zx would echo each command and the children's
// stderr to ours, which would change the drivers' console output (their stdout is JSON for some). A
// failed step is not an exception either (nothrow): callers read exitCode / signal and decide.
// NOTE: zx/core, not zx: the same `$` without the bundled fs/glob/yaml extras, so every CLI starts faster.
const QUIET = { quiet: true, verbose: false, nothrow: true } as const;

/** `sh\`cmd ${arg}\`` (args quoted by zx), or `sh({ env, cwd, detached, … })\`…\`` for more options. */
export const sh = $(QUIET);

/** The same shell, synchronous: returns the ProcessOutput (for the few steps read in a sync path). */
export const shSync = $({ ...QUIET, sync: true });

export function newStore(): OutputStore {
  return { stdout: [], stderr: [], stdall: [] };
}

/** The collected output so far, as text. */
export function storeText(store: OutputStore): string {
  return store.stdall.join("");
}

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
  return interruptedOr(await p);
}

// NOTE: Ctrl-C in a terminal signals the whole process group, so the `ip`/`ssh`/`wrk -v` running at that moment
// dies of SIGINT before our handler runs: that is the user's interrupt, not a broken environment. (Our own
// timeout kills with SIGKILL, so the two are told apart.)
/** out, unless a Ctrl-C (SIGINT, or SIGTERM) killed the command: then Interrupted. */
export function interruptedOr(out: ProcessOutput): ProcessOutput {
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

/** A step that must run as root: InvalidRun "<what> <needs> and needs root — run it as root (sudo make <what>)". */
export function requireRoot(what: string, needs: string): void {
  if (process.getuid?.() !== 0) {
    throw new InvalidRun(`${what} ${needs} and needs root — run it as root (sudo make ${what})`);
  }
}
