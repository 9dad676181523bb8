// Build the wrk command lines, spawn the shards in parallel, collect each shard's report and raw output.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Mode } from "../contract/record.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../processes/server.ts";
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
}

export function wrkVersion(): string | null {
  const r = spawnSync("wrk", ["-v"], { encoding: "utf8" });
  if (r.error) return null;
  return /wrk (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? "unknown";
}

export function requireWrk(): string {
  const v = wrkVersion();
  if (v === null) throw new InvalidRun("wrk is not installed — run `make deps` (apt-get install -y wrk)");
  return v;
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
      command: `${envText}wrk ${args.join(" ")}`,
    };
  });
}

export interface ShardsRun {
  procs: ChildProcess[];
  done: Promise<WrkReport[]>;
  /** performance.now() when the last shard exited (before its report is parsed) */
  lastExit: Promise<number>;
  /** SIGKILL every shard and wait until each is reaped (no zombie left for an init that does not reap). */
  kill: () => Promise<void>;
}

// NOTE: wrk inherits our soft nofile limit (Node raises its own soft limit to the hard one at start).
export function startShards(shards: ShardSpec[]): ShardsRun {
  const procs = shards.map((s) => {
    const p = spawn("wrk", s.args, { env: { ...process.env, ...s.env }, stdio: ["ignore", "pipe", "pipe"] });
    const raw = createWriteStream(s.rawPath);
    p.stdout?.pipe(raw, { end: false });
    p.stderr?.pipe(raw, { end: false });
    p.on("exit", () => raw.end());
    return p;
  });
  const exited = procs.map(
    (p) => new Promise<void>((r) => (p.exitCode !== null ? r() : p.once("exit", () => r()))),
  );
  const lastExit = Promise.all(exited).then(() => performance.now());
  const killNow = (): void => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  };
  const kill = async (): Promise<void> => {
    killNow();
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 2000))]);
  };
  process.on("exit", killNow);
  const done = Promise.all(
    procs.map(
      (p, i) =>
        new Promise<WrkReport>((resolve, reject) => {
          const s = shards[i] as ShardSpec;
          p.on("error", (e) =>
            reject(new InvalidRun(`wrk could not start: ${e.message} — run \`make deps\``)),
          );
          p.on("exit", (code, signal) => {
            if (code !== 0) {
              const raw = safeRead(s.rawPath).trim().split("\n").slice(-3).join(" | ");
              return reject(new Error(`wrk shard ${i} exited ${signal ?? code}: ${raw}`));
            }
            try {
              resolve(parseReport(readFileSync(s.reportPath, "utf8")));
            } catch (e) {
              reject(new Error(`wrk shard ${i}: ${(e as Error).message}`));
            }
          });
        }),
    ),
  ).finally(() => process.off("exit", killNow));
  // NOTE: a killed shard rejects `done` while the caller may still be awaiting lastExit: mark it handled here,
  // the caller still sees the rejection when it awaits `done`.
  done.catch(() => {});
  return { procs, done, lastExit, kill };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
