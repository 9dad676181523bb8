// Run a driver CLI (node --import tsx <script>) through the lab's zx shell, as a user would; exit and output.
import type { ProcessPromise } from "zx/core";
import { ROOT, sh } from "../../scripts/lib/processes/shell.ts";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** run as this uid (setpriv, supplementary groups dropped), e.g. to see a root-only command refuse */
  uid?: number;
  /** SIGTERM after this long (zx's timeout) */
  timeoutMs?: number;
  /** called once started: watch p.stdout / p.stderr, signal p.child (its pid is the CLI's own node) */
  onStart?: (p: ProcessPromise) => void;
}

/** `node --import tsx <script> <args>` in the repo root; resolves (never rejects) once it exited. */
export async function runCli(script: string, args: string[], o: CliOptions = {}): Promise<CliRun> {
  const asUid = o.uid === undefined ? [] : ["setpriv", `--reuid=${o.uid}`, "--clear-groups"];
  const $c = sh({ cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ["ignore", "pipe", "pipe"] });
  // NOTE: exec: the pid is node's, so a signal sent to p.child reaches the CLI, not a shell.
  const p = $c`exec ${asUid} ${process.execPath} --import tsx ${script} ${args}`;
  if (o.timeoutMs !== undefined) p.timeout(o.timeoutMs);
  o.onStart?.(p);
  const out = await p;
  return { code: out.exitCode, signal: out.signal, stdout: out.stdout, stderr: out.stderr };
}
