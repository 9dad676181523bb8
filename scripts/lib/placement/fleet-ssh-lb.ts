// HAProxy on a fleet's LB host over ssh: its rendered config pushed on stdin, checked (-c), started (-db), its stats socket forwarded here.
import { rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidRun } from "../core/cli.ts";
import { firstAlert, type HaproxyStart } from "../processes/haproxy.ts";
import { type HaproxyClient, haproxyClient, haproxyCommand } from "../processes/haproxy-client.ts";
import { renderHaproxyConfig } from "../processes/haproxy-config.ts";
import type { LbHost } from "./inventory.ts";
import type { SshHost } from "./ssh.ts";

export interface SshLbSpec {
  ssh: SshHost;
  host: LbHost;
  /** the run dir on the LB host (made by the caller): haproxy.cfg and stats.sock go there */
  runDir: string;
  config: HaproxyStart["config"];
  /** where the stats socket is forwarded to, on this machine */
  localSock: string;
  readyTimeoutMs?: number;
}

export interface SshLb extends HaproxyClient {
  version: string;
  /** haproxy's pid on the LB host */
  pid: number;
  /** the forwarded stats socket, here */
  socket: string;
  output: () => string;
  /** SIGTERM there (HAProxy's hard stop), SIGKILL after 5 s, the forward cancelled */
  stop: () => Promise<void>;
}

/** Write the config there through ssh's stdin (0600), then `haproxy -c` it there: a refusal is one line. */
async function pushConfig(s: SshLbSpec, configPath: string, socket: string): Promise<void> {
  const text = renderHaproxyConfig({ ...s.config, statsSocket: socket });
  await s.ssh.runOk(["sh", "-c", 'umask 077 && cat > "$1"', "labx-cfg", configPath], "writing haproxy.cfg", {
    input: text,
    timeoutMs: 20_000,
  });
  const c = await s.ssh.run([s.host.haproxy, "-c", "-f", configPath], { timeoutMs: 20_000 });
  if (!c.ok) {
    const why = firstAlert(`${c.stderr}\n${c.stdout}`, c.exitCode);
    throw new InvalidRun(
      `haproxy -c on host ${s.host.name} refused ${configPath}: ${why} — fix configs/haproxy/ or the spec`,
    );
  }
}

/** Start it and wait (bounded) until its stats socket answers here; on any failure it is stopped again. */
export async function startSshLb(s: SshLbSpec): Promise<SshLb> {
  const [configPath, socket] = [`${s.runDir}/haproxy.cfg`, `${s.runDir}/stats.sock`];
  await pushConfig(s, configPath, socket);
  // NOTE: `cd` into the run dir first: the teardown's sweep (fleet-ssh-sweep.ts) knows the lab's processes there
  // by their working directory. -db: foreground, no master process: the pid the wrapper signals is HAProxy's.
  const proc = s.ssh.start([
    "sh",
    "-c",
    'cd "$0" && exec "$@"',
    s.runDir,
    s.host.haproxy,
    "-db",
    "-f",
    configPath,
  ]);
  const fwd = ["-L", `${s.localSock}:${socket}`];
  let forwarded = false;
  const stop = async (): Promise<void> => {
    await proc.stop(5000);
    if (forwarded) await s.ssh.control("cancel", fwd).catch(() => undefined);
    rmSync(s.localSock, { force: true });
  };
  try {
    await s.ssh.control("forward", fwd);
    forwarded = true;
    const client = haproxyClient(s.localSock);
    const info = await waitReady(s, proc.exited, proc.output);
    return {
      ...client,
      version: info.version,
      pid: info.pid,
      socket: s.localSock,
      output: proc.output,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitReady(
  s: SshLbSpec,
  exited: Promise<unknown>,
  output: () => string,
): Promise<{ version: string; pid: number }> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const ms = s.readyTimeoutMs ?? 15_000;
  const until = performance.now() + ms;
  while (performance.now() < until && !gone) {
    const text = await haproxyCommand(s.localSock, "show info", 500).catch(() => "");
    const pid = /^Pid: (\d+)/m.exec(text)?.[1];
    if (pid) return { version: /^Version: (\S+)/m.exec(text)?.[1] ?? "", pid: Number(pid) };
    await sleep(100);
  }
  const why = gone ? "exited" : `did not answer on its stats socket in ${ms} ms`;
  throw new InvalidRun(`HAProxy on host ${s.host.name} ${why}: ${firstAlert(output(), null)}`);
}
