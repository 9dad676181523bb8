// A fleet read as one server: the servers' stats summed, the LB's own answers added as non-2xx, its sessions as
// the connections; the servers' CPU per request over their own answers only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildMeasurements, serverDelta } from "../../scripts/lib/load/measurements.ts";
import { lbOwnAnswers, serverPidsOf, sumFleet } from "../../scripts/lib/processes/fleet-stats.ts";
import { parseShowStat } from "../../scripts/lib/processes/haproxy-stats.ts";
import { sumWorkers, type WorkerStats } from "../../server/stats.ts";
import { SHOW_STAT } from "../helpers/haproxy-fixtures.ts";

const ROWS = parseShowStat(SHOW_STAT); // frontend: 2 × 2xx, 2 × 4xx, 2 denied; s1: 2 × 2xx
const worker = (pid: number, requests: number, checks: number): WorkerStats => ({
  ...{ id: pid, pid, requests, responses: { "200": requests }, aborted: 0, inFlight: 1, peakInFlight: 1 },
  ...{ openConnections: 3, peakOpenConnections: 3, checks },
});
const server = (primaryPid: number, workers: WorkerStats[]) =>
  sumWorkers(workers, {
    ...{ primaryPid, nativeUws: true, stubMs: 200, uptimeS: 1, restarts: 0 },
    ...{ selfConnection: 0, peakOpenConnections: 6 },
  });
const members = [
  { name: "s1", stats: server(10, [worker(11, 2, 5)]) },
  { name: "s2", stats: server(20, [worker(21, 0, 4), worker(22, 0, 1)]) },
];

test("the LB's own answers: the frontend's less the servers', by class", () => {
  assert.deepEqual(lbOwnAnswers(ROWS), { "4xx": 2 });
});

test("sumFleet: requests and responses with the LB's own, connections = its sessions, checks apart", () => {
  const f = sumFleet([ROWS], members, [30]);
  assert.equal(f.requests, 2 + 2, "the servers' 2 + the LB's 2");
  assert.deepEqual(f.responses, { "200": 2, "4xx": 2 });
  assert.equal(f.openConnections, 2, "the frontend's scur, not the servers' 9");
  assert.equal(f.selfConnection, 0);
  assert.equal(f.workers, 3);
  assert.equal(f.checks, 10);
  assert.equal(f.fleet.lbOwn, 2);
  assert.deepEqual(serverPidsOf(f), [10, 11, 20, 21, 22], "every primary and worker; not the LB's 30");
});

test("the servers' µs per request leaves the LB's own answers out; the LB's counts them", () => {
  const f = sumFleet([ROWS], members, [30]);
  const before = { ...f, requests: 0, responses: {}, fleet: { ...f.fleet, lbOwn: 0 } } as typeof f;
  const d = serverDelta(before, f);
  assert.equal(d.lbOwn, 2);
  assert.equal(d.responses, 4);
  const lb = { pct: 10, cpuUs: 400, cpus: 1 };
  const cpu = { serverPct: 1, generatorPct: 1, machinePct: 3, cpus: 2, serverCpuUs: 100, generatorCpuUs: 0 };
  const merged = {
    requests: 4,
    durationUs: 1e6,
    latency: { p50: 0, p90: 0, p99: 0, p99_9: 0, min: 0, max: 0, mean: 0, stdev: 0 },
    histogram: [],
    errors: { connect: 0, read: 0, write: 0, timeout: 0, status: 2 },
  };
  const m = buildMeasurements(
    {
      merged: merged as never,
      ...{
        coSyntheticRemoved: 0,
        window: null,
        contention: null,
        server: d,
        serverLate: null,
        beforeHandler: null,
      },
      cpu: { ...cpu, serverCpus: 1, generatorCpus: 1, lb },
      ...{ rssBytes: 0, connectionsEstablished: 2, connectedAtS: 0, samples: [] },
      kernel: { netstatDelta: {}, sockstatBefore: {}, sockstatAfter: {} },
    },
    { stubMs: 200, percentile: 99 } as never,
    2,
  );
  assert.equal(m.cpu.serverUsPerRequest, 50, "100 µs over the servers' 2 answers");
  assert.equal(m.cpu.lbUsPerRequest, 100, "400 µs over all 4");
  assert.equal(m.errors.non2xx, 2);
});
