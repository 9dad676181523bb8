// The split placement for real: pinned server and wrk read back into the record; an unpinned server is flagged
// shared; wrk forced onto one CPU with more pending timers than it can walk is named the bound.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { tasksetPrefix } from "../../scripts/lib/placement/cpus.ts";
import { type RunningServer, startServer } from "../../scripts/lib/processes/server.ts";
import { runCli } from "../helpers/cli.ts";

const TWO_CPUS = os.cpus().length >= 2;
const dir = mkdtempSync(join(os.tmpdir(), "placement-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function loadtest(s: RunningServer, ...args: string[]) {
  return loadtestWith({}, s, ...args);
}

async function loadtestWith(env: NodeJS.ProcessEnv, s: RunningServer, ...args: string[]) {
  const common = ["--json", "--url", `${s.url}/ping/`, "--warmup", "0", "--results-dir", dir];
  const r = await runCli("scripts/loadtest.ts", [...common, ...args], { timeoutMs: 90_000, env });
  const record = r.stdout.trim() ? (JSON.parse(r.stdout) as ResultRecord) : null;
  return { ...r, record };
}

describe("server pinned to CPU 1 (2 workers, stub 50 ms)", {
  skip: !TWO_CPUS && "needs 2 CPUs",
}, () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ workers: 2, stubMs: 50, prefix: tasksetPrefix([1]) });
  });
  after(async () => {
    await s?.stop();
  });

  test("split: every server process on CPU 1 and every wrk shard on CPU 0, read back into the record", async () => {
    const r = await loadtest(
      s,
      "--mode",
      "paced",
      "-c",
      "300",
      "-R",
      "1000",
      "-d",
      "3s",
      "--generator-cpus",
      "0",
    );
    assert.ok(r.code === 0 || r.code === 1, r.stderr); // a verdict either way: mechanics are under test
    const pl = r.record?.placement;
    assert.equal(pl?.kind, "split");
    assert.deepEqual(pl?.server.cpus, [1]);
    assert.ok((pl?.server.pinned ?? []).length >= 3, "primary + 2 workers read back");
    for (const p of pl?.server.pinned ?? []) assert.deepEqual(p.cpus, [1], `server pid ${p.pid}`);
    const gen = pl?.generator[0];
    assert.deepEqual(gen?.cpus, [0]);
    assert.equal(gen?.pinned?.length, r.record?.load.shards);
    for (const p of gen?.pinned ?? []) assert.deepEqual(p.cpus, [0], `wrk pid ${p.pid}`);
    for (const c of r.record?.load.commands ?? []) assert.match(c, /taskset -c 0 \S+\/wrk /);
    const cpu = r.record?.measurements.cpu;
    const steady = r.record?.measurements.steadyWindow?.serverPct ?? cpu?.serverPct;
    assert.equal(cpu?.serverOfItsCpusPct, steady, "one CPU: its share is its % of one core (steady window)");
    assert.match(r.stderr, /placement {2}split · server CPUs 1: .* wrk CPUs 0: /);
    // the server's own lateness past the stub, over exactly the answers it counted in the measured phase
    const late = r.record?.measurements.serverLateUs;
    assert.ok(late, "serverLateUs recorded");
    assert.equal(late.count, r.record?.measurements.serverCounted.responses2xx);
    assert.ok(late.p50 <= late.p99 && late.p99 <= late.p99_9 && late.p99_9 <= late.max, JSON.stringify(late));
    assert.ok(late.p50 >= 100 && late.p50 < 50_000, `a 1,000 RPS run's median lateness: ${late.p50} µs`);
    assert.match(r.stderr, /server {5}its own lateness past the stub: p50 ≤ [\d.]+ · p99 ≤ /);
  });

  test("Debian's wrk on one CPU with more pending timers than it can walk: bound generator, the RPS a lower bound", async () => {
    // NOTE: 13,000 pending delay() timers on one thread of Debian's wrk: each pass walks them all
    // (docs/generator.md), well past one CPU. The lab's build keeps them in a heap and does not saturate: so
    // WRK=/usr/bin/wrk. wrk connects all of them before its loop runs (~4–5 s on one CPU); 10 s leaves a steady window.
    // NOTE: under half the untuned port range (28,232): its TIME_WAIT sockets then hold back no later small run
    // (load/time-wait.ts); 19,000 made the next test here wait 60 s for them to drain.
    const shape = ["-c", "13000", "-t", "1", "-R", "20000", "-d", "10s"];
    const r = await loadtestWith(
      { WRK: "/usr/bin/wrk" },
      s,
      "--mode",
      "paced",
      ...shape,
      "--generator-cpus",
      "0",
    );
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const m = r.record?.measurements;
    assert.equal(r.record?.load.generator?.patchSet, null, "Debian's build ran");
    const why = `${r.record?.boundWhy} ${JSON.stringify(m?.steadyWindow)}`;
    // NOTE: on a busy machine (make test BUSY=1) another task takes part of CPU 0 and wrk cannot reach 90 % of it on
    // its own: then the run must say so (contention), and wrk plus the others still filled its CPU.
    if (r.record?.bound === "contention") {
      const gen = m?.contention?.generator;
      assert.ok(gen, why);
      const full = (m?.cpu.generatorOfItsCpusPct ?? 0) + gen.otherTasksCpuPct + gen.irqCpuPct;
      assert.ok(full >= 90, `wrk's CPU was not full (${full.toFixed(0)} %): ${why}`);
      return;
    }
    assert.equal(r.record?.bound, "generator", why);
    assert.match(r.record?.boundWhy ?? "", /lower bound of the server's/);
    assert.ok((m?.cpu.generatorOfItsCpusPct ?? 0) >= 90);
    assert.ok((m?.cpu.serverOfItsCpusPct ?? 100) < 90, "the server was not the limit");
    assert.match(
      r.record?.boundWhy ?? "",
      /the server's own answers were ≤ [\d.]+ ms late past the stub at p99/,
    );
  });
});

test("an unpinned server: a split request becomes shared, flagged in the output and the record", async () => {
  const s = await startServer({ workers: 2, stubMs: 50 });
  try {
    const r = await loadtest(s, "--mode", "paced", "-c", "200", "-R", "500", "-d", "2s");
    assert.ok(r.code === 0 || r.code === 1, r.stderr); // a verdict either way: mechanics are under test
    assert.equal(r.record?.placement?.kind, "shared");
    assert.equal(r.record?.placement?.server.cpus, null);
    assert.match(r.stderr, /placement: shared, not split — the server runs unpinned/);
    assert.match(r.stderr, /placement {2}shared .* WARNING: both sides float/);
  } finally {
    await s.stop();
  }
});
