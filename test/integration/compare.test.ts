// make compare for real, tiny: uWS, the node:http cluster and FastAPI + uvicorn in turn, none left running.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CompareRecord } from "../../scripts/lib/compare/compare-report.ts";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { fetchLabStats } from "../../scripts/lib/processes/lab-stats.ts";
import { startPeer } from "../../scripts/lib/processes/peer.ts";
import { type Captured, runCli } from "../helpers/cli.ts";

/** Running (a zombie holds nothing and waits only for init to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
const pgrep = (pattern: string): string =>
  spawnSync("pgrep", ["-af", pattern], { encoding: "utf8" }).stdout.trim();

describe("peers serve the stub and a /__lab/stats the driver accepts", () => {
  for (const peer of ["node-http", "fastapi"] as const) {
    test(`${peer}: 2 workers, /ping/ waits the stub, stats count it`, async () => {
      const s = await startPeer({ peer, workers: 2, stubMs: 50 });
      try {
        const t0 = performance.now();
        const res = await fetch(`${s.url}/ping/`);
        const waited = performance.now() - t0;
        assert.equal(res.status, 200);
        assert.equal(await res.text(), "pong");
        assert.ok(waited >= 50, `answered after ${waited} ms`);
        assert.equal((await fetch(`${s.url}/nope`)).status, 404);
        const st = await fetchLabStats(s.url);
        assert.equal(st.workers, 2);
        assert.equal(st.stubMs, 50);
        assert.equal(st.pids.length, 2);
        assert.ok(st.primaryPid > 0);
        assert.equal(st.nativeUws, undefined); // not a uWS server: the field does not apply
        assert.equal((st as unknown as { impl: string }).impl, peer);
        assert.equal(st.requests, 2);
        assert.equal(st.responses["200"], 1);
        assert.equal(st.responses["404"], 1);
        assert.equal(st.inFlight, 0);
        assert.equal(st.selfConnection, 1); // served on its listener: the count holds the call itself
        assert.ok(st.openConnections >= 1); // this stats call's own connection
      } finally {
        await s.stop();
      }
    });
  }
});

describe("compare: 2 workers, 100 connections, stub 50 ms, 2 s each", () => {
  let dir: string;
  let out: Captured;
  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-compare-"));
    const args = ["--workers", "2", "--connections", "100", "--duration", "2s", "--warmup", "0"];
    args.push(
      "--cooldown",
      "0",
      "--stub-ms",
      "50",
      "--target-rps",
      "1000",
      "--threads",
      "1",
      "--results-dir",
      dir,
    );
    out = await runCli("scripts/compare.ts", args, { timeoutMs: 60_000 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("measures all three in one run and writes compare.json + compare.md with the three run ids", () => {
    assert.equal(out.code, 0, out.stderr);
    const d = readdirSync(dir).find((x) => x.startsWith("compare-"));
    assert.ok(d, "no compare-<id> directory");
    const c = JSON.parse(readFileSync(join(dir, d, "compare.json"), "utf8")) as CompareRecord;
    assert.deepEqual(
      c.rows.map((r) => [r.peer, r.skipped]),
      [
        ["uws", null],
        ["node-http", null],
        ["fastapi", null],
      ],
    );
    for (const r of c.rows) {
      assert.ok(r.resultId && existsSync(join(dir, r.resultId, "result.json")), r.peer);
      assert.ok((r.rps ?? 0) > 0, `${r.peer} rps`);
      assert.ok((r.serverUsPerRequest ?? 0) > 0, `${r.peer} cpu`);
    }
    assert.equal(c.rows[0]?.vsUws?.rps, 1);
    assert.ok(Number.isFinite(c.rows[2]?.vsUws?.rps));
    const md = readFileSync(join(dir, d, "compare.md"), "utf8");
    for (const label of ["uWS (server/)", "node:http cluster", "FastAPI + uvicorn"])
      assert.ok(md.includes(`| ${label} |`));
  });

  test("leaves no server process behind", async () => {
    await new Promise((res) => setTimeout(res, 300)); // orphans are reaped by init
    const c = readdirSync(dir).find((x) => x.startsWith("compare-"));
    const rec = JSON.parse(readFileSync(join(dir, c ?? "?", "compare.json"), "utf8")) as CompareRecord;
    for (const row of rec.rows) {
      const r = JSON.parse(
        readFileSync(join(dir, row.resultId ?? "?", "result.json"), "utf8"),
      ) as ResultRecord;
      const pids = [r.server.primaryPid, ...r.server.pids];
      assert.deepEqual(pids.filter(alive), [], `${row.peer} processes still alive`);
      // NOTE: each server ran as its own process group led by its primary; uvicorn's helpers (its spawned
      // workers, multiprocessing's resource tracker) do not name the app, but they are in that group.
      const group = spawnSync("pgrep", ["-g", String(r.server.primaryPid)], { encoding: "utf8" }).stdout;
      const left = group.split("\n").filter(Boolean).map(Number).filter(alive);
      assert.deepEqual(left, [], `${row.peer}: process group ${r.server.primaryPid} not empty`);
    }
    assert.equal(pgrep("server/peers/"), "");
  });
});
