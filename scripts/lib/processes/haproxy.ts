// Debian's HAProxy run by the lab: its binary, the config checked (-c), started in the foreground, its stats socket, stopped.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { sh } from "../core/shell.ts";
import { nofileLimits } from "../machine/limits.ts";
import { cpuTimeUs } from "../machine/proc.ts";
import { type Exit, type GroupChild, spawnGroup } from "./group.ts";
import { BACKEND, type HaproxySpec, haproxyLimits, renderHaproxyConfig } from "./haproxy-config.ts";
import { type HaproxyInfo, parseShowInfo, parseShowStat, type StatRow } from "./haproxy-stats.ts";

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

// NOTE: one command per connection (HAProxy's non-interactive mode): it answers and closes. The command is
// written without a half-close, which could end the session before the answer.
/** Send one command to the stats socket; its whole answer. */
export function haproxyCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = "";
    const timer = setTimeout(
      () => c.destroy(new Error(`${socket}: no answer to "${command}" in ${timeoutMs} ms`)),
      timeoutMs,
    );
    c.setEncoding("utf8");
    c.on("connect", () => c.write(`${command}\n`));
    c.on("data", (d: string) => {
      out += d;
    });
    c.on("close", (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(out);
    });
    c.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

export interface HaproxyStart {
  /** everything but the stats socket, which lives in dir */
  config: Omit<HaproxySpec, "statsSocket">;
  /** a lab-private directory (created here, 0700, removed by stop): the rendered config and the stats socket */
  dir: string;
  /** argv before haproxy: where it runs (ip netns exec NS taskset -c L …); none = here */
  prefix?: string[];
  bin?: string;
  readyTimeoutMs?: number;
}

/** What the stats socket answers: any command, `show stat` and `show info` typed, a server in or out of rotation. */
export interface HaproxyClient {
  command: (cmd: string) => Promise<string>;
  stat: () => Promise<StatRow[]>;
  info: () => Promise<HaproxyInfo>;
  /** take a backend server out of rotation (MAINT) or put it back: `disable|enable server servers/<name>` */
  setServer: (name: string, state: "enable" | "disable") => Promise<void>;
}

/** The client of a stats socket here (a forwarded one too: the LB over ssh). */
export function haproxyClient(socket: string): HaproxyClient {
  const command = (cmd: string): Promise<string> => haproxyCommand(socket, cmd);
  return {
    command,
    stat: async () => parseShowStat(await command("show stat")),
    info: async () => parseShowInfo(await command("show info")),
    setServer: async (name, state) => {
      const out = (await command(`${state} server ${BACKEND}/${name}`)).trim();
      if (out !== "") throw new Error(`haproxy: ${state} server ${BACKEND}/${name}: ${out}`);
    },
  };
}

export interface RunningHaproxy extends HaproxyClient {
  child: GroupChild;
  /** haproxy's own pid (ip netns exec, taskset and the wrapper all exec) */
  pid: number;
  version: string;
  configPath: string;
  socket: string;
  /** its CPU time so far (µs), null once gone */
  cpuUs: () => number | null;
  /** SIGTERM (HAProxy's hard stop: every session closed at once), SIGKILL after graceMs; the dir removed */
  stop: (graceMs?: number) => Promise<Exit>;
}

// NOTE: HAProxy raises its own nofile limit to what maxconn needs and refuses to start above the hard limit
// (measured: maxconn 15000 → "Cannot raise FD limit to 30028, limit is 20000"): one LB process here holds
// ≈ 9,500 client connections; 20,000 need ≥ 3 HAProxy processes (they share the port: SO_REUSEPORT).
/** Refuse a spec whose fds would pass the hard nofile limit (this process's, or an LB host's over ssh). */
export function checkFdBudget(
  spec: { connections: number; servers: readonly unknown[] },
  hard = nofileLimits("self").hard,
): void {
  const need = haproxyLimits(spec.connections, spec.servers.length).fdNeed;
  if (need > hard) {
    throw new InvalidRun(
      `HAProxy holds a client and a server socket per connection: ${spec.connections} connections need ≈ ${need} fds, above the hard nofile limit ${hard} — run fewer connections per LB (≈ ${Math.floor((hard - spec.servers.length - 32) / 2.1)} at most)`,
    );
  }
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

export async function startHaproxy(s: HaproxyStart): Promise<RunningHaproxy> {
  const bin = s.bin ?? haproxyPath();
  const version = await requireHaproxy(bin);
  checkFdBudget(s.config);
  mkdirSync(s.dir, { recursive: true, mode: 0o700 });
  const socket = join(s.dir, "stats.sock");
  const configPath = join(s.dir, "haproxy.cfg");
  const removeDir = (): void => rmSync(s.dir, { recursive: true, force: true });
  let child: GroupChild | null = null;
  try {
    writeFileSync(configPath, renderHaproxyConfig({ ...s.config, statsSocket: socket }), { mode: 0o600 });
    await checkHaproxyConfig(bin, configPath);
    // NOTE: -db: foreground, no daemon, no master process; HAProxy is the group leader the lab signals.
    child = spawnGroup([...(s.prefix ?? []), bin, "-db", "-f", configPath]);
    await waitForSocket(child, socket, s.readyTimeoutMs ?? 10_000);
  } catch (e) {
    await child?.stop(1000);
    removeDir();
    throw e;
  }
  const c = child;
  return {
    ...{ child: c, pid: c.pid, version, configPath, socket },
    ...haproxyClient(socket),
    cpuUs: () => cpuTimeUs(c.pid),
    stop: async (graceMs = 3000) => {
      const e = await c.stop(graceMs);
      removeDir();
      return e;
    },
  };
}
