// The lab's one zx shell: every shell step (servers, wrk, git, getconf, apt-get) goes through it.
import { $, type Options } from "zx/core";

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
