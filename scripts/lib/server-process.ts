// Start the lab server as a child (soft nofile raised), wait for its ready line, stop it without strays.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { killGroup, trackGroup } from "./process-group.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface ServerSpec {
  workers?: number;
  stubMs?: number;
  port?: number;
  host?: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  pid: number;
  proc: ChildProcess;
  /** stdout + stderr so far */
  output: () => string;
  exited: Promise<Exit>;
  /** SIGTERM (graceful drain) then SIGKILL of the whole group after graceMs. */
  stop: (graceMs?: number) => Promise<Exit>;
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

/** Spawn the server (argv exactly as given, for option tests) and collect its exit. */
export function spawnServer(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { proc: ChildProcess; exited: Promise<Exit>; output: () => string } {
  const cmd = `ulimit -n "$(ulimit -Hn)" && exec "${process.execPath}" --import tsx server/main.ts "$@"`;
  const proc = spawn("bash", ["-c", cmd, "server", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackGroup(proc);
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<Exit>(
    (resolve) => proc.on("exit", (code, signal) => resolve({ code, signal })), // trackGroup kills the rest of the group
  );
  return { proc, exited, output: () => out };
}

export async function startServer(spec: ServerSpec = {}): Promise<RunningServer> {
  const host = spec.host ?? "127.0.0.1";
  const port = spec.port ?? (await freePort(host));
  const args = [
    ...["--workers", String(spec.workers ?? 1), "--stub-ms", String(spec.stubMs ?? 200)],
    ...["--host", host, "--port", String(port), ...(spec.args ?? [])],
  ];
  const { proc, exited, output } = spawnServer(args, spec.env);
  const timeoutMs = spec.readyTimeoutMs ?? 20_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(proc, "SIGKILL");
      reject(new Error(`server not ready after ${timeoutMs} ms:\n${output()}`));
    }, timeoutMs);
    const onData = (): void => {
      if (/^ready: /m.test(output())) {
        clearTimeout(timer);
        proc.stdout?.off("data", onData);
        resolve();
      }
    };
    proc.stdout?.on("data", onData);
    exited.then((e) => {
      clearTimeout(timer);
      reject(
        new Error(`server exited before ready (code ${e.code}, signal ${e.signal}):\n${output().trim()}`),
      );
    });
  });
  const stop = async (graceMs = 10_000): Promise<Exit> => {
    if (proc.exitCode === null && proc.signalCode === null) killGroup(proc, "SIGTERM");
    const t = setTimeout(() => killGroup(proc, "SIGKILL"), graceMs);
    const e = await exited;
    clearTimeout(t);
    return e;
  };
  const hostInUrl = host.includes(":") ? `[${host}]` : host;
  return { url: `http://${hostInUrl}:${port}`, host, port, pid: proc.pid ?? 0, proc, output, exited, stop };
}
