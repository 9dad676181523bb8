// findBound: which side limited a crafted run — fd limit, listen backlog, wrk, the server, none — and the "other CPU" warning.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BoundInput, findBound } from "../../scripts/lib/contract/bound.ts";
import type { Measurements } from "../../scripts/lib/contract/record.ts";
import { fixtureRecord } from "../helpers/result-fixtures.ts";

const CONNS = 20_000;
// 2 cores; server 50 %, wrk 50 %, machine 100 % of 200 %; every connection up, no kernel drops
const quiet = fixtureRecord({
  at: 0,
  workers: 2,
  mode: "saturate",
  connections: CONNS,
  rps: 90_000,
  p99Ms: 215,
});

/** 2 workers, wrk -t2, 20,000 fds per worker, on the quiet run with some measurements changed. */
function input(change: (m: Measurements) => void = () => {}, over: Partial<BoundInput> = {}): BoundInput {
  const m = structuredClone(quiet.measurements);
  change(m);
  return { m, connections: CONNS, workers: 2, wrkThreads: 2, workerNofile: 20_000, ...over };
}

const cpu =
  (serverPct: number, generatorPct: number, machinePct = serverPct + generatorPct) =>
  (m: Measurements) => {
    Object.assign(m.cpu, { serverPct, generatorPct, machinePct });
  };

test("none: no resource saturated", () => {
  assert.deepEqual(findBound(input()), {
    bound: "none",
    why: "no resource saturated (server 50 %, wrk 50 %, machine 100 % of 200 %)",
  });
});

test("fd-limit: connections short and each worker's share at its fd limit", () => {
  const short = (m: Measurements): void => {
    m.connectionsEstablished = 19_000;
  };
  const b = findBound(input(short, { workers: 1 }));
  assert.deepEqual(b, {
    bound: "fd-limit",
    why: "20000 connections over 1 workers need more than their 20000 fds",
  });
  // the fd limit comes first, even when the backlog overflowed too
  const both = findBound(
    input(
      (m) => {
        short(m);
        m.kernel.netstatDelta = { "TcpExt.ListenOverflows": 500 };
      },
      { workers: 1 },
    ),
  );
  assert.equal(both.bound, "fd-limit");
  // 2 workers × 20,000 fds hold 20,000 connections: not the fd limit
  assert.notEqual(findBound(input(short)).bound, "fd-limit");
  // an unknown limit (0) is never blamed
  assert.notEqual(findBound(input(short, { workers: 1, workerNofile: 0 })).bound, "fd-limit");
});

test("backlog: listen overflows that kept connections out or dropped ≥ 1 % of them", () => {
  const drops =
    (n: number, established = CONNS) =>
    (m: Measurements) => {
      m.kernel.netstatDelta = { "TcpExt.ListenOverflows": n, "TcpExt.ListenDrops": n };
      m.connectionsEstablished = established;
    };
  assert.deepEqual(findBound(input(drops(100))), {
    bound: "backlog",
    why: "kernel listen overflows/drops: 200",
  });
  assert.equal(findBound(input(drops(3, CONNS - 1))).bound, "backlog");
  // a few drops in the connect storm, every connection up: not what limited the steady state
  assert.equal(findBound(input(drops(3))).bound, "none");
});

test("generator saturated and the backlog overflowed: generator-bound (the contract), the overflows named too", () => {
  const both = findBound(
    input(
      (m) => {
        cpu(43, 99, 150)(m);
        m.kernel.netstatDelta = { "TcpExt.ListenOverflows": 523, "TcpExt.ListenDrops": 523 };
      },
      { wrkThreads: 1, sides: { serverCpus: 1, generatorCpus: 1 } },
    ),
  );
  assert.deepEqual(both, {
    bound: "generator",
    why: "wrk threads saturated (server 43 % of its 100 %, wrk 99 % of its 100 %); the RPS is a lower bound of the server's; kernel listen overflows/drops: 1046",
  });
});

