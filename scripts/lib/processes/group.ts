// Children in their own process groups: spawn with output and exit collected, stop the whole group, none outlive us.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface GroupChild {
  proc: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  /** performance.now() of the exit, null while running */
  exitedAt: () => number | null;
  /** stdout + stderr so far */
  output: () => string;
  /** signal the whole process group (the child leads it), like a terminal's Ctrl-C */
  signalGroup: (s: NodeJS.Signals) => void;
  /** SIGTERM to the group (a server drains), SIGKILL of the group after graceMs */
  stop: (graceMs?: number) => Promise<Exit>;
}

export interface GroupSpec {
  env?: NodeJS.ProcessEnv;
  /** soft and hard RLIMIT_NOFILE; default: the soft limit raised to our hard limit */
  nofile?: number;
}

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of live) killGroup(p, "SIGKILL");
});

export function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}

// NOTE: detached makes the child lead a group of its own, so a group kill also reaches workers whose
// command line does not name the app (uvicorn's); on its exit the rest of the group is SIGKILLed
// (workers may outlive their primary), and every live group is SIGKILLed when we exit.
// NOTE: `ulimit -n N` sets soft and hard; node raises its soft limit to the hard one at start, so a lower
// soft limit alone would be undone. The limit is raised on the line that execs, as in the Makefile.
export function spawnGroup(argv: string[], spec: GroupSpec = {}): GroupChild {
  const limit = spec.nofile === undefined ? `"$(ulimit -Hn)"` : String(Math.floor(spec.nofile));
  const proc = spawn("bash", ["-c", `ulimit -n ${limit} && exec "$@"`, "group", ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...spec.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  let out = "";
  let at: number | null = null;
  const collect = (d: Buffer): void => {
    out += d.toString();
  };
  proc.stdout?.on("data", collect);
  proc.stderr?.on("data", collect);
  const exited = new Promise<Exit>((resolve) =>
    proc.once("exit", (code, signal) => {
      at = performance.now();
      live.delete(proc);
      killGroup(proc, "SIGKILL");
      resolve({ code, signal });
    }),
  );
  const stop = async (graceMs = 10_000): Promise<Exit> => {
    if (at === null) killGroup(proc, "SIGTERM");
    const t = setTimeout(() => killGroup(proc, "SIGKILL"), graceMs);
    const e = await exited;
    clearTimeout(t);
    return e;
  };
  return {
    proc,
    pid: proc.pid ?? 0,
    exited,
    exitedAt: () => at,
    output: () => out,
    signalGroup: (s) => killGroup(proc, s),
    stop,
  };
}
