// make lb-cost at a tiny shape in labt namespaces: both arms ran, HAProxy's CPU is counted, requests cross-check,
// every socket is where it should be, the record is written whole, and nothing is left behind.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ArmRun } from "../../scripts/lib/load/lb-cost-types.ts";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import { runCli } from "../helpers/cli.ts";
import { fleetSkip, leftovers } from "../helpers/fleet.ts";
import { testPrefix } from "../helpers/netns.ts";

const skip = fleetSkip();
const PREFIX = testPrefix("l");
const CONNS = 200;
const dir = mkdtempSync(join(os.tmpdir(), "lb-cost-test-"));

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!skip) await netnsCleanup(PREFIX);
});

test("lb-cost at 200 connections, 3 s, 1 round: direct and through HAProxy, counted and cleaned up", {
  skip,
  timeout: 120_000,
}, async (t) => {
  const args = ["-c", String(CONNS), "-R", "400", "-d", "3s", "--repeats", "1", "--cooldown", "0"];
  const r = await runCli("scripts/lb-cost.ts", [...args, "--results-dir", dir], {
    env: { LAB_NETNS_PREFIX: PREFIX },
    timeoutMs: 100_000,
  });
  assert.equal(r.code, 0, r.stderr);
  const id = readdirSync(dir)[0] ?? "";
  assert.ok(id.startsWith("lb-cost-"), `results: ${readdirSync(dir)}`);
  assert.ok(existsSync(join(dir, id, "summary.txt")), "summary.txt");
  const rec = JSON.parse(readFileSync(join(dir, id, "lb-cost.json"), "utf8")) as {
    git: { commit: string | null; dirty: boolean };
    runs: ArmRun[];
    pids: { server: number[]; lb: number };
  };
  assert.equal(typeof rec.git.dirty, "boolean");
  assert.deepEqual(
    rec.runs.map((x) => x.arm),
    ["direct", "lb"],
    "round 1: direct, then the LB",
  );
  for (const run of rec.runs) {
    assert.ok(run.wrk.requests > 0, `${run.arm}: no requests`);
    assert.deepEqual(run.wrk.errors, { connect: 0, read: 0, write: 0, status: 0, timeout: 0 }, run.arm);
    assert.ok(run.crossCheck.ok, `${run.arm}: ${JSON.stringify(run.crossCheck)}`);
    assert.ok(run.requests.entry > 0 && run.usPerRequest.server > 0 && run.usPerRequest.wrk > 0, run.arm);
    assert.equal(run.sockets.clientToTarget, CONNS, `${run.arm}: wrk's sockets`);
    assert.ok(existsSync(join(dir, id, `wrk-0-${run.arm}-1.txt`)), `${run.arm}: raw wrk output`);
  }
  const [direct, lb] = rec.runs as [ArmRun, ArmRun];
  assert.equal(direct.sockets.serverFromClient, CONNS, "direct: the server holds wrk's connections");
  assert.equal(lb.sockets.serverFromClient, 0, "through the LB: no client reaches the server");
  assert.equal(lb.sockets.lbAccepted, CONNS, "the LB accepted every connection");
  assert.ok(lb.sockets.lbToServer > 0 && lb.sockets.serverFromLb > 0, "the LB's server side");
  assert.ok(lb.cpuUs.lb > 0 && lb.usPerRequest.lb > 0, `HAProxy's CPU ${lb.cpuUs.lb} µs`);
  // NOTE: requests seen at the LB's frontend over the window reach the server too (one server, no retries).
  const near = Math.abs(lb.requests.server - lb.requests.lbFrontend);
  assert.ok(near <= CONNS, `LB ${lb.requests.lbFrontend} vs server ${lb.requests.server} in the window`);
  assert.match(r.stdout, /HAProxy µs per request/);
  t.diagnostic(
    `direct p99 ${direct.wrk.latencyUs.p99} µs, LB p99 ${lb.wrk.latencyUs.p99} µs; HAProxy ${lb.usPerRequest.lb.toFixed(1)} µs/req, server ${direct.usPerRequest.server.toFixed(1)} → ${lb.usPerRequest.server.toFixed(1)} µs/req`,
  );
  assert.deepEqual(await leftovers([...rec.pids.server, rec.pids.lb], PREFIX), [], "left behind");
});
