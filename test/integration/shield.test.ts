// The shield for real, inside a PID namespace of its own: other tasks moved off the server's CPUs and put back exactly.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { affinityOf } from "../../scripts/lib/placement/cpus.ts";
import { lowerShield, raiseShield } from "../../scripts/lib/placement/shield.ts";
import { run, runCli, startCli } from "../helpers/cli.ts";
import { pacedRecord, pacedShape, SPLIT, untilStderr } from "../helpers/lab-run.ts";

// NOTE: the shield moves every user task of the machine it sees. Run in the machine's own PID namespace it would
// move the machine's services (PID 1 included, before it learnt not to). So this file's tests run only inside
// `unshare --pid --fork --mount-proc`, where /proc shows the test's own tasks; run outside, the file's one test
// starts that namespace and runs the file again inside it.
const HOST_PIDNS = process.env.LAB_SHIELD_HOST_PIDNS;
const inOwnPidns = HOST_PIDNS !== undefined && readlinkSync("/proc/self/ns/pid") !== HOST_PIDNS;
if (HOST_PIDNS !== undefined && !inOwnPidns)
  throw new Error("LAB_SHIELD_HOST_PIDNS set, but this is that PID namespace");
const root = process.getuid?.() === 0;
const skip = (os.cpus().length < 2 && "needs 2 CPUs") || (!root && "needs root (a PID namespace)");

test("the shield's tests pass inside a PID namespace of their own", {
  skip: inOwnPidns ? "this is the inner run" : skip,
  timeout: 240_000,
}, async () => {
  const self = "test/integration/shield.test.ts";
  const r = await run(
    "unshare",
    [
      "--pid",
      "--kill-child",
      "--mount-proc",
      process.execPath,
      "--import",
      "tsx",
      "--test",
      "--test-force-exit",
      self,
    ],
    // NOTE: NODE_TEST_CONTEXT unset: else the inner runner talks to this one in its binary protocol, not TAP.
    {
      env: { LAB_SHIELD_HOST_PIDNS: readlinkSync("/proc/self/ns/pid"), NODE_TEST_CONTEXT: undefined },
      timeoutMs: 220_000,
    },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^# pass [5-9]$/m, r.stdout);
  assert.match(r.stdout, /^# fail 0$/m);
});

const inner = inOwnPidns ? skip : "runs only inside its own PID namespace";
const dir = mkdtempSync(join(os.tmpdir(), "shield-test-"));
const children: ChildProcess[] = [];
const orphans: number[] = [];
// NOTE: the shield state is put back before its directory goes, so a failed test still restores what it moved.
after(() => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith("state.json"))) lowerShield(join(dir, f));
  for (const c of children) c.kill("SIGKILL");
  for (const pid of orphans) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A sleeping child of this test, on `cpus` (taskset-style) or on every CPU. */
function sleeper(cpus?: string): number {
  const c = cpus ? spawn("taskset", ["-c", cpus, "sleep", "300"]) : spawn("sleep", ["300"]);
  children.push(c);
  return c.pid ?? 0;
}

/** A sleeping task of "the machine": not this test's descendant (its parent exits, so it is reparented). */
function machineTask(): number {
  const pid = Number(execFileSync("sh", ["-c", "sleep 300 >/dev/null 2>&1 & echo $!"], { encoding: "utf8" }));
  orphans.push(pid);
  return pid;
}

const ALL = os.cpus().map((_, i) => i);
const settle = () => new Promise((r) => setTimeout(r, 200)); // taskset has exec'd sleep by then

test("never touched: PID 1, this process, its ancestors and its own children", { skip: inner }, async () => {
  const path = join(dir, "untouched-state.json");
  const mine = sleeper();
  const other = machineTask();
  await settle();
  const parent = Number(readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ")[1]);
  const state = raiseShield([1], [1, process.pid, parent, mine, other], path);
  assert.deepEqual(
    state.tasks.map((t) => t.tid),
    [other],
  );
  for (const pid of [1, process.pid, parent, mine])
    assert.deepEqual(affinityOf(pid), ALL, `pid ${pid} moved`);
  assert.deepEqual(lowerShield(path), { restored: 1, changed: [], failed: [] });
  assert.deepEqual(affinityOf(other), ALL);
});

test("lower puts back only a task still on the set it was given, and names the others", {
  skip: inner,
}, async () => {
  const path = join(dir, "changed-state.json");
  const [a, b] = [machineTask(), machineTask()];
  await settle();
  raiseShield([1], [a, b], path);
  execFileSync("taskset", ["-pc", "1", String(b)]); // someone else changes b's set meanwhile
  const l = lowerShield(path);
  assert.equal(l.restored, 1);
  assert.deepEqual(l.changed, [`sleep (tid ${b})`]);
  assert.deepEqual(affinityOf(a), ALL);
  assert.deepEqual(affinityOf(b), [1], "a set changed by someone else is left as it is");
  assert.ok(!existsSync(path));
});

test("raise moves a free task off the server's CPUs and leaves a pinned one; make unshield puts it back", {
  skip: inner,
}, async () => {
  const path = join(dir, "state.json");
  const free = machineTask();
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
  assert.match(r.stdout, /unshield: 1 tasks back on their CPUs/);
  assert.deepEqual(affinityOf(free), ALL);
  assert.ok(!existsSync(path), "the state is removed once put back");
  const again = await runCli("scripts/unshield.ts", [], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /nothing to put back/);
  assert.equal(lowerShield(path).restored, 0);
});

test("make lab SHIELD=1: a task of the machine is off CPU 1 during the run, back after; the record counts", {
  skip: inner,
}, async () => {
  const path = join(dir, "lab-state.json");
  const sentinel = machineTask();
  await settle();
  const args = [...SPLIT, "--shield", "--port", "8072", ...pacedShape(400, "3s"), "--results-dir", dir];
  const lab = startCli("scripts/lab.ts", args, {
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
  const record = pacedRecord(dir);
  assert.equal(record.placement?.kind, "split");
  assert.ok((record.placement?.server.shieldedTasks ?? 0) >= 1, "the record counts the moved tasks");
});

test("Ctrl-C with the shield up: exit 130, the task back on its CPUs, no shield state", {
  skip: inner,
}, async () => {
  const path = join(dir, "int-state.json");
  const sentinel = machineTask();
  await settle();
  const args = [...SPLIT, "--shield", "--port", "8075", ...pacedShape(200, "10s"), "--results-dir", dir];
  const lab = startCli("scripts/lab.ts", args, {
    env: { LAB_SHIELD_STATE: path },
    timeoutMs: 90_000,
  });
  await untilStderr(lab, /shield: \d+ other tasks moved/);
  assert.deepEqual(affinityOf(sentinel), [0], "the shield is up");
  lab.child.kill("SIGINT");
  const r = await lab.done;
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(affinityOf(sentinel), ALL, "the sentinel is back on every CPU");
  assert.ok(!existsSync(path), "no shield state left");
});

test("SHIELD=1 with shared or netns placement: one line, exit 2, nothing started", {
  skip: inner,
}, async () => {
  for (const placement of ["shared", "netns"]) {
    const r = await runCli(
      "scripts/lab.ts",
      ["--placement", placement, "--shield", "--port", "8073", "--profile", "none"],
      {
        timeoutMs: 30_000,
      },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--shield needs PLACEMENT=split/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

test("make doctor names a task above the server's priority that may run on its CPUs", {
  skip: inner,
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
