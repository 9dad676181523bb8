// An LB of several HAProxy processes (SO_REUSEPORT): their stats merged into one LB's, and how many the fds need.
import assert from "node:assert/strict";
import { test } from "node:test";
import { haproxyLimits } from "../../scripts/lib/processes/haproxy-config.ts";
import { checkFdBudget, lbProcessesFor, shareOf } from "../../scripts/lib/processes/haproxy-fds.ts";
import { mergeShowInfo, mergeStatRows } from "../../scripts/lib/processes/haproxy-merge.ts";
import {
  parseShowInfo,
  parseShowStat,
  proxyRow,
  serverRows,
} from "../../scripts/lib/processes/haproxy-stats.ts";
import { SHOW_INFO, SHOW_STAT } from "../helpers/haproxy-fixtures.ts";

const one = parseShowStat(SHOW_STAT);
// the second process: s2 back UP there, s1 going down
const other = parseShowStat(
  SHOW_STAT.replace(",UP,1,1,0,0,0,3,", ",UP 1/2,1,1,0,0,0,3,").replace(",DOWN,", ",UP,"),
);

test("one process: its rows as they are", () => {
  assert.deepEqual(mergeStatRows([one]), one);
  assert.deepEqual(mergeStatRows([]), []);
});

test("several: counters summed by proxy and server, a server up while any process sends it traffic", () => {
  const rows = mergeStatRows([one, other, one]);
  assert.equal(rows.length, one.length);
  const fe = proxyRow(rows, "lab", "frontend");
  assert.equal(fe.hrsp["2xx"], 3 * proxyRow(one, "lab", "frontend").hrsp["2xx"]);
  assert.equal(fe.dreq, 3 * proxyRow(one, "lab", "frontend").dreq);
  const [s1, s2] = serverRows(rows, "servers");
  const [o1, o2] = serverRows(one, "servers");
  assert.ok(s1 && s2 && o1 && o2);
  assert.equal(s1.stot, 3 * o1.stot);
  assert.equal(s1.slim, 3 * o1.slim, "each process's limit: the LB's is their sum");
  assert.equal(s1.status, "UP+UP 1/2");
  assert.equal(s1.up, true);
  assert.equal(s2.status, "DOWN+UP", "DOWN in two, UP in one");
  assert.equal(s2.up, true, "still taking traffic through one process");
  assert.equal(s2.chkdown, o2.chkdown, "one server lost: one DOWN transition of the LB, not one per process");
  assert.equal(s2.chkfail, 3 * o2.chkfail, "failed checks: each process's own");
  assert.equal(s1.rtimeMs, o1.rtimeMs, "averages: weighted by each process's requests");
  const idle = { ...o1, reqTot: 0, rtimeMs: 0 };
  const busy = { ...o1, reqTot: 30, rtimeMs: 200 };
  const s1Of = (rows: typeof one) => serverRows(rows, "servers")[0];
  const weighted = s1Of(
    mergeStatRows([one.map((r) => (r === o1 ? busy : r)), one.map((r) => (r === o1 ? idle : r))]),
  );
  assert.equal(weighted?.rtimeMs, 200, "a process that served nothing does not pull the average down");
  const allDown = mergeStatRows([one, one]);
  assert.equal(serverRows(allDown, "servers")[1]?.up, false, "DOWN in every process: down");
  const shorter = one.map((r) => (r.name === "s2" ? { ...r, downtimeS: 1 } : r));
  assert.equal(
    serverRows(mergeStatRows([one, shorter]), "servers")[1]?.downtimeS,
    1,
    "down only while every process has it down: the least downtime",
  );
});

test("show info: connections, requests and limits summed, the process count", () => {
  const i = parseShowInfo(SHOW_INFO);
  const m = mergeShowInfo([i, i]);
  assert.equal(m.processes, 2);
  assert.equal(m.maxconn, 2 * i.maxconn);
  assert.equal(m.cumReq, 2 * i.cumReq);
  assert.equal(m.nbthread, i.nbthread, "threads per process");
  assert.throws(() => mergeShowInfo([]), /no process/);
});

test("processes: the fewest whose fds fit the hard limit, each holding its share", () => {
  assert.equal(lbProcessesFor(400, 2, 20_000), 1);
  assert.equal(lbProcessesFor(9_000, 2, 20_000), 1);
  assert.equal(lbProcessesFor(12_000, 2, 20_000), 2);
  assert.equal(lbProcessesFor(20_000, 2, 20_000), 3, "20,000 connections: 3 processes under 20,000 fds");
  assert.ok(haproxyLimits(shareOf(20_000, 3), 2).fdNeed <= 20_000);
  assert.equal(shareOf(400, 1), 400, "one process holds every connection");
  assert.equal(
    shareOf(20_000, 3),
    Math.ceil(20_000 / 3 + 4 * Math.sqrt(20_000 / 3)),
    "a share + 4 σ of the spread",
  );
  assert.ok(shareOf(20_000, 3) >= 6_820, "above the largest share seen here (6,820 / 6,591 / 6,591)");
  assert.ok(haproxyLimits(shareOf(20_000, 2), 2).fdNeed > 20_000);
  assert.equal(lbProcessesFor(10_000_000, 2, 20_000), 8, "at most max");
  assert.doesNotThrow(() => checkFdBudget({ connections: 20_000, servers: [1, 2] }, 20_000, 3));
  assert.throws(
    () => checkFdBudget({ connections: 20_000, servers: [1, 2] }, 20_000, 2),
    /each of 2 HAProxy processes/,
  );
});
