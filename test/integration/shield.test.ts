// The shield for real: other tasks moved off the server's CPUs and put back exactly (by lab.ts and make unshield).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { affinityOf } from "../../scripts/lib/placement/cpus.ts";
import { lowerShield, raiseShield } from "../../scripts/lib/placement/shield.ts";
import { runCli, startCli } from "../helpers/cli.ts";

const skip = os.cpus().length < 2 && "needs 2 CPUs";
const dir = mkdtempSync(join(os.tmpdir(), "shield-test-"));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A sleeping process of this test, on `cpus` (taskset-style) or on every CPU. */
function sleeper(cpus?: string): number {
  const c = cpus ? spawn("taskset", ["-c", cpus, "sleep", "300"]) : spawn("sleep", ["300"]);
  children.push(c);
  return c.pid ?? 0;
}

const ALL = os.cpus().map((_, i) => i);
const settle = () => new Promise((r) => setTimeout(r, 200)); // taskset has exec'd sleep by then

test("raise moves a free task off the server's CPUs and leaves a pinned one; make unshield puts it back", {
  skip,
}, async () => {
  const path = join(dir, "state.json");
  const free = sleeper();
  const pinned = sleeper("1");
  await settle();
  const state = raiseShield([1], [free, pinned], path);
  assert.deepEqual(
    state.tasks.map((t) => t.tid),
    [free],
  );
  assert.deepEqual(
    affinityOf(free),
    ALL.filter((c) => c !== 1),
  );
  assert.deepEqual(affinityOf(pinned), [1]);
  assert.ok(existsSync(path), "the state is saved while the shield is up");
  assert.throws(
    () => raiseShield([1], [free], path),
    (e: Error) => e instanceof InvalidRun && /make unshield/.test(e.message),
  );

  const env = { LAB_SHIELD_STATE: path };
  const doctor = await runCli("scripts/doctor.ts", ["--json", "--connections", "100"], { env });
  const left = (
    JSON.parse(doctor.stdout) as { checks: { name: string; status: string; fix: string }[] }
  ).checks.find((c) => c.name === "shield");
  assert.equal(left?.status, "WARN", "make doctor flags a shield left up");
  assert.match(left?.fix ?? "", /make unshield/);
  const r = await runCli("scripts/unshield.ts", [], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 tasks back on their CPUs/);
  assert.deepEqual(affinityOf(free), ALL);
  assert.ok(!existsSync(path), "the state is removed once put back");
  const again = await runCli("scripts/unshield.ts", [], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to put back/);
  assert.equal(lowerShield(path), 0);
});

test("make lab SHIELD=1: a task of the machine is off CPU 1 during the run, back after; the record counts", {
  skip: skip || (process.getuid?.() !== 0 && "needs root (moves other users' tasks)"),
}, async () => {
  const path = join(dir, "lab-state.json");
  const sentinel = sleeper();
  await settle();
  const shape = ["--modes", "paced", "-c", "400", "-R", "400", "-d", "3s", "--warmup", "0"];
  const args = [
    "--placement",
    "split",
    "--server-cpus",
    "1",
    "--generator-cpus",
    "0",
    "--shield",
    "--port",
    "8072",
  ];
  const lab = startCli("scripts/lab.ts", [...args, "--workers", "2", ...shape, "--results-dir", dir], {
    env: { LAB_SHIELD_STATE: path },
    timeoutMs: 90_000,
  });
  const seen = new Set<string>();
  const poll = setInterval(() => seen.add(JSON.stringify(affinityOf(sentinel))), 100);
  const r = await lab.done;
  clearInterval(poll);
  assert.ok([0, 1].includes(r.code ?? -1), r.stderr);
  assert.match(r.stderr, /shield: \d+ other tasks moved off CPUs 1/);
  assert.ok(
    seen.has(JSON.stringify(ALL.filter((c) => c !== 1))),
    `the sentinel never left CPU 1: ${[...seen]}`,
  );
  assert.deepEqual(affinityOf(sentinel), ALL, "the sentinel is back on every CPU");
  assert.ok(!existsSync(path), "no shield state left");
  const runDir = readdirSync(dir).find((d) => d.includes("-paced-"));
  assert.ok(runDir);
  const record = JSON.parse(readFileSync(join(dir, runDir, "result.json"), "utf8")) as ResultRecord;
  assert.equal(record.placement?.kind, "split");
  assert.ok((record.placement?.server.shieldedTasks ?? 0) >= 1, "the record counts the moved tasks");
});

test("SHIELD=1 with shared or netns placement: one line, exit 2, nothing started", { skip }, async () => {
  for (const placement of ["shared", "netns"]) {
    const r = await runCli("scripts/lab.ts", ["--placement", placement, "--shield", "--port", "8073"], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--shield needs PLACEMENT=split/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

test("make doctor names a task above the server's priority that may run on its CPUs", {
  skip: skip || (process.getuid?.() !== 0 && "needs root (nice -5)"),
}, async () => {
  const c = spawn("nice", ["-n", "-5", "sleep", "300"]);
  children.push(c);
  await settle();
  const doctor = (...a: string[]) => runCli("scripts/doctor.ts", ["--json", "--connections", "100", ...a]);
  type Row = { name: string; current: string; status: string; fix: string };
  const rows = async (...a: string[]) =>
    (JSON.parse((await doctor(...a)).stdout) as { checks: Row[] }).checks;
  const row = (await rows("--server-cpus", "1", "--generator-cpus", "0")).find(
    (r) => r.name === "other tasks on the server's CPUs",
  );
  assert.ok(row, "no neighbour row under split");
  assert.equal(row.status, "WARN");
  assert.match(row.current, /above the server.s priority: .*sleep \(pid \d+, nice -5\)/);
  assert.match(row.fix, /SHIELD=1/);
  const shared = await rows("--placement", "shared");
  assert.ok(
    !shared.some((r) => r.name === "other tasks on the server's CPUs"),
    "no neighbour row when shared",
  );
});
