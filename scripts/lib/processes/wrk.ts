// Build the wrk command lines, start the shards in parallel (zx), collect each shard's report and raw output.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ProcessOutput, ProcessPromise } from "zx/core";
import type { Mode } from "../contract/record.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { sh } from "../core/shell.ts";
import { parseReport, type WrkReport } from "./wrk-report.ts";

export interface ShardSpec {
  index: number;
  connections: number;
  threads: number;
  /** paced mode: requests/s this shard sends */
  rate: number | null;
  args: string[];
  env: Record<string, string>;
  reportPath: string;
  rawPath: string;
  command: string;
  /** what runs wrk: [] or e.g. ["taskset", "-c", "0"] */
  prefix: string[];
  /** the wrk binary (generator-build.ts: the lab's build unless WRK=) */
  wrk: string;
}

export interface LoadPlan {
  url: string;
  mode: Mode;
  connections: number;
  threads: number;
  shards: number;
  durationS: number;
  timeoutS: number;
  targetRps: number;
  outDir: string;
  tag?: string;
  /** argv before wrk for shard i: where it runs (taskset -c 0, ip netns exec NS …); none = here, unpinned */
  prefix?: (shard: number) => string[];
  /** the wrk binary */
  wrk: string;
  /** the lab's wrk's stamp headers (the server on the same machine, same clock): none = off */
  stamps?: { send: string; answer: string };
}

/** Split the connections over the shards; each shard keeps -t threads (never more than its connections). */
export function buildShards(p: LoadPlan): ShardSpec[] {
  const script = join(ROOT, "configs/wrk", p.mode === "paced" ? "paced.lua" : "report.lua");
  const base = Math.floor(p.connections / p.shards);
  return Array.from({ length: p.shards }, (_, i) => {
    const connections = base + (i < p.connections % p.shards ? 1 : 0);
    const threads = Math.max(1, Math.min(p.threads, connections));
    const rate = p.mode === "paced" ? (p.targetRps * connections) / p.connections : null;
    const tag = p.tag ?? "";
    const reportPath = join(p.outDir, `wrk-${i}${tag}.json`);
    const rawPath = join(p.outDir, `wrk-${i}${tag}.txt`);
    const env: Record<string, string> = { WRK_REPORT: reportPath };
    if (rate !== null) Object.assign(env, { PACED_RATE: String(rate), PACED_THREADS: String(threads) });
    if (p.stamps) Object.assign(env, { WRK_SEND_STAMP: p.stamps.send, WRK_ANSWER_STAMP: p.stamps.answer });
    const args = [
      `-t${threads}`,
      `-c${connections}`,
      `-d${p.durationS}s`,
      `--timeout`,
      `${p.timeoutS}s`,
      "--latency",
      "-s",
      script,
      p.url,
    ];
    const prefix = p.prefix?.(i) ?? [];
    const envText = Object.entries(env)
      .filter(([k]) => k !== "WRK_REPORT")
      .map(([k, v]) => `${k}=${v} `)
      .join("");
    return {
      index: i,
      connections,
      threads,
      rate,
      args,
      env,
      reportPath,
      rawPath,
      command: `${envText}${[...prefix, p.wrk].join(" ")} ${args.join(" ")}`,
      prefix,
      wrk: p.wrk,
    };
  });
}

export interface ShardsRun {
  /** the zx processes, one per shard (pid = wrk's: the shell execs it); [] for shards on other hosts */
  procs: ProcessPromise[];
  /** shards elsewhere (placement/remote-shards.ts): wrk pids visible in this /proc, once known ([] = unknown) */
  pids?: () => number[];
  /** settles once pids() knows what it will know */
  ready?: Promise<void>;
  done: Promise<WrkReport[]>;
  /** performance.now() when the last shard exited (before its report is parsed) */
  lastExit: Promise<number>;
  /** SIGKILL every shard and wait until each is reaped (no zombie left for an init that does not reap). */
  kill: () => Promise<void>;
}

// NOTE: wrk inherits our soft nofile limit (Node raises its own soft limit to the hard one at start), and
// stays in our process group: a terminal's Ctrl-C reaches it too, as it did when wrk was run by hand.
// NOTE: `exec` keeps the pid wrk's own (the CPU sampler reads /proc/<pid>; a prefix such as taskset execs wrk in
// turn); zx settles once wrk has
// exited and its pipes closed — wrk has no children, so that is its exit.
export function startShards(shards: ShardSpec[]): ShardsRun {
  const procs = shards.map(
    (s) =>
      sh({
        env: { ...process.env, ...s.env },
        stdio: ["ignore", "pipe", "pipe"],
      })`exec ${s.prefix} ${s.wrk} ${s.args}`,
  );
  const exited = procs.map((p) => p.then(() => undefined));
  const lastExit = Promise.all(exited).then(() => performance.now());
  // NOTE: synchronous (it also runs in the exit hook); zx's kill() would first list the tree with `ps`.
  const killNow = (): void => {
    for (const p of procs) if (p.stage === "running") p.child?.kill("SIGKILL");
  };
  const kill = async (): Promise<void> => {
    killNow();
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 2000))]);
  };
  process.on("exit", killNow);
  const report = (i: number) => (o: ProcessOutput) => shardReport(shards[i] as ShardSpec, o);
  // NOTE: nothrow: a failed wrk resolves with its output too; both paths go through shardReport
  const done = Promise.all(procs.map((p, i) => p.then(report(i), report(i)))).finally(() =>
    process.off("exit", killNow),
  );
  // NOTE: a killed shard rejects `done` while the caller may still be awaiting lastExit: mark it handled here,
  // the caller still sees the rejection when it awaits `done`.
  done.catch(() => {});
  return { procs, done, lastExit, kill };
}

/** Keep the shard's raw output as printed (wrk-<n>.txt), then its exact report; a failed shard throws. */
export function shardReport(s: ShardSpec, o: ProcessOutput): WrkReport {
  writeFileSync(s.rawPath, o.stdall);
  const tail = o.stdall.trim().split("\n").slice(-3).join(" | ");
  // NOTE: 126/127 is the shell's "cannot run" / "not found": wrk could not start at all.
  if (o.cause || o.exitCode === 126 || o.exitCode === 127) {
    throw new InvalidRun(`wrk could not start: ${o.cause?.message ?? tail} — run \`make deps\``);
  }
  if (o.exitCode !== 0) throw new Error(`wrk shard ${s.index} exited ${o.signal ?? o.exitCode}: ${tail}`);
  try {
    return parseReport(readFileSync(s.reportPath, "utf8"));
  } catch (e) {
    throw new Error(`wrk shard ${s.index}: ${(e as Error).message}`);
  }
}
