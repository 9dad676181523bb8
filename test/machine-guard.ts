// Around the whole `make test`: the machine as found (namespaces, links, sshd, lab sysctls, /run/lab*), PID 1 never moved.
// Usage: machine-guard.ts start DIR [--busy] · machine-guard.ts check DIR  (exit 1 and one line per difference)
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shSync } from "../scripts/lib/core/shell.ts";
import { readRaw } from "../scripts/lib/machine/sysctl-raw.ts";
import { loadProfile, profileNames } from "../scripts/lib/machine/tuning-profile.ts";
import { loadNetConfig } from "../scripts/lib/placement/net-config.ts";

type Snapshot = Record<string, string[]>;

const lines = (cmd: string): string[] =>
  shSync`sh -c ${cmd}`.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();

/** Every sysctl a profile or the namespaces' config names, as the root namespace holds it. */
function labSysctls(): string[] {
  const keys = new Set(Object.keys(loadNetConfig().sysctls));
  for (const p of profileNames()) for (const s of loadProfile(p).settings) keys.add(s.key);
  return [...keys].sort().map((k) => `${k}=${readRaw(k)}`);
}

function snapshot(): Snapshot {
  return {
    namespaces: lines("ip netns list | cut -d' ' -f1"),
    links: lines("ip -o link show | cut -d: -f2 | cut -d@ -f1"),
    sshd: lines("pgrep -a -x sshd || true"),
    sysctls: labSysctls(),
    run: readdirSync("/run")
      .filter((f) => /^lab[xt]/.test(f))
      .sort(),
  };
}

const pid1Cpus = (): string =>
  /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync("/proc/1/status", "utf8"))?.[1] ?? "?";

// NOTE: the sampler and the busy loop are bounded (1 h) in case `check` never runs (make killed).
function start(dir: string, busy: boolean): void {
  writeFileSync(join(dir, "before.json"), JSON.stringify(snapshot()));
  const sampler = spawn(
    process.execPath,
    ["--import", "tsx", new URL(import.meta.url).pathname, "sample", dir, pid1Cpus()],
    { detached: true, stdio: "ignore" },
  );
  const children = [sampler];
  const spin = ["3600", "sh", "-c", "while :; do :; done"];
  if (busy) children.push(spawn("timeout", spin, { detached: true, stdio: "ignore" }));
  // NOTE: every child unref'd, or this process would wait for them (an hour) and the suite would never start
  for (const c of children) c.unref();
  const pids = children.map((c) => c.pid);
  writeFileSync(join(dir, "pids"), pids.join(" "));
  process.stdout.write(
    `machine-guard: PID 1 on CPUs ${pid1Cpus()}, sampled every 100 ms${busy ? "; one CPU kept busy" : ""}\n`,
  );
}

function sample(dir: string, first: string): void {
  const until = Date.now() + 3_600_000;
  const tick = setInterval(() => {
    const now = pid1Cpus();
    if (now !== first) appendFileSync(join(dir, "pid1.log"), `${new Date().toISOString()} ${now}\n`);
    if (Date.now() > until || !existsSync(dir)) clearInterval(tick);
  }, 100);
}

function check(dir: string): number {
  for (const pid of readFileSync(join(dir, "pids"), "utf8").split(" ").map(Number)) {
    try {
      process.kill(-pid, "SIGKILL"); // NOTE: its group: the busy loop's shell under timeout too
    } catch {}
  }
  const before = JSON.parse(readFileSync(join(dir, "before.json"), "utf8")) as Snapshot;
  const after = snapshot();
  const diffs: string[] = [];
  for (const [k, was] of Object.entries(before)) {
    const now = after[k] ?? [];
    const gone = was.filter((x) => !now.includes(x));
    const added = now.filter((x) => !was.includes(x));
    if (gone.length || added.length)
      diffs.push(`${k}: ${[...added.map((x) => `+${x}`), ...gone.map((x) => `-${x}`)].join(", ")}`);
  }
  const moved = existsSync(join(dir, "pid1.log")) ? readFileSync(join(dir, "pid1.log"), "utf8").trim() : "";
  if (moved)
    diffs.push(`PID 1's CPU set changed during the tests: ${moved.split("\n").slice(0, 3).join("; ")}`);
  for (const d of diffs) process.stderr.write(`machine-guard: ${d}\n`);
  if (diffs.length === 0)
    process.stdout.write("machine-guard: the machine is as the tests found it; PID 1 never moved\n");
  return diffs.length ? 1 : 0;
}

const [cmd, dir = "", arg] = process.argv.slice(2);
if (cmd === "start") start(dir, arg === "--busy");
else if (cmd === "sample") sample(dir, arg ?? "");
else if (cmd === "check") process.exitCode = check(dir);
else {
  process.stderr.write("usage: machine-guard.ts start DIR [--busy] | check DIR\n");
  process.exitCode = 2;
}
