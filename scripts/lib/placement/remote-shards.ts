// wrk shards on client hosts over ssh: the same ShardsRun as local shards, reports fetched back for the exact merge.
import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessOutput } from "zx";
import { InvalidRun } from "../core/cli.ts";
import { type ShardSpec, type ShardsRun, shardReport } from "../processes/wrk.ts";
import type { WrkReport } from "../processes/wrk-report.ts";
import type { RemoteRunner } from "./run-placement.ts";
import type { SshHost } from "./ssh.ts";
import type { RemoteProc } from "./ssh-remote.ts";

/** One client host, ready for shards: its transport, wrk there, and the lab's temp dir there (scripts copied). */
export interface ClientSlot {
  name: string;
  ssh: SshHost;
  wrk: string;
  dir: string;
  /** the host's pids are this machine's pids (same kernel and pid namespace): its wrk CPU is read from /proc */
  localPids: boolean;
}

// NOTE: the shard runs as `sh -c 'echo "$$ $(date +%s%N)" > START; exec env … wrk …'`: the pid the start file
// names is wrk's own (sh and env exec), and the time is the host's clock just before wrk starts — the start skew
// is max − min over the shards (hosts with unsynchronised clocks add their offset to it).
const STARTER = 'echo "$$ $(date +%s%N)" > "$0"; exec "$@"';

interface Launched {
  spec: ShardSpec;
  slot: ClientSlot;
  proc: RemoteProc;
  remoteReport: string;
  startFile: string;
}

/** Rewrite a local shard spec for its host: the script and report in the host's dir, the command recorded. */
// NOTE: `seq` numbers the runs of one lab (warm-up, measured): a start file left by the warm-up must never be read as
// the measured shard's start (it made the skew the warm-up's length).
function launch(spec: ShardSpec, slot: ClientSlot, seq: number): Launched {
  const remoteReport = `${slot.dir}/run${seq}-${basename(spec.reportPath)}`;
  const startFile = `${remoteReport}.start`;
  const sAt = spec.args.indexOf("-s");
  const args = spec.args.map((a, i) => (i === sAt + 1 ? `${slot.dir}/${basename(a)}` : a));
  const env = Object.entries({ ...spec.env, WRK_REPORT: remoteReport }).map(([k, v]) => `${k}=${v}`);
  const argv = ["sh", "-c", STARTER, startFile, "env", ...env, slot.wrk, ...args];
  const shown = env.filter((e) => !e.startsWith("WRK_REPORT="));
  spec.command = `ssh ${slot.name}: ${[...shown, slot.wrk, ...args].join(" ")}`;
  return { spec, slot, proc: slot.ssh.start(argv), remoteReport, startFile };
}

/** The start files ("pid ns") of the shards, polled until all are there or the bound passes. */
async function readStarts(ls: Launched[], boundMs = 10_000): Promise<({ pid: number; ns: bigint } | null)[]> {
  const got: ({ pid: number; ns: bigint } | null)[] = ls.map(() => null);
  const deadline = performance.now() + boundMs;
  while (got.some((g) => g === null) && performance.now() < deadline) {
    await Promise.all(
      ls.map(async (l, i) => {
        if (got[i]) return;
        const out = await l.slot.ssh.run(["cat", l.startFile], { timeoutMs: 5000 }).catch(() => null);
        const m = out?.ok ? /^(\d+) (\d+)$/.exec(out.stdout.trim()) : null;
        if (m) got[i] = { pid: Number(m[1]), ns: BigInt(m[2] as string) };
      }),
    );
    if (got.some((g) => g === null)) await sleep(100);
  }
  return got;
}

/** Each shard's exit: fetch its report (and keep its raw output) like a local shard; a failure names the host. */
async function finishShard(l: Launched, o: ProcessOutput, stopping: () => boolean): Promise<WrkReport> {
  const name = l.slot.name;
  if (o.exitCode === 255) throw l.slot.ssh.unreachable(o);
  if (o.exitCode !== 0) {
    const tail = o.stdall.trim().split("\n").slice(-2).join(" | ") || "no output";
    const why = stopping() ? "stopped" : `exited ${o.exitCode ?? o.signal}`;
    throw new InvalidRun(
      `wrk shard ${l.spec.index} on host ${name} ${why}: ${tail} — check wrk and the server from ${name} (make doctor HOSTS=…)`,
    );
  }
  await l.slot.ssh.fetch(l.remoteReport, l.spec.reportPath);
  return shardReport(l.spec, o);
}

/** After a failure: a wrapper killed on its host cannot remove its pid file; remove every shard's (one call per host). */
async function removePidFiles(ls: Launched[]): Promise<void> {
  const hosts = [...new Set(ls.map((l) => l.slot))];
  await Promise.all(
    hosts.map((slot) => {
      const files = ls.filter((l) => l.slot === slot).map((l) => l.proc.pidFile);
      return slot.ssh.run(["rm", "-f", ...files], { timeoutMs: 10_000 }).catch(() => undefined);
    }),
  );
}

/** max − min of the start times in µs; null unless every shard's time was read. */
function skewOf(ns: bigint[], shards: number): number | null {
  if (ns.length !== shards || shards === 0) return null;
  const lo = ns.reduce((a, x) => (x < a ? x : a));
  const hi = ns.reduce((a, x) => (x > a ? x : a));
  return Number((hi - lo) / 1000n);
}

/** The runner the hosts placement hands to the load pipeline: shard i on client host i mod K. */
export function remoteShards(slots: ClientSlot[]): RemoteRunner {
  let skewUs: number | null = null;
  let seq = 0;
  const start = (specs: ShardSpec[]): ShardsRun => {
    skewUs = null;
    seq++;
    const ls = specs.map((s, i) => launch(s, slots[i % slots.length] as ClientSlot, seq));
    let stopping = false;
    const kill = async (): Promise<void> => {
      stopping = true;
      await Promise.all(ls.map((l) => l.proc.stop(3000)));
    };
    const pids: number[] = [];
    const ready = readStarts(ls).then((st) => {
      st.forEach((s, i) => {
        if (s && ls[i]?.slot.localPids) pids.push(s.pid);
      });
      skewUs = skewOf(
        st.flatMap((s) => (s ? [s.ns] : [])),
        ls.length,
      );
    });
    // NOTE: one shard failing (its host gone, wrk dead) stops the others at once: the run is invalid anyway. The
    // error is the first failure's, not a stopped sibling's.
    let first: unknown = null;
    const done = Promise.allSettled(
      ls.map((l) =>
        l.proc.exited.then((o) =>
          finishShard(l, o, () => stopping).catch(async (e) => {
            if (!stopping) {
              first = e;
              await kill();
            }
            throw e;
          }),
        ),
      ),
    ).then(async (rs) => {
      const bad = rs.find((r) => r.status === "rejected");
      if (!bad) return rs.map((r) => (r as PromiseFulfilledResult<WrkReport>).value);
      await removePidFiles(ls);
      throw first ?? bad.reason;
    });
    done.catch(() => {});
    const lastExit = Promise.all(ls.map((l) => l.proc.exited)).then(() => performance.now());
    return { procs: [], pids: () => pids, ready, done, lastExit, kill };
  };
  const cpuUnknown: RemoteRunner["cpuUnknown"] = slots.every((s) => s.localPids) ? [] : ["generator"];
  return { start, lastSkewUs: () => skewUs, cpuUnknown };
}
