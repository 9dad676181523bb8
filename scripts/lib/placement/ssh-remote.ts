// A long-running command over ssh that really stops on the host when we stop it (or die), not when it is done.
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessOutput, ProcessPromise } from "zx";
import { killQuietly, type RunOpts, sh } from "../core/shell.ts";

export interface RemoteProc {
  /** pid file of the remote command, on the host */
  pidFile: string;
  /** settles when the local ssh ends; the remote command's exit code is its exitCode */
  exited: Promise<ProcessOutput>;
  /** stdout + stderr so far */
  output: () => string;
  /** end it on the host: EOF (→ SIGTERM there), after graceMs SIGKILL by pid file; resolves when ssh ended */
  stop: (graceMs?: number) => Promise<ProcessOutput>;
}

// NOTE: why not just kill the local ssh: without a tty the remote command never hears of it — sshd gives it
// no signal, and wrk writes nothing until its -d ends, so it would not even get SIGPIPE; it ran on for the rest
// of its duration and took the next run's ports and CPU. `ssh -tt` would SIGHUP it, but mixes stderr into
// stdout and rewrites "\n" as "\r\n" in the report we parse. So the host runs the command under a small sh
// wrapper: the command in the background with its pid in a pid file, and a watcher that waits for EOF on the
// session's stdin and then SIGTERMs it. EOF comes when we end stdin, when the local ssh is killed (the master
// closes the channel), or when this process dies (nobody holds the pipe) — measured all three here. SIGTERM,
// not SIGINT: a background job of a non-interactive shell ignores SIGINT. The pid file is the fallback for a
// stuck channel: stop() SIGKILLs by it over a fresh session.
const WRAPPER = [
  "exec 3<&0 </dev/null",
  '"$@" & pid=$!',
  'echo $pid > "$PF"',
  '( cat <&3 >/dev/null 2>&1; [ -f "$PF" ] && kill -TERM $pid 2>/dev/null ) >/dev/null 2>&1 &',
  "exec 3<&-",
  "wait $pid; rc=$?",
  'rm -f "$PF"',
  "exit $rc",
].join("\n");

// NOTE: structural, so this file need not import ssh.ts (which imports it): an SshHost is one.
/** What startRemote needs of an SshHost (ssh.ts): the argv that runs a command there, and a short run there. */
interface SshTarget {
  sshArgv(remoteArgv: string[]): string[];
  run(argv: string[], opts: RunOpts): Promise<ProcessOutput>;
}

export function startRemote(
  host: SshTarget,
  argv: string[],
  pidFile: string,
  timeoutMs?: number,
): RemoteProc {
  const remote = ["env", `PF=${pidFile}`, "sh", "-c", WRAPPER, "labx-remote", ...argv];
  const p: ProcessPromise = sh({
    stdio: ["pipe", "pipe", "pipe"],
    ...(timeoutMs ? { timeout: `${timeoutMs}ms` as const } : {}),
  })`${host.sshArgv(remote)}`;
  let out = "";
  p.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  p.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = p.then((o) => o);
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const stop = async (graceMs = 5000): Promise<ProcessOutput> => {
    if (!done) p.stdin.end();
    const waited = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!waited) {
      const killLine = 'kill -KILL "$(cat "$1")" 2>/dev/null; rm -f "$1"';
      await host
        .run(["sh", "-c", killLine, "labx-kill", pidFile], { timeoutMs: 10_000 })
        .catch(() => undefined);
      await killQuietly(p);
    }
    return exited;
  };
  return { pidFile, exited, output: () => out, stop };
}
