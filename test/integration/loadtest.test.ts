// The load pipeline for real: a small server, real wrk shards, the verdict's positive and negative controls.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { summarize, undoCorrection, wrkCorrectionIntervalUs } from "../../scripts/lib/contract/histogram.ts";
import { reasonText, ruleList } from "../../scripts/lib/contract/reasons.ts";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { freePort, type RunningServer, startServer } from "../../scripts/lib/processes/server.ts";
import { parseReport } from "../../scripts/lib/processes/wrk-report.ts";
import { type Captured, type Running, startCli } from "../helpers/cli.ts";

const CONNS = 300;
const STUB_MS = 50;

interface Run {
  code: number | null;
  stderr: string;
  record: ResultRecord | null;
}

const asRun = (r: Captured): Run => ({
  code: r.code,
  stderr: r.stderr,
  record: r.stdout.trim() ? (JSON.parse(r.stdout) as ResultRecord) : null,
});
const loadtestCli = (args: string[]): Running => startCli("scripts/loadtest.ts", ["--json", ...args]);
const loadtest = async (args: string[]): Promise<Run> => asRun(await loadtestCli(args).done);

function wrkRunning(): boolean {
  try {
    execFileSync("pgrep", ["-x", "wrk"]);
    return true;
  } catch {
    return false;
  }
}

