// OpenSSH transport to one host: run a command, copy files there and back, a killable long-running command, close.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { ProcessOutput } from "zx";
import { InvalidRun } from "../core/cli.ts";
import { firstLine, type RunOpts, run } from "../core/shell.ts";
import { type RemoteProc, startRemote } from "./ssh-remote.ts";

export interface SshSpec {
  /** inventory name, for messages */
  name: string;
  /** user@address */
  target: string;
  port: number;
  /** private key file */
  key: string;
  /** namespace to run ssh/scp from (emulated hosts are reachable only from inside the lab's namespaces) */
  via: string | null;
  /** holds the control sockets and known_hosts */
  stateDir: string;
}

/** POSIX single-quoting, for the remote shell (which may be dash: no $'…'). */
export const shq = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** One remote command line from an argv, every word quoted. */
export const remoteLine = (argv: string[]): string => argv.map(shq).join(" ");

export class SshHost {
  constructor(readonly spec: SshSpec) {}

  // NOTE: ControlMaster=auto + ControlPersist: the first call leaves a master connection that later calls
  // (runs, copies, a shard's stop) reuse — no handshake each time. It lives in `via`'s namespace, exits after
  // 60 s idle, and close() ends it at once. %C (a hash) keeps the socket path short enough for a unix socket.
  options(): string[] {
    const d = this.spec.stateDir;
    const o = [
      "BatchMode=yes",
      "ControlMaster=auto",
      `ControlPath=${join(d, "cm-%C")}`,
      "ControlPersist=60",
      "StrictHostKeyChecking=accept-new",
      `UserKnownHostsFile=${join(d, "known_hosts")}`,
      "ConnectTimeout=5",
      "ServerAliveInterval=5",
      "ServerAliveCountMax=3",
      "IdentitiesOnly=yes",
      "LogLevel=ERROR",
    ];
    return [...o.flatMap((x) => ["-o", x]), "-i", this.spec.key];
  }

  private wrap(argv: string[]): string[] {
    return this.spec.via ? ["ip", "netns", "exec", this.spec.via, ...argv] : argv;
  }

  /** The full local argv that runs remoteArgv on the host. */
  sshArgv(remoteArgv: string[], sshFlags: string[] = []): string[] {
    const p = ["-p", String(this.spec.port)];
    return this.wrap([
      "ssh",
      ...this.options(),
      ...p,
      ...sshFlags,
      this.spec.target,
      "--",
      remoteLine(remoteArgv),
    ]);
  }

  /** Open (or reuse) the connection; an unreachable host or a refused key → InvalidRun naming host and fix. */
  async connect(timeoutMs = 15_000): Promise<void> {
    const out = await run(this.sshArgv(["true"], ["-n"]), { timeoutMs });
    if (!out.ok) throw this.unreachable(out);
  }

  unreachable(out: ProcessOutput): InvalidRun {
    const { name, target, port, key } = this.spec;
    const why = out.exitCode === null ? `no answer within the timeout (${out.signal})` : firstLine(out);
    return new InvalidRun(
      `host ${name} (${target} port ${port}) is unreachable over ssh: ${why} — check its ssh target and address ` +
        `in the inventory, that sshd runs there and accepts the key ${key} (emulated hosts: make fleet-up)`,
    );
  }

  /** Run argv on the host; the output whatever the exit code. ssh's own failure (255) → InvalidRun. */
  // NOTE: ssh reports its own failures as exit 255, which a remote command could also return: the lab's
  // remote commands (wrk, sh probes, cat, rm) never do, so 255 is read as "host unreachable".
  async run(argv: string[], opts: RunOpts = {}): Promise<ProcessOutput> {
    const out = await run(this.sshArgv(argv, opts.input === undefined ? ["-n"] : []), opts);
    if (out.exitCode === 255 || (out.exitCode === null && !opts.signal?.aborted)) throw this.unreachable(out);
    return out;
  }

  /** stdout of argv, which must exit 0 on the host. */
  async runOk(argv: string[], what: string, opts: RunOpts = {}): Promise<string> {
    const out = await this.run(argv, opts);
    if (!out.ok) throw new InvalidRun(`${what} on host ${this.spec.name} failed: ${firstLine(out)}`);
    return out.stdout;
  }

  private scpArgv(from: string[], to: string): string[] {
    return this.wrap(["scp", "-q", "-p", ...this.options(), "-P", String(this.spec.port), ...from, to]);
  }

  private async scp(argv: string[], what: string, timeoutMs = 60_000): Promise<void> {
    const out = await run(argv, { timeoutMs });
    if (out.exitCode === 255 && /connect|resolve|Permission denied|timed out/i.test(out.stderr))
      throw this.unreachable(out);
    if (!out.ok) throw new InvalidRun(`${what} (host ${this.spec.name}) failed: ${firstLine(out)}`);
  }

  /** Copy local files into remoteDir (which must exist) on the host. */
  copyTo(localPaths: string[], remoteDir: string): Promise<void> {
    return this.scp(
      this.scpArgv(localPaths, `${this.spec.target}:${remoteDir}`),
      `copying ${localPaths.join(", ")}`,
    );
  }

  /** Fetch one remote file to localPath. */
  fetch(remotePath: string, localPath: string): Promise<void> {
    return this.scp(this.scpArgv([`${this.spec.target}:${remotePath}`], localPath), `fetching ${remotePath}`);
  }

  /** Start a long-running argv (a wrk shard) that stop() really ends on the host. */
  start(argv: string[], opts: { timeoutMs?: number } = {}): RemoteProc {
    const pidFile = `/tmp/labx-remote-${randomBytes(6).toString("hex")}.pid`;
    return startRemote(this, argv, pidFile, opts.timeoutMs);
  }

  /** A control request to the master (`ssh -O forward -L a:b`, `-O cancel …`); the master must be open. */
  async control(op: "forward" | "cancel", flags: string[]): Promise<void> {
    const argv = [
      "ssh",
      ...this.options(),
      "-p",
      String(this.spec.port),
      "-O",
      op,
      ...flags,
      this.spec.target,
    ];
    const out = await run(this.wrap(argv), { timeoutMs: 10_000 });
    // NOTE: the lab reads the server's and HAProxy's stats through these forwards (nothing to install there).
    const hint =
      op === "forward" ? " — its sshd must allow it (AllowStreamLocalForwarding, on by default)" : "";
    if (!out.ok)
      throw new InvalidRun(`ssh -O ${op} on host ${this.spec.name} failed: ${firstLine(out)}${hint}`);
  }

  /** End the master connection (ssh -O exit); fine when none is open. */
  async close(): Promise<void> {
    await run(
      this.wrap(["ssh", ...this.options(), "-p", String(this.spec.port), "-O", "exit", this.spec.target]),
      {
        timeoutMs: 10_000,
      },
    );
  }
}
