// A lost host's failed requests against what it held and was handed (scripts/lib/chaos/host-loss.ts's accounting).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ACCOUNT_SLACK, accountedFor } from "../../scripts/lib/chaos/host-loss.ts";

test("accounted: within the slack either side of expected", () => {
  assert.ok(accountedFor(100, 100, 400, 0));
  assert.ok(accountedFor(100 + ACCOUNT_SLACK.above, 100, 400, 0));
  assert.ok(!accountedFor(101 + ACCOUNT_SLACK.above, 100, 400, 0));
  assert.ok(accountedFor(100 - ACCOUNT_SLACK.below, 100, 400, 0));
  assert.ok(!accountedFor(99 - ACCOUNT_SLACK.below, 100, 400, 0));
});

test("accounted: the victim's answers between HAProxy's reading and the kill widen only the lower bound", () => {
  // 1,000 req/s on the victim over 10 ms: up to 10 more answered than the reading said
  assert.ok(accountedFor(100 - ACCOUNT_SLACK.below - 10, 100, 1000, 10));
  assert.ok(!accountedFor(99 - ACCOUNT_SLACK.below - 10, 100, 1000, 10));
  assert.ok(!accountedFor(101 + ACCOUNT_SLACK.above, 100, 1000, 10));
});
