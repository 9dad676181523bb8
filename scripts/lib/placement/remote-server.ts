// The lab server on an inventory host over ssh: started killable, its admin socket forwarded here, ready by its stats.
import { randomBytes } from "node:crypto";
import { readFileSync, readlinkSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { fetchLabStats } from "../processes/lab-stats.ts";
import type { SshHost } from "./ssh.ts";
import type { RemoteProc } from "./ssh-remote.ts";

export interface RemoteServerSpec {
  address: string;
  port: number;
  workers: number;
  stubMs: number;
  /** the forwarded end of the admin socket, on this machine */
  localSock: string;
  readyTimeoutMs?: number;
  /** where and how it runs there; default: this checkout's path with this node (the fleet's hosts share this disk) */
  launch?: RemoteLaunch;
  /** the admin socket on the host; default: a fresh /tmp/labx-admin-*.sock */
  remoteSock?: string;
}

/** A server launched on a host: `cd dir && exec node ...entry --workers …`. */
export interface RemoteLaunch {
  dir: string;
  node: string;
  /** node's arguments before the server's options */
  entry: string[];
}

const HERE: RemoteLaunch = {
  dir: ROOT,
  node: process.execPath,
  entry: ["--import", "tsx", "server/main.ts"],
};

export interface RemoteServer {
  statsBase: string;
  proc: RemoteProc;
  output: () => string;
  stop: () => Promise<void>;
}

// NOTE: by default the server is started from this checkout's path with this node: on the fleet's emulated hosts
// that is the same disk and binary; a real server host then needs the lab checked out (and `make deps` run) at the
// same path. A fleet over ssh (fleet-ssh.ts) pushes a bundle instead and launches it from its run dir.
// `ulimit -n` to the hard limit first: a login over ssh gets sshd's soft limit, not what `make run` raises it to.
const LAUNCH = 'ulimit -n "$(ulimit -Hn)"; cd "$0" && exec "$@"';

/** Start it, forward the admin socket over the ssh master, and wait until every worker reports (bounded). */
export async function startRemoteServer(ssh: SshHost, s: RemoteServerSpec): Promise<RemoteServer> {
  const remoteSock = s.remoteSock ?? `/tmp/labx-admin-${randomBytes(6).toString("hex")}.sock`;
  const l = s.launch ?? HERE;
  const argv = [
    ...["sh", "-c", LAUNCH, l.dir, l.node, ...l.entry],
    ...["--workers", String(s.workers), "--stub-ms", String(s.stubMs), "--host", s.address],
    ...["--port", String(s.port), "--admin-socket", remoteSock],
  ];
  await ssh.connect();
  const proc = ssh.start(argv);
  // NOTE: `ssh -O forward -L local.sock:remote.sock` asks the control master (which the server's own session
  // keeps alive past ControlPersist) to listen on local.sock here and connect to remote.sock there per request;
  // the master lives in the inventory's controlNetns, but a unix socket is a file: this namespace reaches it.
  const fwd = [`-L`, `${s.localSock}:${remoteSock}`];
  let forwarded = false;
  const stop = async (): Promise<void> => {
    await proc.stop(10_000); // SIGTERM: the server drains and removes its socket
    if (forwarded) await ssh.control("cancel", fwd).catch(() => undefined);
    rmSync(s.localSock, { force: true });
    await ssh.run(["rm", "-f", remoteSock], { timeoutMs: 10_000 }).catch(() => undefined);
  };
  try {
    await ssh.control("forward", fwd);
    forwarded = true;
    await waitReady(ssh.spec.name, proc, `unix:${s.localSock}`, s.workers, s.readyTimeoutMs ?? 30_000);
  } catch (e) {
    await stop();
    throw e;
  }
  return { statsBase: `unix:${s.localSock}`, proc, output: proc.output, stop };
}

async function waitReady(host: string, proc: RemoteProc, base: string, workers: number, ms: number) {
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (exited) {
      const tail = proc.output().trim().split("\n").slice(-2).join(" | ");
      throw new InvalidRun(`the server on host ${host} exited before ready: ${tail}`);
    }
    const st = await fetchLabStats(base, 1000).catch(() => null);
    if (st && st.workers === workers) return;
    await sleep(200);
  }
  throw new InvalidRun(
    `the server on host ${host} was not ready after ${ms} ms (${workers} workers): ${proc.output().trim().split("\n").slice(-1)[0] ?? ""}`,
  );
}

const localId = (): string => {
  try {
    return `${readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim()} ${readlinkSync("/proc/self/ns/pid")}`;
  } catch {
    return "unknown";
  }
};

// NOTE: the fleet's hosts share this kernel and pid namespace (docs/placement.md): their pids are ours and the
// /proc samplers work. A real host's pid 1234 is some other process here — its CPU is then unknown, not 0.
/** Whether a pid on the host is the same process in this machine's /proc: same boot id and pid namespace. */
export async function sharesPids(ssh: SshHost): Promise<boolean> {
  const line = 'cat /proc/sys/kernel/random/boot_id; readlink /proc/self/ns/pid || echo "$$"';
  const out = await ssh.runOk(["sh", "-c", line], "reading the boot id", { timeoutMs: 15_000 });
  return out.trim().split("\n").join(" ") === localId();
}
