// Debian's sshd inside an emulated host: lab-made host key and config, listening only on the namespace address.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { InvalidRun } from "../core/cli.ts";
import { firstLine, must, run } from "../core/shell.ts";
import { ensureDir } from "./state.ts";
import { inNetns, type NsHost } from "./topology.ts";

export const SSHD = "/usr/sbin/sshd";
const INSTALL = "install it with make sshd (apt-get install -y openssh-server)";

export interface SshdInfo {
  host: string;
  pidFile: string;
  config: string;
  log: string;
  pid: number;
}

/** An ed25519 key pair at path (and path.pub), made once. */
export async function ensureKey(path: string, comment: string): Promise<string> {
  if (!existsSync(path)) {
    await must(
      ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
      "ssh-keygen",
      INSTALL,
    );
  }
  return path;
}

// NOTE: PAM off (no login session machinery inside a namespace; Debian's root entry "*" is not a locked
// account, so key login works); StrictModes stays on — the state dir is under /run, root-owned, 0700.
// MaxSessions/MaxStartups raised: every wrk shard, its stop and each copy is a session on one multiplexed
// connection, and the default of 10 would refuse the eleventh. Subsystem sftp: OpenSSH 9's scp speaks SFTP.
// NOTE: the server host allows local forwarding: the lab reads the server's unix admin socket through
// `ssh -O forward -L here.sock:there.sock`. OpenSSH 9.2 refuses that stream-local forward under
// `AllowTcpForwarding no` and under any `PermitOpen` (measured: "request was denied"), so it is `local` there;
// what it can reach from that namespace is the lab's /24 only. Client hosts keep every forwarding off.
function config(h: NsHost, dir: string, authorizedKeys: string, port: number): string {
  return [
    `# written by scripts/lib/placement/sshd.ts for emulated host ${h.name} (namespace ${h.ns})`,
    `ListenAddress ${h.address}:${port}`,
    `HostKey ${join(dir, "ssh_host_ed25519_key")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    "StrictModes yes",
    "X11Forwarding no",
    ...(h.role === "server"
      ? ["AllowTcpForwarding local", "AllowStreamLocalForwarding local"]
      : ["AllowTcpForwarding no"]),
    "AllowAgentForwarding no",
    "PermitTunnel no",
    "PrintMotd no",
    "PrintLastLog no",
    "UseDNS no",
    "MaxSessions 64",
    "MaxStartups 64:30:128",
    "ClientAliveInterval 15",
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

/** Start sshd in h's namespace (on h's CPUs, which every login inherits); returns once it listens. */
export async function startSshd(
  h: NsHost,
  stateDir: string,
  authorizedKeys: string,
  port: number,
): Promise<SshdInfo> {
  if (!existsSync(SSHD)) throw new InvalidRun(`${SSHD} is missing — ${INSTALL}`);
  // NOTE: sshd refuses to start without its privilege-separation dir; Debian's service would make it.
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const dir = ensureDir(join(stateDir, "hosts", h.name));
  await ensureKey(join(dir, "ssh_host_ed25519_key"), `labx host ${h.name}`);
  const cfg = join(dir, "sshd_config");
  const info: SshdInfo = {
    host: h.name,
    pidFile: join(dir, "sshd.pid"),
    config: cfg,
    log: join(dir, "sshd.log"),
    pid: 0,
  };
  writeFileSync(cfg, config(h, dir, authorizedKeys, port), { mode: 0o600 });
  rmSync(info.pidFile, { force: true });
  await must([SSHD, "-t", "-f", cfg], `sshd config check for ${h.name}`, `see ${cfg}`);
  // NOTE: sshd daemonizes: the command returns once it forked; the daemon stays in the namespace, so
  // `ip netns pids` (netnsCleanup) finds it even if the pid file is lost.
  const out = await run(inNetns(h.ns, [SSHD, "-f", cfg, "-E", info.log], h.cpus));
  if (!out.ok) throw new InvalidRun(`sshd in ${h.ns} did not start: ${firstLine(out)} — see ${info.log}`);
  for (let i = 0; i < 50; i++) {
    const pid = readPid(info.pidFile);
    if (pid !== null && (await listening(h, port))) return { ...info, pid };
    await sleep(100);
  }
  throw new InvalidRun(
    `sshd in ${h.ns} is not listening on ${h.address}:${port} after 5 s — see ${info.log}`,
  );
}

async function listening(h: NsHost, port: number): Promise<boolean> {
  const out = await run(inNetns(h.ns, ["ss", "-Hltn", `src ${h.address}:${port}`]));
  return out.ok && out.stdout.trim() !== "";
}

export function readPid(pidFile: string): number | null {
  try {
    const n = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

/** SIGTERM the sshd of a pid file (its sessions end with it: the namespace teardown kills what is left). */
// NOTE: only if that pid still is our sshd (its title names our config): a stale pid file must never make
// us signal whatever process reuses the number.
export function stopSshd(pidFile: string, config: string): void {
  const pid = readPid(pidFile);
  if (pid === null) return;
  let title = "";
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    // gone
  }
  rmSync(pidFile, { force: true });
  if (!title.includes("sshd") || !title.includes(config)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
}
