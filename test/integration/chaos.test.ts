// Every chaos scenario at small scale against the real server (loopback), the chaos CLI, and no strays after.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SCENARIOS } from "../../scripts/chaos/index.ts";
import { killAll, spawnTagged, waitNoStrays } from "../../scripts/lib/chaos/procs.ts";
import { chaosPlacement, chaosRecord, writeChaos } from "../../scripts/lib/chaos/result.ts";
import { sleep } from "../../scripts/lib/core/sleep.ts";
import { defaultSplit } from "../../scripts/lib/placement/cpus.ts";
import { localPlacement } from "../../scripts/lib/placement/local.ts";
import { splitContext } from "../helpers/chaos-context.ts";

const ctx = splitContext();

for (const s of SCENARIOS) {
  test(`chaos: ${s.name}`, { timeout: 40_000 }, async () => {
    const r = await s.run(ctx);
    assert.ok(r.pass, `expected: ${r.expectation}\nmeasured: ${r.measured}\n${JSON.stringify(r.figures)}`);
  });
}

test("chaos CLI: bad options exit 2 with one line", async () => {
  for (const args of [["--scale", "huge"], ["--scenario", "nope"], ["--bogus"]]) {
    const c = spawnTagged(process.execPath, ["--import", "tsx", "scripts/chaos.ts", ...args]);
    const e = await c.exited;
    assert.equal(e.code, 2, `${args.join(" ")} → ${e.code}`);
    assert.match(c.output(), /^error: .+\n$/, `${args.join(" ")} → ${c.output()}`);
  }
});

test("chaos CLI: Ctrl-C mid-scenario exits 130 and leaves nothing running or written", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "chaos-cli-"));
  try {
    const args = [
      "scripts/chaos.ts",
      "--scale",
      "small",
      "--scenario",
      "client-aborts",
      "--results-dir",
      dir,
    ];
    const c = spawnTagged(process.execPath, ["--import", "tsx", ...args], {}, "-cli");
    const until = performance.now() + 15_000;
    while (!c.output().includes("client-aborts") && performance.now() < until) await sleep(50);
    await sleep(1000); // NOTE: the server is up and the clients are connected by then
    c.signalGroup("SIGINT");
    const e = await c.exited;
    assert.equal(e.code, 130, c.output());
    assert.deepEqual(await waitNoStrays(3000, "-cli"), []);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chaos CLI: split by default — servers on the server's CPUs, the driver on the generator's, recorded", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "chaos-place-"));
  try {
    const args = ["scripts/chaos.ts", "--scale", "small", "--scenario", "crash-loop", "--results-dir", dir];
    const c = spawnTagged(process.execPath, ["--import", "tsx", ...args], {}, "-place");
    const e = await c.exited;
    assert.equal(e.code, 0, c.output());
    const [id] = readdirSync(dir);
    const rec = JSON.parse(readFileSync(join(dir, id ?? "", "chaos.json"), "utf8"));
    const split = defaultSplit();
    assert.deepEqual(rec.placement, { kind: "split", serverCpus: split.server, driverCpus: split.generator });
    assert.match(readFileSync(join(dir, id ?? "", "chaos.md"), "utf8"), /split: servers on CPUs/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("chaos result: written whole into results/chaos-<id>/, no temp dir left", () => {
  const dir = mkdtempSync(join(os.tmpdir(), "chaos-write-"));
  try {
    const r = {
      name: "x",
      expectation: "e",
      measured: "m | pipe",
      pass: true,
      figures: { a: 1 },
      durationMs: 5,
    };
    const rec = chaosRecord(
      new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
      "small",
      [r],
      chaosPlacement(localPlacement({ placement: "split" }), null),
    );
    const out = writeChaos(dir, rec);
    assert.equal(out, join(dir, "chaos-20260102-030405-small"));
    assert.deepEqual(readdirSync(dir), ["chaos-20260102-030405-small"]);
    assert.deepEqual(JSON.parse(readFileSync(join(out, "chaos.json"), "utf8")).scenarios[0].figures, {
      a: 1,
    });
    assert.match(readFileSync(join(out, "chaos.md"), "utf8"), /\| x \| e \| m \\\| pipe \| PASS \|/);
    assert.throws(() => writeChaos(dir, rec), /already exists/);
    assert.ok(!existsSync(join(dir, ".tmp-chaos-20260102-030405-small")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no server, wrk or driver process left behind", async () => {
  assert.deepEqual(await waitNoStrays(3000), []);
});

after(() => killAll(500));
