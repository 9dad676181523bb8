// make diff for real: the same small paced shape against a 200 ms and a 230 ms stub; the slower one is a regression.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import type { Diff } from "../../scripts/lib/diff/rows.ts";
import { type RunningServer, startServer } from "../../scripts/lib/processes/server.ts";
import { runCli } from "../helpers/cli.ts";

// NOTE: a 1 s warm-up per run: the first requests to a fresh server (JIT, first connections) would tilt the p99 of
// whichever run comes first after a server start.
const SHAPE = ["--mode", "paced", "-c", "200", "-R", "200", "-d", "3s", "--warmup", "1s"];

describe("diff: two runs at stub 200 ms, one at 230 ms, same shape (paced 200 RPS over 200 connections, 3 s)", () => {
  let dir: string;
  const ids: { a: string; again: string; slower: string } = { a: "", again: "", slower: "" };

  /** one paced run against this server into the temp results dir; its record */
  async function loadtest(s: RunningServer): Promise<ResultRecord> {
    const r = await runCli("scripts/loadtest.ts", [
      ...SHAPE,
      ...["--url", `${s.url}/ping/`, "--results-dir", dir, "--json"],
    ]);
    assert.ok(r.code === 0 || r.code === 1, `loadtest exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as ResultRecord;
  }

  async function runsAt(stubMs: number, n: number): Promise<ResultRecord[]> {
    const s = await startServer({ workers: 1, stubMs });
    try {
      const out: ResultRecord[] = [];
      for (let i = 0; i < n; i++) out.push(await loadtest(s));
      return out;
    } finally {
      await s.stop();
    }
  }

  const diff = (a: string, b: string, ...more: string[]) =>
    runCli("scripts/diff.ts", ["--a", a, "--b", b, "--results-dir", dir, ...more]);

  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-diff-"));
    const [a, again] = await runsAt(200, 2);
    const [slower] = await runsAt(230, 1);
    Object.assign(ids, { a: a?.id, again: again?.id, slower: slower?.id });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("200 → 230 ms breaks p99<+5%: exit 1, the table and the broken threshold say so", async () => {
    const r = await diff(ids.a, ids.slower, "--thresholds", "p99<+5%");
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^p99 \(ms\) +\| 2\d\d\.\d +\| 2[3-9]\d\.\d +\| \+/m);
    assert.match(r.stdout, /REGRESSION {2}p99<\+5%: B 2\d\d\.\d ms not < /);
    assert.match(r.stderr, /exit 1: REGRESSION \(p99<\+5%\)\n$/);
  });

  test("200 → 200 ms, a repeat of the same shape, stays inside p99<+5%: exit 0", async () => {
    const r = await diff(ids.a, ids.again, "--thresholds", "p99<+5%");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}ok {10}p99<\+5%: B 2\d\d\.\d ms < /m);
  });

  test("--json: every row in base units, the thresholds judged, the same shape", async () => {
    const r = await diff(ids.a, ids.slower, "--thresholds", "p99<+5%,p50<+5%", "--json");
    assert.equal(r.code, 1, r.stderr);
    const d = JSON.parse(r.stdout) as Diff;
    assert.deepEqual([d.a.id, d.b.id, d.a.shape.stubMs, d.b.shape.stubMs], [ids.a, ids.slower, 200, 230]);
    assert.deepEqual(d.shapeDiffers, []);
    const p50 = d.rows.find((x) => x.metric === "p50");
    assert.ok(p50?.a && p50.b && p50.delta !== null && p50.deltaPct !== null, JSON.stringify(p50));
    // the stub moved by 30 ms; loopback adds little on either side of it
    assert.ok(p50.delta > 20_000 && p50.delta < 40_000, `p50 delta ${p50.delta} µs`);
    assert.ok(Math.abs(p50.deltaPct - (p50.delta / p50.a) * 100) < 1e-9);
    assert.deepEqual(
      d.rows.map((x) => x.metric),
      ["rps", "p50", "p90", "p99", "p99_9", "errors", "server_us_per_req", "generator_us_per_req"],
    );
    assert.ok(d.rows.every((x) => typeof x.a === "number" && typeof x.b === "number"));
    assert.deepEqual(
      d.thresholds.map((t) => [t.text, t.pass]),
      [
        ["p99<+5%", false],
        ["p50<+5%", false],
      ],
    );
    assert.equal(d.regression, true);
    assert.deepEqual(
      d.text.map((t) => t.label),
      ["bound", "verdict"],
    );
  });

  test("every run wrote latency.hgrm; the index lists them in README.md (ms) and index.csv (µs)", () => {
    for (const id of Object.values(ids)) {
      const rec = JSON.parse(readFileSync(join(dir, id, "result.json"), "utf8")) as ResultRecord;
      const hgrm = readFileSync(join(dir, id, "latency.hgrm"), "utf8");
      const total = rec.measurements.histogram.reduce((a, [, c]) => a + c, 0);
      assert.match(hgrm, new RegExp(` 1\\.000000 +${total} +inf\\n#\\[Mean`));
      const top = Number(/^ +([\d.]+) +1\.000000 /m.exec(hgrm)?.[1]);
      assert.ok(top * 1000 >= rec.measurements.latencyUs.max - 100, `100 % row ${top} ms`);
    }
    const csv = readFileSync(join(dir, "index.csv"), "utf8").trimEnd().split("\n");
    assert.equal(csv.length, 4);
    assert.ok(existsSync(join(dir, "README.md")));
    assert.match(
      readFileSync(join(dir, "README.md"), "utf8"),
      new RegExp(`\\[${ids.slower}\\].* 3 s \\| uws \\| paced `),
    );
  });

  test("bad input: one line, exit 2 — an unknown id, an unknown metric, a missing run", async () => {
    const cases: [string[], RegExp][] = [
      [["--a", "no-such-run", "--b", ids.a], /--a: no run "no-such-run"/],
      [["--a", ids.a, "--b", ids.again, "--thresholds", "p42<+5%"], /unknown metric "p42"/],
      [["--a", ids.a], /give both runs/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli("scripts/diff.ts", ["--results-dir", dir, ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^error: .+\n$/);
      assert.match(r.stderr, re);
    }
  });
});
