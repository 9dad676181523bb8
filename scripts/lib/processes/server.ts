// Start the lab server as a child (soft nofile raised), wait for its ready line, stop it without strays.
import { createServer } from "node:net";
import { type Exit, type GroupChild, type GroupSpec, spawnGroup } from "./group.ts";

export type { Exit };

export interface ServerSpec {
  workers?: number;
  stubMs?: number;
  port?: number;
  host?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** soft and hard RLIMIT_NOFILE (default: our hard limit) — chaos lowers it to exhaust a worker */
  nofile?: number;
  readyTimeoutMs?: number;
  /** argv before node: where the server runs (taskset -c 1, ip netns exec NS …); none = here, unpinned */
  prefix?: string[];
  /** the primary serves /__lab/stats on this unix socket (required for a host beyond loopback) */
  adminSocket?: string;
}

export interface RunningServer extends GroupChild {
  url: string;
  host: string;
  port: number;
  /** where the lab reads /__lab/stats (fetchLabStats): `unix:<adminSocket>` when given, else `url` */
  statsBase: string;
}

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

/** Spawn the server (argv exactly as given, for option tests) in its own process group. */
export function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nofile?: GroupSpec["nofile"],
  prefix: string[] = [],
): GroupChild {
  return spawnGroup([...prefix, process.execPath, "--import", "tsx", "server/main.ts", ...args], {
    env,
    nofile,
  });
}

/** Resolve on the primary's `ready:` line; reject (group killed) if it exits first or after timeoutMs. */
export function waitForReady(c: GroupChild, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      c.signalGroup("SIGKILL");
      reject(new Error(`server not ready after ${timeoutMs} ms:\n${c.output()}`));
    }, timeoutMs);
    const onData = (): void => {
      if (/^ready: /m.test(c.output())) {
        clearTimeout(timer);
        c.proc.stdout?.off("data", onData);
        resolve();
      }
    };
    c.proc.stdout?.on("data", onData);
    onData();
    c.exited.then((e) => {
      clearTimeout(timer);
      reject(
        new Error(`server exited before ready (code ${e.code}, signal ${e.signal}):\n${c.output().trim()}`),
      );
    });
  });
}

export async function startServer(spec: ServerSpec = {}): Promise<RunningServer> {
  const host = spec.host ?? "127.0.0.1";
  // NOTE: freePort probes this (root) namespace: a server started in another one (prefix) needs spec.port.
  const port = spec.port ?? (await freePort(host));
  const admin = spec.adminSocket ? ["--admin-socket", spec.adminSocket] : [];
  // NOTE: workers and the stub only when given: the server's own defaults are the catalogue's (core/option-catalogue.ts).
  const given = (flag: string, v: number | undefined) => (v === undefined ? [] : [flag, String(v)]);
  const args = [
    ...[...given("--workers", spec.workers), ...given("--stub-ms", spec.stubMs)],
    ...["--host", host, "--port", String(port), ...admin, ...(spec.args ?? [])],
  ];
  const c = spawnServer(args, spec.env, spec.nofile, spec.prefix);
  await waitForReady(c, spec.readyTimeoutMs ?? 20_000);
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  const url = `http://${hostInUrl}:${port}`;
  return { ...c, url, host, port, statsBase: spec.adminSocket ? `unix:${spec.adminSocket}` : url };
}
