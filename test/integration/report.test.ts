// The report page for real: a small paced run writes report.html; Debian's chromium opens it and draws every chart.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { ms } from "../../scripts/lib/core/format.ts";
import { type RunningServer, startServer } from "../../scripts/lib/processes/server.ts";
import { chromiumMissing, openReport } from "../../scripts/lib/report/browser.ts";
import { runCli } from "../helpers/cli.ts";

const CHARTS = ["rps", "connections", "cpu", "contention", "spectrum", "histogram"];
// NOTE: where chromium cannot be installed (make chromium) the browser tests are reported as skipped, with this line.
const NO_BROWSER = chromiumMissing() ?? undefined;

/** Per chart on the page: its kind, and how many of its data marks the browser laid out with a non-empty box. */
interface ChartProbe {
  id: string;
  kind: string;
  marks: number;
  drawn: number;
}

// NOTE: a string, evaluated in the page: the test's TypeScript has no DOM types. Data layers are named data_* (chart-style.ts).
const PROBE = `[...document.querySelectorAll("figure.chart")].map((f) => {
  const marks = [...f.querySelectorAll('svg g.role-mark[class*="data_"] > path, svg g.role-mark[class*="data_"] > rect')]
    .filter((e) => e.getAttribute("d") !== "");
  const drawn = marks.filter((e) => { const b = e.getBBox(); return b.width + b.height > 0; }).length;
  return { id: f.dataset.chart, kind: f.dataset.kind, marks: marks.length, drawn };
})`;

describe("report.html of a real small run (2 workers, paced 200 RPS over 200 connections, 3 s)", () => {
  let s: RunningServer;
  let dir: string;
  let rec: ResultRecord;
  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-report-"));
    s = await startServer({ workers: 2 });
    const args = ["--json", "--url", `${s.url}/ping/`, "--mode", "paced", "-c", "200", "-R", "200"];
    const r = await runCli("scripts/loadtest.ts", [
      ...args,
      "-d",
      "3s",
      "--warmup",
      "0",
      "--results-dir",
      dir,
    ]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    rec = JSON.parse(r.stdout) as ResultRecord;
  });
  after(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("the run recorded its samples and wrote its page with every chart", () => {
    const samples = rec.measurements.samples ?? [];
    assert.ok(samples.length >= 5, `${samples.length} samples in a 3 s run`);
    assert.ok(
      samples.every((x) => x.open <= 200 && x.rps2xx >= 0),
      JSON.stringify(samples),
    );
    assert.ok(
      samples.some((x) => x.open === 200 && x.rps2xx > 100),
      JSON.stringify(samples),
    );
    const html = readFileSync(join(dir, rec.id, "report.html"), "utf8");
    for (const id of CHARTS) assert.match(html, new RegExp(`data-chart="${id}" data-kind="chart"`), id);
  });

  test("chromium shows it: no console error, nothing fetched, every chart drawn, the verdict of result.json", {
    skip: NO_BROWSER,
    timeout: 30_000,
  }, async () => {
    const r = await openReport(join(dir, rec.id, "report.html"));
    try {
      assert.deepEqual(r.problems, []);
      assert.equal(r.requests.length, 1, r.requests.join(" "));
      assert.match(r.requests[0] ?? "", /^file:\/\/.*\/report\.html$/);
      const charts = (await r.page.evaluate(PROBE)) as ChartProbe[];
      assert.deepEqual(
        charts.map((c) => [c.id, c.kind]),
        CHARTS.map((id) => [id, "chart"]),
      );
      for (const c of charts) assert.ok(c.marks > 0 && c.drawn === c.marks, `${c.id}: ${JSON.stringify(c)}`);
      const verdict = await r.page.evaluate(`document.getElementById("verdict").textContent`);
      assert.equal(verdict, rec.verdict.pass ? "PASS" : "FAIL");
      const rows = (await r.page.evaluate(
        `[...document.querySelectorAll("#rules tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent))`,
      )) as string[][];
      assert.deepEqual(
        rows.filter((x) => x[3] !== "pass").map((x) => x[0]),
        rec.verdict.reasons.map((x) => x.rule),
      );
      const latency = rows.find((x) => x[0] === "latency")?.[2] ?? "";
      assert.ok(latency.includes(`${ms(rec.measurements.judgedUs)} ms`), latency);
      // the p99's parts, each at its own p99, in the verdict table (this run is on one machine: stamped)
      const wait = rec.measurements.beforeHandlerUs;
      assert.ok(wait, "the wait before the handler is recorded");
      assert.match(latency, new RegExp(`wait before the handler ${ms(wait.p99).replace(".", "\\.")}\\b`));
    } finally {
      await r.close();
    }
  });

  test("make report regenerates the page and --screenshot saves a full-page PNG", {
    skip: NO_BROWSER,
  }, async () => {
    const png = join(dir, "shot.png");
    const r = await runCli("scripts/report.ts", ["--id", rec.id, "--results-dir", dir, "--screenshot", png]);
    assert.equal(r.code, 0, r.stderr);
    const b = readFileSync(png);
    assert.equal(b.subarray(1, 4).toString(), "PNG");
    const [width, height] = [b.readUInt32BE(16), b.readUInt32BE(20)];
    assert.equal(width, 1100);
    assert.ok(height > 2000, `a full page, not one screen: ${height} px`);
  });
});

test("make report: an unknown id is one line and exit 2", async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "lab-report-"));
  try {
    const r = await runCli("scripts/report.ts", [
      "--id",
      "20200101-000000-paced-w1-c1",
      "--results-dir",
      dir,
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: no run or sweep "20200101-000000-paced-w1-c1" in .+\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
