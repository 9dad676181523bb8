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
  assert.equal(s2.chkdown, 3 * o2.chkdown);
  assert.equal(s1.rtimeMs, o1.rtimeMs, "averages: the processes' mean");
  const allDown = mergeStatRows([one, one]);
  assert.equal(serverRows(allDown, "servers")[1]?.up, false, "DOWN in every process: down");
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
  assert.ok(haproxyLimits(shareOf(20_000, 2), 2).fdNeed > 20_000);
  assert.equal(lbProcessesFor(10_000_000, 2, 20_000), 8, "at most max");
  assert.doesNotThrow(() => checkFdBudget({ connections: 20_000, servers: [1, 2] }, 20_000, 3));
  assert.throws(
    () => checkFdBudget({ connections: 20_000, servers: [1, 2] }, 20_000, 2),
    /each of 2 HAProxy processes/,
  );
});
