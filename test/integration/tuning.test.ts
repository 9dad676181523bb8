// The tuning doctor and tune/untune on the real machine: real limits, real sysctls, restored byte for byte.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Check, RunShape } from "../../scripts/lib/doctor/doctor-checks.ts";
import { runChecks } from "../../scripts/lib/doctor/doctor-checks.ts";
import { planShards } from "../../scripts/lib/machine/limits.ts";
import { sysctlPath } from "../../scripts/lib/machine/sysctl-raw.ts";
import { fetchLabStats } from "../../scripts/lib/processes/lab-stats.ts";
import { startServer } from "../../scripts/lib/processes/server.ts";
import { runCli, run as runCmd } from "../helpers/cli.ts";
import { testPrefix } from "../helpers/netns.ts";

// NOTE: tune/untune run inside a network namespace of the test's own, so the machine's sysctls are never touched:
// per-namespace knobs only (FIN_WAIT_2 timeout, somaxconn, and ping_group_range, which /proc shows
// tab-separated — the byte-for-byte case that matters). The namespace goes, with its values, in after().
const KEYS = ["net.ipv4.tcp_fin_timeout", "net.core.somaxconn", "net.ipv4.ping_group_range"] as const;
const NS = `${testPrefix("u")}ns`;
execFileSync("ip", ["netns", "add", NS]);
const raw = (k: string): string =>
  execFileSync("ip", ["netns", "exec", NS, "cat", sysctlPath(k)], { encoding: "utf8" });
const ORIGINAL = new Map<string, string>(KEYS.map((k) => [k, raw(k)]));
const ROOT_BEFORE = new Map<string, string>(KEYS.map((k) => [k, readFileSync(sysctlPath(k), "utf8")]));
const orig = (k: string): string => ORIGINAL.get(k) ?? "";
const norm = (v: string): string => v.trim().replace(/\s+/g, " ");
const dir = mkdtempSync(join(tmpdir(), "tuning-test-"));
const ENV = {
  LAB_TUNING_DIR: dir,
  LAB_TUNE_STATE: join(dir, "state", "tune-saved.json"),
  LAB_SYSCTL_CONF: join(dir, "90-uws-lab.conf"),
};

after(() => {
  execFileSync("ip", ["netns", "del", NS]);
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of ROOT_BEFORE)
    assert.equal(readFileSync(sysctlPath(k), "utf8"), v, `${k} changed outside ${NS}`);
});

const run = (script: string, args: string[], opts: { uid?: number; env?: NodeJS.ProcessEnv } = {}) =>
  runCli(script, args, { uid: opts.uid, env: { ...ENV, ...opts.env } });

const tuneCli = (...args: string[]) =>
  runCmd("ip", ["netns", "exec", NS, process.execPath, "--import", "tsx", "scripts/tune.ts", ...args], {
    env: ENV,
  });
const doctorJson = async (...args: string[]) => {
  const r = await run("scripts/doctor.ts", ["--json", ...args]);
  return { ...r, report: JSON.parse(r.stdout) as { shape: RunShape; checks: Check[]; blocking: string[] } };
};
const rowOf = (checks: Check[], name: string): Check => {
  const r = checks.find((c) => c.name === name);
  assert.ok(r, `no "${name}" row in ${checks.map((c) => c.name).join(", ")}`);
  return r;
};
const num = (s: string): number => Number(s.replaceAll(",", ""));

