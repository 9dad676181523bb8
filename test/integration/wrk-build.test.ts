// The lab's wrk (wrk/): built once, rebuilt by nothing, a bad fetch refused in one line; its patches' own tests.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { generatorBuild, LAB_WRK } from "../../scripts/lib/processes/generator-build.ts";
import { REPO, run } from "../helpers/cli.ts";

const BUILD = join(REPO, "wrk/build.sh");
const script = (name: string, env: NodeJS.ProcessEnv = {}) =>
  run("bash", [join(REPO, "wrk/test", name)], { env, timeoutMs: 90_000 });

test("wrk/build.sh a second time builds nothing; the build names its patch set", {
  timeout: 600_000,
}, async () => {
  const first = await run("bash", [BUILD], { timeoutMs: 540_000 }); // NOTE: builds only on a fresh clone
  assert.equal(first.code, 0, first.stderr);
  const t0 = performance.now();
  const again = await run("bash", [BUILD]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout + again.stderr, "", "a current build prints nothing");
  assert.ok(performance.now() - t0 < 3000, "and takes no time");
  const hash = (await run("bash", [BUILD, "--patch-hash"])).stdout.trim();
  const b = generatorBuild(LAB_WRK);
  assert.equal(b?.patchSet, hash, `wrk -v: ${b?.versionLine}`);
  assert.equal(b?.latencyFrom, "schedule");
});

test("an unknown pinned version: one line, exit 2, the built wrk untouched", {
  timeout: 300_000,
}, async () => {
  const before = statSync(LAB_WRK).mtimeMs;
  const r = await run("bash", [BUILD], { env: { WRK_DEB_VERSION: "4.1.0-99" }, timeoutMs: 240_000 });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /^wrk\/build\.sh: wrk source 4\.1\.0-99 not found in Debian's sources .* — /);
  assert.equal(statSync(LAB_WRK).mtimeMs, before, "the binary on the path was not touched");
  assert.ok(generatorBuild(LAB_WRK), "and still runs");
});

test("the exact rate with 1, 10 and 2,000 pending delays per thread", { timeout: 120_000 }, async () => {
  const r = await script("rate.sh");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /^FAIL/m);
});

test("a connection closed during its delay keeps one request chain; Debian's wrk does not", {
  timeout: 120_000,
}, async () => {
  const lab = await script("reconnect.sh");
  assert.equal(lab.code, 0, lab.stdout + lab.stderr);
  const stock = await script("reconnect.sh", { WRK: "/usr/bin/wrk" });
  assert.equal(stock.code, 1, `the bug reproduces on Debian's wrk: ${stock.stdout}`);
});

test("wrk.send_stamp / answer_stamp: each request carries its write time, each answer's is read; not on Debian's wrk", {
  timeout: 60_000,
}, async () => {
  const lab = await script("stamp.sh");
  assert.equal(lab.code, 0, lab.stdout + lab.stderr);
  assert.match(lab.stdout, /^ok {3}\d+ requests: 0 unstamped, 0 stamps not increasing/m);
  assert.match(lab.stdout, /^ok {3}read lateness of (\d+)\/\1 answers/m);
  const stock = await script("stamp.sh", { WRK: "/usr/bin/wrk" });
  assert.equal(stock.code, 1, `Debian's wrk has no send stamp: ${stock.stdout}`);
  assert.match(stock.stdout, /^FAIL read lateness: read_lateness nil$/m);
});

test("latency from the schedule: slow answers show in the p99, the send lateness on its own", {
  timeout: 120_000,
}, async () => {
  const r = await script("latency.sh");
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok {3}schedule-based p99 >= 250 ms$/m);
});
