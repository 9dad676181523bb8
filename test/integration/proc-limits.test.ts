// Tests for scripts/lib/proc.ts and scripts/lib/limits.ts against the real machine's /proc (no mocks).
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import net from "node:net";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { ProcessPromise } from "zx/core";
import {
  effectiveBacklog,
  fitsPerWorker,
  minWorkersFor,
  nofileLimits,
  planShards,
  portRangeSize,
  readSysctl,
  readSysctlInt,
  tuningSnapshot,
} from "../../scripts/lib/machine/limits.ts";
import {
  CpuSampler,
  counterDelta,
  cpuTimeUs,
  pickDelta,
  readNetstat,
  readSockstat,
  rssBytes,
} from "../../scripts/lib/machine/proc.ts";
import { sh, shSync } from "../../scripts/lib/processes/shell.ts";

const MB = 1024 * 1024;
const GONE_PID = 2 ** 22 + 1; // above PID_MAX_LIMIT, so never a live process
const children: ProcessPromise[] = [];
const tmpDirs: string[] = [];

after(async () => {
  for (const c of children) {
    if (c.stage === "running") {
      c.child?.kill("SIGKILL");
      await c;
    }
  }
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** Start a node child (zx, exec'd: the pid is node's) that runs `code`, then prints "ready"; resolves once it has. */
// NOTE: not the ProcessPromise itself: an async function returning a thenable would wait for its exit.
async function spawnNode(code: string): Promise<{ pid: number; proc: ProcessPromise }> {
  const c = sh({
    stdio: ["ignore", "pipe", "inherit"],
  })`exec ${process.execPath} -e ${`${code};process.stdout.write("ready\\n")`}`;
  children.push(c);
  const [chunk] = (await once(c.stdout, "data")) as [Buffer];
  assert.match(chunk.toString(), /ready/);
  assert.ok(c.pid !== undefined);
  return { pid: c.pid, proc: c };
}

test("cpuTimeUs/rssBytes: self, gone pid, comm with spaces and parens", async () => {
  assert.ok((cpuTimeUs(process.pid) ?? 0) > 0);
  assert.equal(cpuTimeUs(GONE_PID), null);
  assert.equal(rssBytes(GONE_PID), null);
  const dir = mkdtempSync(join(tmpdir(), "proc-test-"));
  tmpDirs.push(dir);
  const weird = join(dir, "a) b (c");
  symlinkSync("/bin/sleep", weird);
  const c = sh({ stdio: "ignore" })`exec ${weird} 30`;
  children.push(c);
  const stat = (): string => readFileSync(`/proc/${c.pid}/stat`, "utf8");
  // NOTE: the shell execs the symlink: until then comm is bash's
  for (let i = 0; i < 100 && !/\(a\) b \(c\)/.test(stat()); i++) await sleep(20);
  assert.match(stat(), /\(a\) b \(c\)/);
  const us = cpuTimeUs(c.pid ?? GONE_PID);
  assert.ok(us !== null && us >= 0 && us < 1e6, `weird-comm cpu ${us}`);
});

test("CpuSampler: busy > 50 %, idle < 10 %, late joiner and vanished pid", { timeout: 10_000 }, async () => {
  const busy = await spawnNode("setImmediate(()=>{for(;;){}})");
  // NOTE: as root, nice −10 keeps the spinner near 100 % even when parallel test runs saturate both cores.
  try {
    setPriority(busy.pid, -10);
  } catch {}
  const idle = await spawnNode("setInterval(()=>{},1e6)");
  const busyS = new CpuSampler(() => [busy.pid]);
  const idleS = new CpuSampler(() => [idle.pid, GONE_PID]);
  busyS.sample();
  idleS.sample();
  await sleep(1000);
  busyS.sample();
  idleS.sample();
  assert.ok(busyS.percent() > 50, `busy ${busyS.percent()}`);
  assert.ok(busyS.percent() < 150, `busy ${busyS.percent()}`);
  assert.ok(busyS.lastIntervalPercent() > 50);
  assert.ok(idleS.percent() < 10, `idle ${idleS.percent()}`);
  assert.ok(Math.abs(busyS.cpuUsTotal() / 10 / busyS.windowMs() - busyS.percent()) < 1e-9);

  // busy has burned > 1 s before joining this group: none of that may be counted.
  const group: number[] = [idle.pid];
  const s = new CpuSampler(() => group);
  s.sample();
  group.push(busy.pid);
  s.sample();
  await sleep(200);
  s.sample();
  const mid = s.cpuUsTotal();
  assert.ok(mid > 50_000 && mid < 500_000, `late joiner counted ${mid} µs`);
  busy.proc.child?.kill("SIGKILL");
  await busy.proc;
  s.sample();
  assert.equal(s.cpuUsTotal(), mid);
  assert.ok(s.percent() > 0 && s.percent() < 200, `group ${s.percent()}`);
});

test("rssBytes/peakRssBytes: child holding 100 MB", { timeout: 10_000 }, async () => {
  const c = await spawnNode("globalThis.b=Buffer.alloc(100*1024*1024,1);setInterval(()=>{},1e6)");
  const rss = rssBytes(c.pid) ?? 0;
  assert.ok(rss > 80 * MB, `rss ${rss / MB} MB`);
  const s = new CpuSampler(() => [c.pid]);
  s.sample();
  assert.ok(s.peakRssBytes() > 80 * MB);
});

test("readNetstat/readSockstat: loopback connections move the counters", { timeout: 10_000 }, async () => {
  const N = 20;
  const before = readNetstat();
  assert.equal(typeof before["TcpExt.ListenOverflows"], "number");
  assert.equal(typeof before["Tcp.RetransSegs"], "number");
  let accepted = 0;
  const server = net.createServer(() => accepted++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  const sockets = Array.from({ length: N }, () => net.connect(port, "127.0.0.1"));
  try {
    await Promise.all(sockets.map((s) => once(s, "connect")));
    while (accepted < N) await sleep(5);
    const delta = counterDelta(before, readNetstat());
    const picked = pickDelta(delta, ["Tcp.ActiveOpens", "Tcp.PassiveOpens", "No.Such"]);
    assert.deepEqual(Object.keys(picked), ["Tcp.ActiveOpens", "Tcp.PassiveOpens"]);
    assert.ok((picked["Tcp.ActiveOpens"] ?? 0) >= N, `ActiveOpens +${picked["Tcp.ActiveOpens"]}`);
    assert.ok((picked["Tcp.PassiveOpens"] ?? 0) >= N, `PassiveOpens +${picked["Tcp.PassiveOpens"]}`);
    const ss = readSockstat();
    assert.ok((ss["TCP.inuse"] ?? 0) >= 2 * N + 1, `TCP.inuse ${ss["TCP.inuse"]}`);
    for (const k of ["TCP.orphan", "TCP.tw", "TCP.alloc", "TCP.mem", "sockets.used"]) {
      assert.equal(typeof ss[k], "number", k);
    }
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test("nofileLimits agrees with a child's ulimit", () => {
  const [soft, hard] = shSync`ulimit -Sn; ulimit -Hn`.stdout
    .trim()
    .split("\n")
    .map((s) => (s === "unlimited" ? Number.POSITIVE_INFINITY : Number(s)));
  const self = nofileLimits("self");
  assert.equal(self.hard, hard); // the hard limit is inherited unchanged
  assert.equal(self.soft, soft); // node raised soft to hard at startup; the child inherits that
  assert.deepEqual(nofileLimits(process.pid), self);
  assert.throws(() => nofileLimits(GONE_PID));
});

test("readSysctl matches /proc/sys and sysctl -n", () => {
  const raw = readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim();
  assert.equal(readSysctl("net.core.somaxconn"), raw);
  assert.equal(readSysctlInt("net.core.somaxconn"), Number(raw));
  assert.equal(readSysctlInt("net.ipv4.ip_local_port_range"), null);
  assert.equal(readSysctl("no.such.sysctl"), null);
  const sysctlN = (n: string) => shSync`PATH="$PATH:/sbin:/usr/sbin" sysctl -n ${n}`;
  const sysctl: ((n: string) => string) | null = sysctlN("net.core.somaxconn").ok
    ? (n) =>
        sysctlN(n)
          .stdout.trim()
          .replace(/[ \t]+/g, " ")
    : null; // no sysctl binary
  if (sysctl) {
    assert.equal(readSysctl("net.core.somaxconn"), sysctl("net.core.somaxconn"));
    assert.equal(readSysctl("net.ipv4.ip_local_port_range"), sysctl("net.ipv4.ip_local_port_range"));
  }
});

test("tuningSnapshot and portRangeSize", () => {
  const t = tuningSnapshot();
  for (const [k, v] of Object.entries(t)) assert.notEqual(v, null, k);
  assert.equal(t.nofileHard, nofileLimits("self").hard);
  const [lo, hi] = t.ipLocalPortRange ?? [0, -1];
  assert.ok(lo > 0 && hi >= lo);
  assert.equal(portRangeSize(), hi - lo + 1);
});

test("shard/worker/backlog arithmetic", () => {
  assert.ok(planShards(20000, 20000) >= 2);
  assert.equal(planShards(300, 20000), 1);
  assert.ok(planShards(50000, 20000) >= 3);
  assert.equal(planShards(19936, 20000), 1);
  assert.equal(planShards(19937, 20000), 2);
  assert.throws(() => planShards(10, 64));
  assert.equal(effectiveBacklog(4, 4096), 2048);
  assert.equal(effectiveBacklog(2, 128), 256);
  assert.equal(fitsPerWorker(20000, 1, 20000), false);
  assert.equal(fitsPerWorker(20000, 2, 20000), true);
  assert.equal(minWorkersFor(20000, 20000), 2);
  assert.equal(minWorkersFor(300, 20000), 1);
  assert.equal(minWorkersFor(50000, 20000), 3);
});
