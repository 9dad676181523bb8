// Chaos child processes: tagged spawns (server with a chosen nofile, drivers), stray detection, cleanup.
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "../load/live.ts";
import { type GroupChild, spawnGroup } from "../processes/group.ts";
import { freePort, type RunningServer, waitForReady } from "../processes/server.ts";

// NOTE: every child carries LAB_CHAOS_TAG in its environment, and children inherit it (wrk, server
// workers), so "no stray process" is an exact scan of /proc/*/environ — other engineers' wrk and servers
// on this machine never count.
export const TAG = `${process.pid}-${Date.now()}`;

export type Child = GroupChild;

const live = new Set<Child>();

/** Spawn a tagged child as the leader of its own process group; it is SIGKILLed if we exit first. */
export function spawnTagged(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  subtag = "",
  nofile?: number,
): Child {
  const child = spawnGroup([cmd, ...args], { env: { ...env, LAB_CHAOS_TAG: `${TAG}${subtag}` }, nofile });
  live.add(child);
  child.exited.then(() => live.delete(child));
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

export type ChaosServer = RunningServer;

export interface ServerSpec {
  workers: number;
  stubMs?: number;
  /** soft and hard RLIMIT_NOFILE for the server (default: our hard limit) */
  nofile?: number;
  args?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Spawn server/main.ts (argv as given) with a chosen nofile, tagged, without waiting for it. */
export function spawnLabServer(
  args: string[],
  nofile?: number,
  env: NodeJS.ProcessEnv = {},
  subtag = "",
): Child {
  return spawnTagged(process.execPath, ["--import", "tsx", "server/main.ts", ...args], env, subtag, nofile);
}

/** Start the lab server (tagged) and wait for its ready line. */
export async function startLabServer(spec: ServerSpec, readyTimeoutMs = 20_000): Promise<ChaosServer> {
  const host = "127.0.0.1";
  const port = await freePort(host);
  const args = ["--workers", String(spec.workers), "--stub-ms", String(spec.stubMs ?? 200)];
  const c = spawnLabServer(
    [...args, "--host", host, "--port", String(port), ...(spec.args ?? [])],
    spec.nofile,
    spec.env,
  );
  await waitForReady(c, readyTimeoutMs);
  const url = `http://${host}:${port}`;
  return { ...c, url, host, port, statsBase: url };
}
