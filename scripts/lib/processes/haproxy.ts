// Debian's HAProxy run by the lab: its binary, the config checked (-c), its processes started in the foreground, stopped.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { settleAll } from "../core/settle.ts";
import { sh } from "../core/shell.ts";
import { cpuTimeUs } from "../machine/proc.ts";
import { type Exit, type GroupChild, spawnGroup } from "./group.ts";
import { type HaproxyClient, haproxyClient, haproxyCommand } from "./haproxy-client.ts";
import { type HaproxySpec, renderHaproxyConfig } from "./haproxy-config.ts";
import { checkFdBudget, shareOf } from "./haproxy-fds.ts";

/** Where haproxy/get.sh unpacks Debian's package (a wrapper that finds its libraries). */
export const LAB_HAPROXY = join(ROOT, "haproxy/build/bin/haproxy");

/** HAPROXY=<path> (e.g. /usr/sbin/haproxy), else the lab's unpacked copy. */
export function haproxyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.HAPROXY || LAB_HAPROXY;
}

/** "2.6.12-1+deb12u4" from what `haproxy -v` printed; null when it is not HAProxy's banner. */
export const haproxyVersionOf = (text: string): string | null =>
  /^HAProxy version (\S+)/m.exec(text)?.[1] ?? null;

/** "2.6.12-1+deb12u4" from `haproxy -v`, or a one-line InvalidRun naming the fix. */
export async function requireHaproxy(bin = haproxyPath()): Promise<string> {
  const o = await sh`${bin} -v`;
  const v = haproxyVersionOf(o.stdout);
  if (o.ok && v) return v;
  throw new InvalidRun(
    `HAProxy is not there (${bin}) — run \`make deps\` (haproxy/get.sh) or set HAPROXY=<path>`,
  );
}

/** What `haproxy -c` said against a config: its first alert (or first line), without the "[ALERT] (pid) :". */
export function firstAlert(output: string, exitCode: number | null): string {
  const out = output.split("\n");
  const alert =
    out.find((l) => l.startsWith("[ALERT]")) ?? out.find((l) => l.trim() !== "") ?? `exit ${exitCode}`;
  return alert.replace(/^\[ALERT\]\s+\(\d+\)\s*:\s*/, "").trim();
}

/** `haproxy -c`: a config HAProxy refuses is an InvalidRun with its first alert. */
export async function checkHaproxyConfig(bin: string, configPath: string): Promise<void> {
  const o = await sh`${bin} -c -f ${configPath}`;
  if (o.ok) return;
  const why = firstAlert(o.stdall, o.exitCode);
  throw new InvalidRun(`haproxy -c refused ${configPath}: ${why} — fix configs/haproxy/ or the spec`);
}

export interface HaproxyStart {
  /** everything but the stats socket, which lives in dir; connections are the whole LB's, shared by its processes */
  config: Omit<HaproxySpec, "statsSocket">;
  /** HAProxy processes sharing the port (SO_REUSEPORT), each with its own stats socket and fds (1) */
  processes?: number;
  /** a lab-private directory (created here, 0700, removed by stop): the rendered config and the stats socket */
  dir: string;
  /** argv before haproxy: where it runs (ip netns exec NS taskset -c L …); none = here */
  prefix?: string[];
  bin?: string;
  readyTimeoutMs?: number;
}

export interface RunningHaproxy extends HaproxyClient {
  /** the first process's pid (ip netns exec, taskset and the wrapper all exec) */
  pid: number;
  /** every process's pid, the first's first */
  pids: number[];
  version: string;
  /** the first process's config (the others differ in their stats socket only) */
  configPath: string;
  /** every process's stats socket */
  sockets: string[];
  /** the processes' CPU time so far (µs), summed; null once all are gone */
  cpuUs: () => number | null;
  /** SIGTERM to every process (HAProxy's hard stop: every session closed at once), SIGKILL after graceMs; the dir removed */
  stop: (graceMs?: number) => Promise<Exit>;
}

async function waitForSocket(child: GroupChild, socket: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  while (performance.now() < until && !exited) {
    try {
      if (/^Pid:/m.test(await haproxyCommand(socket, "show info", 500))) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const why = exited ? "exited" : `did not answer on ${socket} in ${timeoutMs} ms`;
  child.signalGroup("SIGKILL");
  throw new Error(`haproxy ${why}:\n${child.output().trim()}`);
}

// NOTE: HAProxy binds with SO_REUSEPORT on Linux (unless noreuseport): k processes on one address:port each
// accept a share of the connections, spread by the kernel's hash of each connection's addresses and ports. The
// shares are not exact: each process is sized for shareOf's share + 4 σ (processes/haproxy-fds.ts).
/** One process: its config (its own stats socket) checked, started in the foreground, until its socket answers. */
async function startOne(
  s: HaproxyStart,
  bin: string,
  i: number,
): Promise<{ child: GroupChild; socket: string; configPath: string }> {
  const socket = join(s.dir, `stats-${i}.sock`);
  const configPath = join(s.dir, `haproxy-${i}.cfg`);
  const connections = shareOf(s.config.connections, s.processes ?? 1);
  writeFileSync(configPath, renderHaproxyConfig({ ...s.config, connections, statsSocket: socket }), {
    mode: 0o600,
  });
  await checkHaproxyConfig(bin, configPath);
  // NOTE: -db: foreground, no daemon, no master process; HAProxy is the group leader the lab signals.
  const child = spawnGroup([...(s.prefix ?? []), bin, "-db", "-f", configPath]);
  try {
    await waitForSocket(child, socket, s.readyTimeoutMs ?? 10_000);
  } catch (e) {
    await child.stop(1000);
    throw e;
  }
  return { child, socket, configPath };
}

export async function startHaproxy(s: HaproxyStart): Promise<RunningHaproxy> {
  const bin = s.bin ?? haproxyPath();
  const version = await requireHaproxy(bin);
  const k = s.processes ?? 1;
  if (!Number.isInteger(k) || k < 1)
    throw new InvalidRun(`haproxy: processes must be an integer ≥ 1, got ${k}`);
  checkFdBudget(s.config, undefined, k);
  mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  const started: Awaited<ReturnType<typeof startOne>>[] = [];
  const stopAll = async (graceMs: number): Promise<Exit> => {
    try {
      return (await settleAll(started.map((p) => p.child.stop(graceMs))))[0] as Exit;
    } finally {
      rmSync(s.dir, { recursive: true, force: true });
    }
  };
  try {
    for (let i = 0; i < k; i++) started.push(await startOne(s, bin, i));
  } catch (e) {
    await stopAll(1000);
    throw e;
  }
  const pids = started.map((p) => p.child.pid);
  const sockets = started.map((p) => p.socket);
  const cpuUs = (): number | null => {
    const each = pids.map(cpuTimeUs).filter((x): x is number => x !== null);
    return each.length ? each.reduce((a, x) => a + x, 0) : null;
  };
  return {
    ...{
      pid: pids[0] as number,
      pids,
      version,
      configPath: (started[0] as (typeof started)[0]).configPath,
      sockets,
    },
    ...haproxyClient(sockets),
    cpuUs,
    stop: (graceMs = 3000) => stopAll(graceMs),
  };
}
