// Children in their own process groups, started by zx: output and exit collected, the group stopped whole.
import type { ProcessOutput, ProcessPromise } from "zx/core";
import { ROOT } from "../core/paths.ts";
import { newStore, sh, storeText } from "../core/shell.ts";
import { groupMembers, present, REAP_MS, waitUntil } from "./gone.ts";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GroupChild {
  /** the zx process (its stdout stream, pid); settles once the group is gone and the pipes are closed */
  proc: ProcessPromise;
  pid: number;
  exited: Promise<Exit>;
  /** performance.now() of the exit, null while running */
  exitedAt: () => number | null;
  /** stdout + stderr so far */
  output: () => string;
  /** signal the whole process group (the child leads it), like a terminal's Ctrl-C */
  signalGroup: (s: NodeJS.Signals) => void;
  /** SIGTERM to the group (a server drains), SIGKILL of the group after graceMs; resolves once every member is reaped */
  stop: (graceMs?: number) => Promise<Exit>;
}

export interface GroupSpec {
  env?: NodeJS.ProcessEnv;
  /** soft and hard RLIMIT_NOFILE; default: the soft limit raised to our hard limit */
  nofile?: number;
}

/** after the leader's exit, how long the output pipes may stay open (held by an escaped descendant) */
const PIPE_GRACE_MS = 2000;

const live = new Set<GroupChild>();
// NOTE: an exit hook must act synchronously: zx's kill() first lists the process tree with `ps`, so the
// groups are signalled here (and in signalGroup) with process.kill(-pgid) — the one thing zx cannot do.
process.on("exit", () => {
  for (const c of live) c.signalGroup("SIGKILL");
});

/** Every group started by this process and not yet exited. */
export function liveGroups(): GroupChild[] {
  return [...live];
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    if (pid > 0) process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

// NOTE: detached makes the child lead a group of its own, so a group kill also reaches workers whose
// command line does not name the app (uvicorn's); on its exit the rest of the group is SIGKILLed
// (workers may outlive their primary), and every live group is SIGKILLed when we exit.
// NOTE: `ulimit -n N` sets soft and hard; node raises its soft limit to the hard one at start, so a lower
// soft limit alone would be undone. The limit is raised on the line that execs, as in the Makefile; the
// exec keeps the pid: it is the program's own, not a shell's.
function start(argv: string[], spec: GroupSpec, store: ReturnType<typeof newStore>): ProcessPromise {
  const $g = sh({
    cwd: ROOT,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    store,
  });
  if (spec.nofile === undefined) return $g`ulimit -n "$(ulimit -Hn)" && exec ${argv}`;
  return $g`ulimit -n ${Math.floor(spec.nofile)} && exec ${argv}`;
}

/** Start argv (quoted by zx) as the leader of its own process group, with the nofile limit of spec. */
export function spawnGroup(argv: string[], spec: GroupSpec = {}): GroupChild {
  const store = newStore();
  const proc = start(argv, spec, store);
  const pid = proc.pid ?? 0;
  let at: number | null = null;
  const onExit = (): void => {
    at ??= performance.now();
    live.delete(child);
    killGroup(pid, "SIGKILL");
  };
  proc.child?.once("exit", () => {
    onExit();
    // NOTE: zx settles on the pipes' close; a descendant that left the group could hold them open forever.
    setTimeout(() => {
      proc.stdout?.destroy();
      proc.stderr?.destroy();
    }, PIPE_GRACE_MS).unref();
  });
  const settle = (o: ProcessOutput): Exit => {
    onExit();
    return { code: o.exitCode, signal: o.signal };
  };
  const exited = proc.then(settle, settle); // NOTE: nothrow: a failure resolves too; both paths are an Exit
  // NOTE: the leader's exit is not its group's: workers killed with their primary (or left by its crash) are
  // zombies until PID 1 reaps them, seconds later here. Every member at the stop is waited for until reaped.
  const stop = async (graceMs = 10_000): Promise<Exit> => {
    const members = groupMembers(pid);
    if (at === null) killGroup(pid, "SIGTERM");
    const t = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
    const e = await exited;
    clearTimeout(t);
    await waitUntil(
      () => members,
      (k) => !present(k),
      REAP_MS,
    );
    return e;
  };
  const child: GroupChild = {
    proc,
    pid,
    exited,
    exitedAt: () => at,
    output: () => storeText(store),
    signalGroup: (s) => {
      if (at === null) killGroup(pid, s);
    },
    stop,
  };
  live.add(child);
  return child;
}