describe("load pipeline against 2 workers, stub 50 ms", () => {
  let s: RunningServer;
  let dir: string;
  // NOTE: wrk's short flags (-c connections, -d duration; -R the rate, as in wrk2) as a user types them.
  const common = (): string[] => ["-c", String(CONNS), "-d", "3s", "--warmup", "0", "--results-dir", dir];
  /** a run against /ping/ with the common options and these */
  const ping = (...extra: string[]): string[] => [...common(), "--url", `${s.url}/ping/`, ...extra];
  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-results-"));
    s = await startServer({ workers: 2, stubMs: STUB_MS });
  });
  after(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a paced run writes a complete result whose counts match the server's", async () => {
    const rate = CONNS / (STUB_MS / 1000) / 5; // well inside the Little ceiling
    const r = await loadtest(ping("--mode", "paced", "-R", String(rate)));
    // NOTE: mechanics, not a verdict: a busy machine may FAIL this small run on latency (exit 1), never invalid.
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const rec = r.record as ResultRecord;
    assert.equal(rec.verdict.pass, r.code === 0, "the exit code is the verdict's");
    const onDisk = JSON.parse(readFileSync(join(dir, rec.id, "result.json"), "utf8")) as ResultRecord;
    assert.deepEqual(onDisk, rec);
    assert.ok(existsSync(join(dir, rec.id, "wrk-0.txt")));
    assert.equal(rec.server.workers, 2);
    assert.equal(rec.server.nativeUws, true);
    assert.equal(rec.slo.stubMs, STUB_MS, "stub read from the server");
    const m = rec.measurements;
    assert.ok(m.requests > 0);
    assert.ok(
      m.serverCounted.difference >= 0 && m.serverCounted.difference <= CONNS,
      `difference ${m.serverCounted.difference}`,
    );
    assert.ok(
      Math.abs(m.rps - rate) / rate < 0.25,
      `paced rps ${m.rps} vs ${rate} (a wide margin: mechanics)`,
    );
    assert.ok(m.latencyUs.p50 >= STUB_MS * 1000);
    assert.equal(m.connectionsEstablished, CONNS);
    assert.ok(typeof rec.tuning.somaxconn === "number" && typeof rec.machine.cpus === "number");
    assert.ok(m.cpu.serverPct > 0 && m.cpu.generatorPct > 0 && m.rssBytes > 0);
    // NOTE: a FAIL's cell names its rules, "FAIL (latency)": the row must say the record's verdict either way.
    const says = rec.verdict.pass ? "PASS" : `FAIL (${ruleList(rec.verdict.reasons)})`;
    const row = readFileSync(join(dir, "README.md"), "utf8")
      .split("\n")
      .find((l) => l.startsWith(`| [${rec.id}]`));
    assert.ok(row?.endsWith(` ${says} |`), `README row ${row} should end with ${says}`);
  });

  test("--shards 2: the merged histogram is the exact sum of the shards", async () => {
    const r = await loadtest(ping("--shards", "2", "--keep-raw"));
    const rec = r.record as ResultRecord;
    assert.equal(rec.load.shards, 2);
    const files = readdirSync(join(dir, rec.id)).filter((f) => /^wrk-\d\.txt$/.test(f));
    assert.equal(files.length, 2);
    const perShard = files.map((f) =>
      Number(/(\d+) requests in/.exec(readFileSync(join(dir, rec.id, f), "utf8"))?.[1]),
    );
    const m = rec.measurements;
    assert.equal(
      m.requests,
      perShard.reduce((a, b) => a + b, 0),
    );
    // Re-merge the shards' exact buckets independently and recompute every percentile from them.
    const shards = [0, 1].map((i) =>
      parseReport(gunzipSync(readFileSync(join(dir, rec.id, `wrk-${i}.json.gz`))).toString()),
    );
    const buckets = new Map<number, number>();
    for (const sh of shards) {
      // NOTE: the shard files are wrk's own output, with its coordinated-omission samples; take them out first.
      const conns = CONNS / 2;
      const interval = wrkCorrectionIntervalUs(sh.summary.duration_us, sh.summary.requests, conns);
      const raw = sh.co_synthetic > 0 ? undoCorrection(sh.histogram, interval) : sh.histogram;
      for (const [v, c] of raw) buckets.set(v, (buckets.get(v) ?? 0) + c);
    }
    const combined: [number, number][] = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
    const recomputed = summarize(combined);
    assert.equal(recomputed.count, m.requests - m.errors.timeout);
    for (const k of ["min", "p50", "p90", "p99", "p99_9", "max"] as const)
      assert.equal(m.latencyUs[k], recomputed[k], k);
    const stored = m.histogram.reduce((a, [, c]) => a + c, 0);
    assert.equal(stored, recomputed.count, "the stored (4-digit) histogram keeps every sample");
  });

  test("negative control: p99 over stub + budget fails on latency", async () => {
    const r = await loadtest(ping("--budget-ms", "0", "--target-rps", "1"));
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.record?.verdict.reasons.map((x) => x.rule),
      ["latency"],
    );
  });

  test("negative control: an unreachable target RPS fails on rps", async () => {
    const r = await loadtest(ping("--target-rps", String((CONNS / (STUB_MS / 1000)) * 2)));
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.record?.verdict.reasons.map((x) => x.rule),
      ["rps"],
    );
  });

  test("negative control: a 404 URL fails on errors (non-2xx)", async () => {
    const r = await loadtest([...common(), "--url", `${s.url}/nope`, "--target-rps", "1"]);
    assert.equal(r.code, 1);
    const reasons = r.record?.verdict.reasons ?? [];
    assert.ok(
      reasons.some((x) => x.rule === "errors" && /status/.test(x.detail) && /non2xx/.test(x.detail)),
      reasons.map(reasonText).join(" | "),
    );
  });

  test("SIGINT mid-run: exit 130, no result directory, no wrk left running", async () => {
    const beforeDirs = readdirSync(dir).sort();
    const run = loadtestCli(ping("--duration", "20s"));
    setTimeout(() => run.child.kill("SIGINT"), 2500);
    const r = asRun(await run.done);
    assert.equal(r.code, 130);
    assert.deepEqual(readdirSync(dir).sort(), beforeDirs);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(wrkRunning(), false);
  });
});

test("invalid runs exit 2 with one line: unreachable server, bad options, non-loopback URL", async () => {
  const port = await freePort();
  const cases: [string[], RegExp][] = [
    [["--url", `http://127.0.0.1:${port}/ping/`], /server unreachable/],
    [["--mode", "sideways"], /Invalid values/],
    [["--connections", "-5"], /--connections must be/],
    [["--duration", "soon"], /--duration must be a duration/],
    [["--url", "http://10.0.0.1:8000/ping/"], /loopback/],
  ];
  for (const [args, re] of cases) {
    const r = await loadtest(["--warmup", "0", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, /^error: .+\n$/);
    assert.match(r.stderr, re);
  }
});
