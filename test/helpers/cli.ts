// Run a command, or one of the lab's CLIs (node --import tsx scripts/…), and capture its exit code and output.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: the lab's CLIs run from here, as `make` runs them. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface Captured {
  /** exit code; null when a signal ended the process */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CaptureOptions {
  /** added to (or, as undefined, removed from) this process's environment */
  env?: NodeJS.ProcessEnv;
  /** the whole environment instead of this process's plus env */
  baseEnv?: NodeJS.ProcessEnv;
  /** killed with killSignal after this long */
  timeoutMs?: number;
  killSignal?: NodeJS.Signals;
  uid?: number;
  cwd?: string;
}

export interface Running {
  child: ChildProcess;
  /** the exit and everything written, once stdout and stderr are closed (or 1 s after the exit) */
  done: Promise<Captured>;
}

// NOTE: a grandchild that inherited the pipes may hold them open past the exit; the output is not waited
// for longer than this after the exit.
const CLOSE_GRACE_MS = 1000;

/** Start a command with piped output; `child` is the handle (signals, live output), `done` the result. */
export function start(command: string, args: string[], opts: CaptureOptions = {}): Running {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? REPO,
    env: { ...(opts.baseEnv ?? process.env), ...opts.env },
    uid: opts.uid,
    timeout: opts.timeoutMs,
    killSignal: opts.killSignal,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Captured>((resolve, reject) => {
    let exit: Pick<Captured, "code" | "signal"> | null = null;
    const finish = (): void => {
      if (exit) resolve({ ...exit, stdout, stderr });
    };
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      setTimeout(finish, CLOSE_GRACE_MS).unref();
    });
    child.on("close", finish);
  });
  return { child, done };
}

/** Run a command to its end. */
export function run(command: string, args: string[], opts: CaptureOptions = {}): Promise<Captured> {
  return start(command, args, opts).done;
}

/** Start one of the lab's CLIs, e.g. startCli("scripts/sweep.ts", ["--workers", "1"]). */
export function startCli(script: string, args: string[], opts: CaptureOptions = {}): Running {
  return start(process.execPath, ["--import", "tsx", script, ...args], opts);
}

/** Run one of the lab's CLIs to its end. */
export function runCli(script: string, args: string[], opts: CaptureOptions = {}): Promise<Captured> {
  return startCli(script, args, opts).done;
}
