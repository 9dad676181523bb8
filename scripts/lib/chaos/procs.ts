// Chaos child processes: tagged spawns (the lab server, drivers), stray detection, cleanup.
import { readdirSync, readFileSync } from "node:fs";
import { sleep } from "../core/sleep.ts";
import { affinityOf, formatCpuList, tasksetPrefix } from "../placement/cpus.ts";
import { type GroupChild, liveGroups, spawnGroup } from "../processes/group.ts";
import { type RunningServer, spawnServer, startServer } from "../processes/server.ts";
import type { ChaosContext } from "./scenario.ts";

// NOTE: every child carries LAB_CHAOS_TAG in its environment, and children inherit it (wrk, server
// workers), so "no stray process" is an exact scan of /proc/*/environ — other engineers' wrk and servers
// on this machine never count.
export const TAG = `${process.pid}-${Date.now()}`;

export type Child = GroupChild;

function tagged(env: NodeJS.ProcessEnv, subtag = ""): NodeJS.ProcessEnv {
  return { ...env, LAB_CHAOS_TAG: `${TAG}${subtag}` };
}

/** Spawn a tagged child as the leader of its own process group; it is SIGKILLed if we exit first. */
export function spawnTagged(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, subtag = ""): Child {
  return spawnGroup([cmd, ...args], { env: tagged(env, subtag) });
}

/** Stop every child group (SIGTERM to each, SIGKILL after graceMs), then any tagged stray by pid. */
// NOTE: in a chaos process every group is a tagged chaos child, so processes/group.ts's live set is this one's.
export async function killAll(graceMs = 3000): Promise<void> {
  const all = liveGroups();
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
  /** the placement's server CPUs (ChaosContext.serverCpus); null: it floats (shared) */
  cpus: number[] | null;
}

/** Spawn server/main.ts (argv as given) with a chosen nofile, tagged, without waiting for it. */
export function spawnLabServer(
  args: string[],
  cpus: number[] | null,
  nofile?: number,
  env: NodeJS.ProcessEnv = {},
  subtag = "",
): Child {
  return spawnServer(args, tagged(env, subtag), nofile, tasksetPrefix(cpus));
}

/** Start the lab server (tagged) on loopback and wait for its ready line: processes/server.ts's startServer. */
// NOTE: the pinning is read back from /proc (Cpus_allowed_list): a server not where the placement put it
// would make a CPU figure of the scenario mean something else, so that is an error, not a note.
export async function startLabServer(spec: ServerSpec, readyTimeoutMs = 20_000): Promise<ChaosServer> {
  const { cpus, ...rest } = spec;
  const srv = await startServer({
    ...rest,
    prefix: tasksetPrefix(cpus),
    env: tagged(spec.env ?? {}),
    readyTimeoutMs,
  });
  const got = affinityOf(srv.proc.pid ?? 0);
  if (cpus && got && formatCpuList(got) !== formatCpuList(cpus)) {
    await srv.stop();
    throw new Error(
      `chaos server pinned to CPUs ${formatCpuList(got)}, the placement says ${formatCpuList(cpus)}`,
    );
  }
  return srv;
}

/**
 * A scenario's lab server (2 workers unless given) on the placement's server CPUs, stopped however fn ends.
 * `place`: the ChaosContext, or just its serverCpus where a scenario runs several servers of its own.
 */
export async function withLabServer<R>(
  place: Pick<ChaosContext, "serverCpus">,
  spec: Partial<Omit<ServerSpec, "cpus">>,
  fn: (srv: ChaosServer) => Promise<R>,
): Promise<R> {
  const srv = await startLabServer({ workers: 2, ...spec, cpus: place.serverCpus });
  try {
    return await fn(srv);
  } finally {
    await srv.stop();
  }
}
