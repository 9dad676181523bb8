// The fd and backlog arithmetic: how many wrk shards and server workers a connection count needs.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  effectiveBacklog,
  fitsPerWorker,
  minWorkersFor,
  planShards,
} from "../../scripts/lib/machine/limits.ts";

test("shard/worker/backlog arithmetic", () => {
  assert.ok(planShards(20000, 20000) >= 2);
  assert.equal(planShards(300, 20000), 1);
  assert.ok(planShards(50000, 20000) >= 3);
  assert.equal(planShards(19936, 20000), 1);
  assert.equal(planShards(19937, 20000), 2);
  assert.throws(() => planShards(10, 64));
  assert.equal(effectiveBacklog(4, 4096), 2048);
  assert.equal(effectiveBacklog(2, 128), 256);
  assert.equal(fitsPerWorker(20000, 1, 20000), false);
  assert.equal(fitsPerWorker(20000, 2, 20000), true);
  assert.equal(minWorkersFor(20000, 20000), 2);
  assert.equal(minWorkersFor(300, 20000), 1);
  assert.equal(minWorkersFor(50000, 20000), 3);
});