test("doctor rows report the machine's real limits", async () => {
  const shape: RunShape = { connections: 1000, workers: 2, wrkThreads: 1, shards: 0 };
  const m = /^Max open files\s+(\d+)\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  assert.ok(m, "no Max open files in /proc/self/limits");
  const hardSh = Number(execFileSync("sh", ["-c", "ulimit -Hn"], { encoding: "utf8" }).trim());
  const softSh = Number(execFileSync("sh", ["-c", "ulimit -Sn"], { encoding: "utf8" }).trim());
  const somaxconn = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());
  const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split("\t");
  const cli = await doctorJson("--connections", "1000", "--workers", "2", "--threads", "1");
  for (const checks of [runChecks(shape), cli.report.checks]) {
    const self = /^soft (\S+) \/ hard (\S+)$/.exec(rowOf(checks, "open files (self)").current);
    assert.ok(self);
    assert.deepEqual([num(self[1] ?? ""), num(self[2] ?? "")], [Number(m[1]), Number(m[2])]);
    assert.deepEqual([num(self[1] ?? ""), num(self[2] ?? "")], [softSh, hardSh]);
    const som = rowOf(checks, "net.core.somaxconn");
    assert.equal(num(som.current.split(" ")[0] ?? ""), somaxconn);
    assert.match(som.current, new RegExp(`backlog ${Math.min(512, somaxconn)} × 2 workers`));
    assert.match(rowOf(checks, "net.ipv4.ip_local_port_range").current, new RegExp(`^${lo}–${hi} `));
    assert.match(rowOf(checks, "cpu").current, /^\d+ cores; 2 workers \+ 1 wrk threads/);
    for (const c of checks) if (c.status === "OK") assert.equal(c.fix, "", `${c.name} OK with a fix`);
  }
  assert.equal(cli.code, 0, cli.stderr);
  assert.deepEqual(cli.report.blocking, []);
});

test("a run that cannot fit is a blocking FAIL (exit 2); no server at --url is only a note", async () => {
  const [big, small, text] = await Promise.all([
    doctorJson("--connections", "50000", "--shards", "1"),
    doctorJson("--connections", "100", "--workers", "1", "--url", "http://127.0.0.1:9/"),
    run("scripts/doctor.ts", ["--connections", "50000", "--shards", "1"]),
  ]);
  assert.equal(big.code, 2, big.stderr);
  const shards = rowOf(big.report.checks, "wrk shards");
  assert.equal(shards.status, "FAIL");
  const need = planShards(
    50000,
    Number(
      /soft (\S+)/.exec(rowOf(big.report.checks, "open files (self)").current)?.[1]?.replaceAll(",", ""),
    ),
  );
  assert.equal(shards.fix, `--shards ${need} (or 0 = auto)`);
  assert.ok(big.report.blocking.includes("wrk shards"));
  assert.equal(text.code, 2);
  assert.match(text.stdout, /^setting +\| current +\| needed +\| status +\| fix$/m);
  assert.match(
    text.stdout,
    /\ndoctor: \d+ FAIL, \d+ WARN — 50000 connections.* cannot run: .*wrk shards.*\n$/,
  );
  assert.equal(small.code, 0, small.stdout);
  assert.deepEqual(small.report.blocking, []);
  assert.match(small.stdout, /no lab server at http:\/\/127\.0\.0\.1:9/);
});

test("doctor --url judges the running server's own worker pids", { timeout: 30_000 }, async () => {
  const s = await startServer({ workers: 2, stubMs: 10 });
  try {
    const stats = await fetchLabStats(s.url);
    const r = await doctorJson("--url", s.url, "--connections", "40000", "--workers", "8");
    assert.equal(r.code, 2);
    assert.equal(r.report.shape.workers, 2);
    assert.deepEqual(r.report.shape.serverPids, stats.pids);
    for (const pid of stats.pids) {
      const w = rowOf(r.report.checks, `open files worker ${pid}`);
      assert.equal(w.status, "FAIL");
      assert.match(w.needed, /^≥ 22,064 /);
      assert.equal(w.fix, "start ≥ 3 workers: make run WORKERS=3");
    }
    assert.equal(rowOf(r.report.checks, "server uWS").status, "OK");
  } finally {
    await s.stop();
  }
});

function profile(name: string, lines: string[]): void {
  writeFileSync(join(dir, `${name}.conf`), `# test profile\n${lines.join("\n")}\n`);
}

