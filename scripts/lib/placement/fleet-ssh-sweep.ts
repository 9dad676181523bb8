// A fleet host's run dir (/tmp/labx-<id>-<host>) over ssh: made, and at the end every process the lab ran in it ended and the dir removed.
import { InvalidRun } from "../core/cli.ts";
import type { SshHost } from "./ssh.ts";

/** What the lab left on a host: pids still working in its run dir, and whether the dir is still there. */
export interface HostLeft {
  host: string;
  pids: number[];
  dir: boolean;
}

// NOTE: one dir per host, named after it: emulated hosts share this machine's /tmp (and its /proc, so a sweep on one
// host sees the others' processes too: each sweeps only what works in its own dir).
/** The run dir of one host: /tmp/labx-<id>-<host name>, id 12 hex digits, fresh for each fleet run. */
export const runDirOf = (id: string, host: string): string => `/tmp/labx-${id}-${host}`;

/** `mkdir` the run dir there, 0700; an existing one is refused (its id is random: another run's, or a bug). */
export async function makeRunDir(ssh: SshHost, runDir: string): Promise<void> {
  await ssh.runOk(["mkdir", "-m", "700", runDir], `making ${runDir}`, { timeoutMs: 20_000 });
}

// NOTE: the lab's processes on a host are those whose working directory is its run dir: the server's primary and
// its workers, HAProxy, each launched with `cd <run dir>`, a dir of a random name the lab made — nothing else there
// has it, and the sweeping shell itself works in the login's home. A zombie shows no cwd (its parent reaps it).
// /proc shows a cwd resolved, so the dir is too (readlink -f: a /tmp behind a symlink still matches).
const PIDS = [
  'd=$(readlink -f "$1")',
  'pids() { cd /proc && for p in [0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$d" ] && echo "$p"; done; }',
].join("\n");
const REPORT = `echo "pids $(pids | tr '\\n' ' ')"; [ -e "$1" ] && echo dir || echo nodir`;
const LEFT = `${PIDS}\n${REPORT}`;
const SWEEP = [
  PIDS,
  'l=$(pids); [ -n "$l" ] && kill -TERM $l 2>/dev/null',
  'i=0; while [ -n "$(pids)" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done',
  'l=$(pids); [ -n "$l" ] && kill -KILL $l 2>/dev/null && sleep 0.2',
  'rm -rf "$1"',
  REPORT,
].join("\n");

function parseLeft(host: string, out: string): HostLeft {
  const pids = (/^pids (.*)$/m.exec(out)?.[1] ?? "").split(" ").filter((p) => /^\d+$/.test(p));
  return { host, pids: pids.map(Number), dir: /^dir$/m.test(out) };
}

const guard = (runDir: string): string => {
  // NOTE: rm -rf and kill by this path: it must be one of ours, never a path a caller got wrong.
  if (!/^\/tmp\/labx-[0-9a-f]{12}-[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(runDir))
    throw new Error(`not a fleet run dir: ${runDir}`);
  return runDir;
};

/** What is left of the lab on the host (no change made). */
export async function leftOn(ssh: SshHost, runDir: string): Promise<HostLeft> {
  const out = await ssh.runOk(["sh", "-c", LEFT, "labx-left", guard(runDir)], "reading what is left", {
    timeoutMs: 20_000,
  });
  return parseLeft(ssh.spec.name, out);
}

/** SIGTERM what still works in the run dir, SIGKILL after 3 s, remove the dir; what is left after (nothing). */
export async function sweepRunDir(ssh: SshHost, runDir: string): Promise<HostLeft> {
  const out = await ssh.runOk(["sh", "-c", SWEEP, "labx-sweep", guard(runDir)], "the teardown sweep", {
    timeoutMs: 30_000,
  });
  const left = parseLeft(ssh.spec.name, out);
  if (left.pids.length > 0 || left.dir)
    throw new InvalidRun(
      `host ${left.host}: ${left.pids.length} processes and ${left.dir ? "the" : "no"} run dir ${runDir} left after the sweep — end them there by hand`,
    );
  return left;
}
