// The fleet chaos scenarios at small scale (a server host lost behind HAProxy, and back), and the CLI's Ctrl-C in one.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { hostLoss } from "../../scripts/chaos/host-loss.ts";
import { hostReturn } from "../../scripts/chaos/host-return.ts";
import { spawnTagged, waitNoStrays } from "../../scripts/lib/chaos/procs.ts";
import { sleep } from "../../scripts/lib/core/sleep.ts";
import { loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import { netnsCleanup, pidsInNamespace } from "../../scripts/lib/placement/netns.ts";
import { splitContext } from "../helpers/chaos-context.ts";
import { fleetSkip, leftovers } from "../helpers/fleet.ts";
import { testPrefix } from "../helpers/netns.ts";

const skip = fleetSkip();
const PREFIX = testPrefix("x");
const CLI_PREFIX = testPrefix("y");
const ctx = splitContext({ net: { ...loadNetConfig(), prefix: PREFIX } });

after(async () => {
  if (skip) return;
  await netnsCleanup(PREFIX);
  await netnsCleanup(CLI_PREFIX);
});

const num = (f: Record<string, unknown>, k: string): number => {
  const v = f[k];
  assert.equal(typeof v, "number", `${k}: ${JSON.stringify(f)}`);
  return v as number;
};

test("chaos: host-loss FAILs naming the host; DOWN in seconds, failures ≤ in flight + handed, survivor latency", {
  skip,
  timeout: 40_000,
}, async (t) => {
  const r = await hostLoss.run(ctx);
  t.diagnostic(r.measured);
  const f = r.figures;
  const why = `${r.measured}\n${JSON.stringify(f)}`;
  assert.equal(r.pass, false, why);
  assert.match(r.measured, new RegExp(`^host ${PREFIX}s2 lost at 2\\.\\d s: \\d+ requests failed`), why);
  const down = num(f, "markDownMs");
  assert.ok(down > 0 && down < 3000, why);
  const failed = num(f, "failed");
  const bound = num(f, "lbInFlight") + num(f, "handedBeforeDown") + 5;
  assert.ok(failed > 0 && failed <= bound, `${failed} failed, bound ${bound}: ${why}`);
  assert.equal(f.accounted, true, why);
  // NOTE: the survivor answered every request after the kill: its lateness is there, within the stub's order
  assert.ok(num(f, "survivorLateCount") > 100 && num(f, "survivorLateP99Us") < 200_000, why);
  assert.ok(num(f, "survivorLbRtimeMs") >= 200, why);
  assert.ok(num(f, "wrkP99Us") >= 200_000, why);
  assert.deepEqual(await leftovers([], PREFIX), []);
});

test("chaos: host-return PASSes — the server back in its namespace, UP again, its share of the requests", {
  skip,
  timeout: 40_000,
}, async (t) => {
  const r = await hostReturn.run(ctx);
  t.diagnostic(r.measured);
  const f = r.figures;
  const why = `${r.measured}\n${JSON.stringify(f)}`;
  assert.ok(r.pass, why);
  const up = num(f, "upAfterReadyMs");
  assert.ok(num(f, "restartReadyMs") > 0 && up >= 0 && up < 3000, why);
  assert.ok(num(f, "windowServed") > 0.25 * num(f, "windowTotal") && num(f, "windowTotal") > 400, why);
  assert.deepEqual(await leftovers([], PREFIX), []);
});

test("chaos CLI: Ctrl-C while wrk runs in host-loss exits 130; no namespace, process or result left", {
  skip,
  timeout: 40_000,
}, async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "chaos-fleet-cli-"));
  try {
    const args = ["scripts/chaos.ts", "--scale", "small", "--scenario", "host-loss", "--results-dir", dir];
    const env = { LAB_NETNS_PREFIX: CLI_PREFIX };
    const c = spawnTagged(process.execPath, ["--import", "tsx", ...args], env, "-fleet");
    const until = performance.now() + 20_000;
    while ((await pidsInNamespace(`${CLI_PREFIX}c1`)).length === 0 && performance.now() < until)
      await sleep(50);
    assert.ok(performance.now() < until, `wrk never ran: ${c.output()}`);
    await sleep(500);
    c.signalGroup("SIGINT");
    const e = await c.exited;
    assert.equal(e.code, 130, c.output());
    assert.deepEqual(await waitNoStrays(3000, "-fleet"), []);
    assert.deepEqual(await leftovers([], CLI_PREFIX), []);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