test("generator: wrk's threads saturated (≥ 90 % of min(threads, cores))", () => {
  const b = findBound(input(cpu(10, 185)));
  assert.deepEqual(b, {
    bound: "generator",
    why: "wrk threads saturated (server 10 %, wrk 185 %, machine 195 % of 200 %); the RPS is a lower bound of the server's",
  });
  assert.equal(findBound(input(cpu(10, 95), { wrkThreads: 1 })).bound, "generator");
});

test("server: its workers saturated (≥ 90 % of min(workers, cores))", () => {
  const b = findBound(input(cpu(185, 10)));
  assert.deepEqual(b, {
    bound: "server",
    why: "server workers saturated (server 185 %, wrk 10 %, machine 195 % of 200 %)",
  });
  assert.equal(findBound(input(cpu(92, 40), { workers: 1 })).bound, "server");
});

test("cores saturated with neither side alone: the larger share is the bound", () => {
  assert.deepEqual(findBound(input(cpu(100, 85))), {
    bound: "server",
    why: "cores saturated, server the larger share (server 100 %, wrk 85 %, machine 185 % of 200 %)",
  });
  assert.equal(findBound(input(cpu(85, 100))).bound, "generator");
  assert.match(findBound(input(cpu(85, 100))).why, /lower bound of the server's/);
  // machine CPU counts too (softirq work charged to neither side)
  assert.equal(findBound(input(cpu(80, 70, 190))).bound, "server");
});

test("other CPU over 30 % adds a warning to the reason, the bound itself unchanged", () => {
  const noisy = findBound(
    input((m) => {
      m.cpu.otherPct = 45;
    }),
  );
  assert.equal(noisy.bound, "none");
  assert.match(
    noisy.why,
    /^no resource saturated \(.*\); WARNING: 45 % CPU went to softirq\/other processes — rerun on a quiet machine$/,
  );
  const edge = findBound(
    input((m) => {
      m.cpu.otherPct = 30;
    }),
  );
  assert.doesNotMatch(edge.why, /WARNING/);
});

test("split: each side judged on its own CPUs — wrk at 92 % of its one CPU is the bound a machine-wide rule misses", () => {
  const sides = { serverCpus: 1, generatorCpus: 1 };
  const measured = cpu(68, 92, 175); // the pinned saturate run of the contract: 74.9k RPS
  assert.equal(findBound(input(measured, { wrkThreads: 4 })).bound, "none", "machine-wide rule");
  assert.deepEqual(findBound(input(measured, { wrkThreads: 4, sides })), {
    bound: "generator",
    why: "wrk threads saturated (server 68 % of its 100 %, wrk 92 % of its 100 %); the RPS is a lower bound of the server's",
  });
  assert.equal(findBound(input(cpu(95, 40, 150), { sides })).bound, "server");
  // two sides on their own CPUs cannot starve each other: a busy machine alone is not a bound
  assert.equal(
    findBound(input(cpu(85, 85, 190), { sides: { serverCpus: 2, generatorCpus: 2 } })).bound,
    "none",
  );
});

test("the steady window's CPU decides: a ramp-up average of 88 % hides wrk at 98 % of its CPU", () => {
  const sides = { serverCpus: 1, generatorCpus: 1 };
  const ramped = (m: Measurements): void => {
    Object.assign(m.cpu, { serverPct: 42, generatorPct: 88, machinePct: 141 });
    m.steadyWindow = { fromS: 2.5, toS: 4.75, responses2xx: 33_000, serverPct: 45, generatorPct: 98 };
  };
  const b = findBound(input(ramped, { wrkThreads: 1, sides }));
  assert.equal(b.bound, "generator");
  assert.match(b.why, /wrk 98 % of its 100 %/);
  // without a steady window (too short a run) the whole-run figures are all there is
  const short = (m: Measurements): void => {
    ramped(m);
    m.steadyWindow = null;
  };
  assert.equal(findBound(input(short, { wrkThreads: 1, sides })).bound, "none");
});

test("a side whose CPU was not read (other hosts) is not cleared: none says so; a measured limit stands", () => {
  const sides = { serverCpus: 1, generatorCpus: 1 };
  const none = findBound(input(cpu(50, 0), { sides, cpuUnknown: ["generator"] }));
  assert.equal(none.bound, "none");
  assert.match(none.why, /generator CPU not measured \(other hosts\): not ruled out as the limit$/);
  assert.equal(findBound(input(cpu(95, 0), { sides, cpuUnknown: ["generator"] })).bound, "server");
  assert.doesNotMatch(findBound(input(cpu(50, 0), { sides })).why, /not measured/);
});

const side = (otherTasksCpuPct: number, runQueueWaitPct: number) => ({
  cpus: [1],
  threads: 3,
  runQueueWaitUs: runQueueWaitPct * 10_000 * 30,
  runQueueWaitPct,
  waitBehindOthersPct: runQueueWaitPct,
  worstIntervalWaitUs: 20_000,
  otherTasksCpuPct,
  irqCpuPct: 1,
  stealCpuPct: 0,
});
const thresholds = { runQueueWaitPct: 10, otherTasksCpuPct: 5 };

test("contention: other tasks past the threshold on a side's CPUs bound the run; below it they do not", () => {
  const busy = findBound(
    input((m) => Object.assign(m, { contention: { server: side(40, 1), generator: side(0, 1) } }), {
      contention: thresholds,
    }),
  );
  assert.equal(busy.bound, "contention");
  assert.match(
    busy.why,
    /^server: other tasks took 40\.0 % of CPUs 1 \(≥ 5 %\) — this run speaks of the machine/,
  );
  assert.match(busy.why, /\(without it: none, no resource saturated/);
  const calm = input((m) => Object.assign(m, { contention: { server: side(4, 9), generator: side(0, 9) } }), {
    contention: thresholds,
  });
  assert.equal(findBound(calm).bound, "none");
  const waited = input(
    (m) => Object.assign(m, { contention: { server: side(0, 1), generator: side(0, 12) } }),
    {
      contention: thresholds,
    },
  );
  assert.match(
    findBound(waited).why,
    /^wrk: run-queue wait behind other tasks 12\.0 % of the window \(≥ 10 %;/,
  );
  // NOTE: a side waiting behind its own threads (or an idle vCPU's wake-up) with no other task is not contended
  const own = input(
    (m) =>
      Object.assign(m, {
        contention: { server: { ...side(0, 40), waitBehindOthersPct: 0 }, generator: null },
      }),
    { contention: thresholds },
  );
  assert.equal(findBound(own).bound, "none");
  // NOTE: the contract: a saturated generator is the bound whatever else happened.
  const gen = input(
    (m) => {
      cpu(50, 195)(m);
      Object.assign(m, { contention: { server: side(40, 1), generator: null } });
    },
    { contention: thresholds },
  );
  assert.equal(findBound(gen).bound, "generator");
});

// A fleet: servers and HAProxy sharing CPU 1 (1 CPU each side), wrk on CPU 0; steady-window figures rule.
const fleet = (serverPct: number, lbPct: number, shares = true) =>
  input(
    (m) => {
      m.steadyWindow = { fromS: 1, toS: 9, responses2xx: 1, serverPct, generatorPct: 20, lbPct };
      Object.assign(m.cpu, { serverPct, generatorPct: 20, lbPct, lbOfItsCpusPct: lbPct, machinePct: 100 });
    },
    { sides: { serverCpus: 1, generatorCpus: 1 }, lb: { threads: 1, cpus: 1, sharesServerCpus: shares } },
  );

test("lb: HAProxy at 90 % of its own CPU", () => {
  const b = findBound(fleet(5, 92, false));
  assert.equal(b.bound, "lb");
  assert.match(b.why, /^the load balancer saturated \(HAProxy 92 % of its 100 %, servers 5 %\)/);
});

test("lb or server: sharing CPU 1, together ≥ 90 % — the larger share is the bound; apart, neither", () => {
  assert.equal(findBound(fleet(40, 55)).bound, "lb");
  const s = findBound(fleet(55, 40));
  assert.equal(s.bound, "server");
  assert.match(s.why, /the servers the larger share \(HAProxy 40 % of its 100 %, servers 55 %\)/);
  assert.equal(findBound(fleet(55, 40, false)).bound, "none");
  assert.equal(findBound(fleet(40, 45)).bound, "none");
});
