// The split placement for real: pinned server and wrk read back into the record; an unpinned server is flagged
// shared. (The per-side bound rule itself: test/unit/bound.test.ts, on the contract's measured runs.)
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
  const common = ["--json", "--url", `${s.url}/ping/`, "--warmup", "0", "--results-dir", dir];
  const r = await runCli("scripts/loadtest.ts", [...common, ...args], { timeoutMs: 90_000 });
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
    assert.equal(r.code, 0, r.stderr);
    const pl = r.record?.placement;
    assert.equal(pl?.kind, "split");
    assert.deepEqual(pl?.server.cpus, [1]);
    assert.ok((pl?.server.pinned ?? []).length >= 3, "primary + 2 workers read back");
    for (const p of pl?.server.pinned ?? []) assert.deepEqual(p.cpus, [1], `server pid ${p.pid}`);
    const gen = pl?.generator[0];
    assert.deepEqual(gen?.cpus, [0]);
    assert.equal(gen?.pinned?.length, r.record?.load.shards);
    for (const p of gen?.pinned ?? []) assert.deepEqual(p.cpus, [0], `wrk pid ${p.pid}`);
    for (const c of r.record?.load.commands ?? []) assert.match(c, /taskset -c 0 wrk /);
    const cpu = r.record?.measurements.cpu;
    assert.equal(cpu?.serverOfItsCpusPct, cpu?.serverPct, "one CPU: its share is its % of one core");
    assert.match(r.stderr, /placement {2}split · server CPUs 1: .* wrk CPUs 0: /);
  });
});

test("an unpinned server: a split request becomes shared, flagged in the output and the record", async () => {
  const s = await startServer({ workers: 2, stubMs: 50 });
  try {
    const r = await loadtest(s, "--mode", "paced", "-c", "200", "-R", "500", "-d", "2s");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.record?.placement?.kind, "shared");
    assert.equal(r.record?.placement?.server.cpus, null);
    assert.match(r.stderr, /placement: shared, not split — the server runs unpinned/);
    assert.match(r.stderr, /placement {2}shared .* WARNING: both sides float/);
  } finally {
    await s.stop();
  }
});