test("tune, tune again, untune: originals restored byte for byte; persist file removed", async () => {
  const fin = Number(orig("net.ipv4.tcp_fin_timeout"));
  const nd = Number(orig("net.core.somaxconn"));
  const pings = ["0 0", "4 4", "5 5"].filter((v) => v !== norm(orig("net.ipv4.ping_group_range")));
  const a = { fin: fin + 7, nd: nd + 1, ping: pings[0] ?? "" };
  const b = { fin: fin + 3, nd: nd + 2, ping: pings[1] ?? "" };
  for (const [name, v] of [
    ["test-a", a],
    ["test-b", b],
  ] as const) {
    profile(name, [
      `net.ipv4.tcp_fin_timeout = ${v.fin}   # trailing comment`,
      `net.core.somaxconn=${v.nd}`,
      `net.ipv4.ping_group_range = ${v.ping}`,
    ]);
  }
  const saved = () =>
    JSON.parse(readFileSync(ENV.LAB_TUNE_STATE, "utf8")) as { original: Record<string, string> };
  const expected = Object.fromEntries(KEYS.map((k) => [k, orig(k).replace(/\n$/, "")]));

  const r1 = await tuneCli("tune", "--profile", "test-a");
  assert.equal(r1.code, 0, r1.stderr);
  assert.deepEqual(
    KEYS.map((k) => norm(raw(k))),
    [String(a.fin), String(a.nd), a.ping],
  );
  assert.deepEqual(saved().original, expected);
  assert.match(r1.stdout, new RegExp(`net\\.ipv4\\.tcp_fin_timeout\\s*: ${fin} +→ ${a.fin}`));

  const r2 = await tuneCli("tune", "--profile", "test-b", "--persist");
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(
    KEYS.map((k) => norm(raw(k))),
    [String(b.fin), String(b.nd), b.ping],
  );
  assert.deepEqual(saved().original, expected, "a second tune replaced the original values");
  assert.match(
    readFileSync(ENV.LAB_SYSCTL_CONF, "utf8"),
    new RegExp(`^net\\.ipv4\\.ping_group_range = ${b.ping}$`, "m"),
  );

  const r3 = await tuneCli("untune");
  assert.equal(r3.code, 0, r3.stderr);
  for (const k of KEYS) assert.equal(raw(k), orig(k), `${k} not restored byte for byte`);
  assert.equal(existsSync(ENV.LAB_TUNE_STATE), false);
  assert.equal(existsSync(ENV.LAB_SYSCTL_CONF), false);

  const r4 = await tuneCli("untune");
  assert.equal(r4.code, 0);
  assert.match(r4.stdout, /nothing to restore/);
});

test("a value the kernel stores differently fails the tune and rolls it back", async () => {
  const fin = Number(orig("net.ipv4.tcp_fin_timeout"));
  // NOTE: the kernel accepts a ping range with high < low and stores "1 0" instead.
  profile("test-clamp", [`net.ipv4.tcp_fin_timeout = ${fin + 5}`, "net.ipv4.ping_group_range = 2 1"]);
  const r = await tuneCli("tune", "--profile", "test-clamp");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ping_group_range: wrote "2 1" but the kernel holds "1 0".*rolled back/);
  for (const k of KEYS) assert.equal(raw(k), orig(k));
  assert.equal(existsSync(ENV.LAB_TUNE_STATE), false, "a failed first tune left a state file");
});

test("bad input exits 2: unknown profile, malformed line, not root", async () => {
  profile("test-bad", ["net.ipv4.tcp_fin_timeout = 30", "net.core.somaxconn 5000"]);
  const [unknown, bad, notRoot] = await Promise.all([
    tuneCli("tune", "--profile", "nope"),
    tuneCli("tune", "--profile", "test-bad"),
    // NOTE: as nobody, with the repo's own profiles (the temp dir is root-only) and HOME out of the way.
    run("scripts/tune.ts", ["tune", "--profile", "20k"], {
      uid: 65534,
      env: { LAB_TUNING_DIR: "", HOME: "/tmp" },
    }),
  ]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown tuning profile "nope" — available in .*: test-a, test-b, test-bad/);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, new RegExp(`${join(dir, "test-bad.conf")}:3: expected \`key = value\``));
  assert.equal(notRoot.code, 2, notRoot.stderr);
  assert.match(notRoot.stderr, /^error: tune writes \/proc\/sys and needs root/);
  for (const k of KEYS) assert.equal(raw(k), orig(k));
});
