// PLACEMENT=hosts for real: a fleet's inventory, the server and two wrk hosts over ssh, reports merged, then nothing left.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { fleetDown } from "../../scripts/lib/placement/fleet.ts";
import { loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import { listNamespaces } from "../../scripts/lib/placement/netns.ts";
import { fleetDir } from "../../scripts/lib/placement/state.ts";
import { wrkPath } from "../../scripts/lib/processes/generator-build.ts";
import { run, runCli } from "../helpers/cli.ts";
import { testPrefix } from "../helpers/netns.ts";

const PREFIX = testPrefix("h");
process.env.LAB_NETNS_PREFIX = PREFIX;
const cfg = loadNetConfig();
const DIR = fleetDir(PREFIX);
const INV = join(DIR, "inventory.json");
const PORT = "8073";
const dir = mkdtempSync(join(os.tmpdir(), "hosts-lab-test-"));
const skip =
  process.getuid?.() !== 0 ? "needs root (namespaces, sshd)" : os.cpus().length < 2 && "needs 2 CPUs";
const env = { LAB_NETNS_PREFIX: PREFIX };

after(async () => {
  if (!skip) await fleetDown(cfg);
  rmSync(dir, { recursive: true, force: true });
});

const lab = (inventory: string) =>
  runCli(
    "scripts/lab.ts",
    [
      ...["--placement", "hosts", "--hosts", inventory, "--modes", "paced", "--workers", "2", "--port", PORT],
      ...["-c", "400", "-R", "400", "-d", "3s", "--warmup", "1s", "--results-dir", dir, "--profile", "none"],
    ],
    { env, timeoutMs: 120_000 },
  );

test("fleet up, a paced run with wrk on two hosts over ssh, merged exactly; an unreachable host or no wrk → exit 2", {
  skip,
  timeout: 240_000,
}, async () => {
  const up = await runCli(
    "scripts/fleet.ts",
    ["up", "--clients", "2", "--generator-cpus", "0", "--no-probe"],
    {
      env,
      timeoutMs: 60_000,
    },
  );
  assert.equal(up.code, 0, up.stderr);
  assert.equal(up.stdout.trim().split("\n").at(-1), INV);

  // NOTE: mechanics, not a verdict: a busy machine may FAIL this small run (exit 1); it must not be invalid.
  const r = await lab(INV);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const runDir = readdirSync(dir).find((d) => d.includes("-paced-"));
  assert.ok(runDir, `no run directory in ${readdirSync(dir).join(", ")}`);
  const rec = JSON.parse(readFileSync(join(dir, runDir, "result.json"), "utf8")) as ResultRecord;
  const pl = rec.placement;
  assert.equal(pl?.kind, "hosts");
  assert.deepEqual(pl?.server, { ...pl?.server, host: "srv", address: `${cfg.net24}.10` });
  assert.deepEqual(
    pl?.generator.map((g) => [g.host, g.shards, g.cpus]),
    [
      ["c1", 1, [0]],
      ["c2", 1, [0]],
    ],
  );
  assert.equal(typeof pl?.startSkewUs, "number");
  assert.ok((pl?.startSkewUs ?? -1) >= 0 && (pl?.startSkewUs ?? 1e9) < 1e6, `skew ${pl?.startSkewUs}`);
  assert.deepEqual(pl?.cpuUnknown, [], "the fleet shares this kernel: CPU read from /proc");
  // NOTE: emulated hosts share this machine's clock, so the lab's wrk stamps requests and reads the answers' stamps
  const stamps = "WRK_SEND_STAMP=x-lab-sent WRK_ANSWER_STAMP=x-lab-done";
  for (const [i, c] of rec.load.commands.entries())
    assert.match(
      c,
      new RegExp(`^ssh c${i + 1}: PACED_RATE=200 PACED_THREADS=2 ${stamps} ${wrkPath()} -t2 -c200 `),
    );
  assert.ok(rec.measurements.beforeHandlerUs && rec.measurements.readLatenessUs, "both stamps read");
  for (const f of ["wrk-0.txt", "wrk-1.txt"]) assert.ok(existsSync(join(dir, runDir, f)), f);
  const m = rec.measurements;
  assert.equal(r.code, rec.verdict.pass ? 0 : 1, "the exit code is the recorded verdict's");
  assert.ok(m.requests > 400, `requests ${m.requests}`);
  // both shards' reports merged: the client's count agrees with the server's within the requests in flight
  assert.ok(Math.abs(m.serverCounted.difference) <= 400, `difference ${m.serverCounted.difference}`);
  assert.ok(m.cpu.generatorPct > 0, "wrk CPU sampled from /proc");

  const bad = JSON.parse(readFileSync(INV, "utf8"));
  bad.clients[1].ssh = `root@${cfg.net24}.199`;
  const badPath = join(dir, "unreachable.json");
  writeFileSync(badPath, JSON.stringify(bad));
  const u = await lab(badPath);
  assert.equal(u.code, 2, u.stderr);
  const lines = u.stderr.trim().split("\n");
  assert.equal(lines.length, 1, u.stderr);
  assert.match(lines[0] ?? "", /host c2 \(root@10\.77\.0\.199 port 22\) is unreachable over ssh/);

  bad.clients[1].ssh = `root@${cfg.net24}.102`;
  bad.clients[1].wrk = "/nonexistent/wrk";
  writeFileSync(badPath, JSON.stringify(bad));
  const w = await lab(badPath);
  assert.equal(w.code, 2, w.stderr);
  assert.match(w.stderr.trim(), /^error: host c2 has no wrk at \/nonexistent\/wrk — [^\n]*exit 2: invalid$/);

  const down = await runCli("scripts/fleet.ts", ["down"], { env, timeoutMs: 60_000 });
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(
    (await listNamespaces()).filter((n) => n.startsWith(PREFIX)),
    [],
    "namespaces left",
  );
  for (const pattern of [DIR, `--port ${PORT} --admin-socket`, "labx-wrk-"]) {
    const left = await run("pgrep", ["-af", "--", pattern]);
    assert.equal(left.code, 1, `left running (${pattern}): ${left.stdout}`);
  }
  assert.equal(existsSync(DIR), false, "fleet state dir left");
});
