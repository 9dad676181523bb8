// Whose CPU was it: a busy loop on the server's CPU shows in the record as other tasks' CPU and run-queue wait.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { runCli } from "../helpers/cli.ts";
import { pacedRecord, pacedShape, SPLIT } from "../helpers/lab-run.ts";

const root = process.getuid?.() === 0;
const skip = os.cpus().length < 2 ? "needs 2 CPUs" : !root && "needs root (a PID namespace)";
const dir = mkdtempSync(join(os.tmpdir(), "contention-test-"));
const loops: ChildProcess[] = [];
after(() => {
  for (const l of loops) l.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** One small split run (server CPU 1, wrk CPU 0); its record. */
async function labRun(tag: string, port: number): Promise<ResultRecord> {
  const out = join(dir, tag);
  const args = [...SPLIT, "--port", String(port), ...pacedShape(400, "4s"), "--results-dir", out];
  const r = await runCli("scripts/lab.ts", args, { timeoutMs: 90_000 });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return pacedRecord(out);
}

test("a busy loop on the server's CPU reads contention; the same shape without it reads less", {
  skip,
  timeout: 180_000,
}, async () => {
  const quiet = await labRun("quiet", 8076);
  // NOTE: the loop is this test's own, in a PID namespace of its own, pinned to CPU 1 and bounded (30 s);
  // --kill-child: killing unshare kills the loop too (else it ran on for its 30 s and loaded the next test).
  const loop = spawn("unshare", [
    "--pid",
    "--kill-child",
    "taskset",
    "-c",
    "1",
    "timeout",
    "30",
    "sh",
    "-c",
    "while :; do :; done",
  ]);
  loops.push(loop);
  const busy = await labRun("busy", 8077);
  loop.kill("SIGKILL");
  const [q, b] = [quiet.measurements.contention?.server, busy.measurements.contention?.server];
  assert.ok(q && b, "contention recorded for the server side");
  const t = busy.measurements.contention?.thresholds;
  assert.ok(t, "the thresholds are recorded");
  assert.ok(b.otherTasksCpuPct >= 40, `other tasks on CPU 1 with the loop: ${b.otherTasksCpuPct} %`);
  assert.ok(
    b.otherTasksCpuPct - q.otherTasksCpuPct >= 30,
    `quiet ${q.otherTasksCpuPct} %, busy ${b.otherTasksCpuPct} %`,
  );
  assert.ok(
    b.runQueueWaitPct > q.runQueueWaitPct,
    `wait quiet ${q.runQueueWaitPct} %, busy ${b.runQueueWaitPct} %`,
  );
  assert.equal(busy.bound, "contention", busy.boundWhy);
  assert.match(busy.boundWhy ?? "", /^server: other tasks took [\d.]+ % of CPUs 1/);
  for (const r of busy.verdict.reasons.filter((x) => x.rule === "latency"))
    assert.match(r.detail, /the machine's, not the server's/);
  // NOTE: mechanics, not a quiet machine: the quiet run's bound agrees with its own measurements.
  const over = q.otherTasksCpuPct >= t.otherTasksCpuPct || q.waitBehindOthersPct >= t.runQueueWaitPct;
  assert.equal(quiet.bound === "contention", over, `${quiet.bound}: ${quiet.boundWhy}`);
});

test("make lab REPEATS=2: two interleaved runs and a summary with n = 2", {
  skip,
  timeout: 180_000,
}, async () => {
  const out = join(dir, "repeats");
  const args = [...SPLIT, "--port", "8078", ...pacedShape(200, "3s"), "--repeats", "2", "--results-dir", out];
  const r = await runCli("scripts/lab.ts", args, {
    timeoutMs: 120_000,
  });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.equal(readdirSync(out).filter((d) => d.includes("-paced-")).length, 2, "two runs written");
  assert.match(r.stdout, /median \(min–max\) +\| paced \(n 2\)/);
  assert.match(r.stdout, /runs passed +\| [012] of 2/);
  assert.match(r.stdout, /p99 ms +\| [\d.]+( \([\d.]+–[\d.]+\))?/);
  assert.match(r.stderr, /exit [01]: (PASS|FAIL) \([012] of 2 paced runs passed\)/);
});
