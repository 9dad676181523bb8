// Chaos child processes: tagged spawns (server with a chosen nofile, drivers), stray detection, cleanup.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "./live.ts";
import { freePort, ROOT } from "./server-process.ts";

// NOTE: every child carries LAB_CHAOS_TAG in its environment, and children inherit it (wrk, server
// workers), so "no stray process" is an exact scan of /proc/*/environ — other engineers' wrk and servers
// on this machine never count.
export const TAG = `${process.pid}-${Date.now()}`;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  exitedAt: () => number | null;
  output: () => string;
  /** signal the whole process group (the child is its leader), like a terminal's Ctrl-C */
  signalGroup: (s: NodeJS.Signals) => void;
}

const live = new Set<Child>();
process.on("exit", () => {
  for (const c of live) c.signalGroup("SIGKILL");
});

/** Spawn a tagged child as the leader of its own process group; it is SIGKILLed if we exit first. */
export function spawnTagged(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, subtag = ""): Child {
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, LAB_CHAOS_TAG: `${TAG}${subtag}` },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let at: number | null = null;
  const add = (d: Buffer): void => {
    out += d.toString();
  };
  proc.stdout?.on("data", add);
  proc.stderr?.on("data", add);
  const signalGroup = (s: NodeJS.Signals): void => {
    try {
      if (proc.pid) process.kill(-proc.pid, s);
    } catch {
      // already gone
    }
  };
  const child: Child = {
    proc,
    pid: proc.pid ?? 0,
    exitedAt: () => at,
    output: () => out,
    signalGroup,
    exited: new Promise<Exit>((resolve) =>
      proc.on("exit", (code, signal) => {
        at = performance.now();
        live.delete(child);
        resolve({ code, signal });
      }),
    ),
  };
  live.add(child);
  return child;
}

/** Stop every tagged child (SIGTERM to each group, SIGKILL after graceMs), then any tagged stray by pid. */
export async function killAll(graceMs = 3000): Promise<void> {
  const all = [...live];
  for (const c of all) c.signalGroup("SIGTERM");
  await Promise.race([Promise.all(all.map((c) => c.exited)), sleep(graceMs)]);
  for (const c of all) c.signalGroup("SIGKILL");
  // NOTE: a driver killed mid-way can orphan a server in its own process group; the tag still finds it.
  for (const s of strays()) {
    try {
      process.kill(s.pid, "SIGKILL");
    } catch {}
  }
}

/** Pids (other than ours) whose environment carries this run's tag (+ subtag): wrk, servers, drivers. */
// NOTE: a zombie's environ reads empty, so an unreaped exit is not counted: it holds no fd or socket.
export function strays(subtag = ""): { pid: number; cmd: string }[] {
  const entry = `LAB_CHAOS_TAG=${TAG}${subtag}`;
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync("/proc")) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
      if (!env.some((e) => e === entry || (subtag === "" && e.startsWith(entry)))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").join(" ").trim();
      out.push({ pid, cmd });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

/** Poll until no tagged process (of subtag; "" = any) is left or maxMs passed; the strays left. */
export async function waitNoStrays(maxMs: number, subtag = ""): Promise<{ pid: number; cmd: string }[]> {
  const until = performance.now() + maxMs;
  let left = strays(subtag);
  while (left.length > 0 && performance.now() < until) {
    await sleep(100);
    left = strays(subtag);
  }
  return left;
}

export interface ChaosServer extends Child {
  url: string;
  host: string;
  port: number;
  /** SIGTERM to the primary (graceful drain), SIGKILL of the group after graceMs */
  stop: (graceMs?: number) => Promise<Exit>;
}

export interface ServerSpec {
  workers: number;
  stubMs?: number;
  /** soft and hard RLIMIT_NOFILE for the server (default: our hard limit) */
  nofile?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Spawn server/main.ts (argv as given) under `ulimit -n`, without waiting for it. */
export function spawnLabServer(
  args: string[],
  nofile?: number,
  env: NodeJS.ProcessEnv = {},
  subtag = "",
): Child {
  // NOTE: `ulimit -n N` sets soft and hard; node raises its soft limit to the hard one at start, so a
  // lower soft limit alone would be undone.
  const limit = nofile === undefined ? `"$(ulimit -Hn)"` : String(Math.floor(nofile));
  const cmd = `ulimit -n ${limit} && exec "${process.execPath}" --import tsx server/main.ts "$@"`;
  return spawnTagged("bash", ["-c", cmd, "server", ...args], env, subtag);
}

/** Start the lab server and wait for its ready line. */
export async function startLabServer(spec: ServerSpec, readyTimeoutMs = 20_000): Promise<ChaosServer> {
  const host = "127.0.0.1";
  const port = await freePort(host);
  const args = ["--workers", String(spec.workers), "--stub-ms", String(spec.stubMs ?? 200)];
  const c = spawnLabServer(
    [...args, "--host", host, "--port", String(port), ...(spec.args ?? [])],
    spec.nofile,
    spec.env,
  );
  const until = performance.now() + readyTimeoutMs;
  while (!/^ready: /m.test(c.output())) {
    if (c.exitedAt() !== null || performance.now() > until) {
      c.signalGroup("SIGKILL");
      throw new Error(`server not ready: ${c.output().trim().split("\n").slice(-2).join(" | ")}`);
    }
    await sleep(20);
  }
  const stop = async (graceMs = 10_000): Promise<Exit> => {
    if (c.exitedAt() === null) c.signalGroup("SIGTERM");
    const t = setTimeout(() => c.signalGroup("SIGKILL"), graceMs);
    const e = await c.exited;
    clearTimeout(t);
    c.signalGroup("SIGKILL"); // NOTE: a worker may outlive a primary that died first
    return e;
  };
  return { ...c, url: `http://${host}:${port}`, host, port, stop };
}
