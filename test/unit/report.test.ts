// The report's pure parts: samples from the sampler's readings, the spectrum and bins, the page of an old record.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Bucket, percentile } from "../../scripts/lib/contract/histogram.ts";
import type { ResultRecord, RunSample } from "../../scripts/lib/contract/record.ts";
import { runSamples } from "../../scripts/lib/load/samples.ts";
import { latencyBins, nines, spectrumPoints } from "../../scripts/lib/report/charts-latency.ts";
import { runPageHtml } from "../../scripts/lib/report/run-page.ts";
import { uniqueIds } from "../../scripts/lib/report/svg.ts";
import { recordJson } from "../../scripts/lib/results/run-dir.ts";
import { fixtureRecord } from "../helpers/result-fixtures.ts";

test("samples: 2xx/s and each side's CPU share over every interval, the first from wrk's start", () => {
  const reading = (t: number, r2xx: number, serverCpuUs: number, wrkCpuUs: number) => ({
    ...{ t, r2xx, open: 100, inFlight: 20, serverCpuUs, wrkCpuUs },
  });
  const readings = [reading(0.5, 1100, 50_000, 100_000), reading(1.5, 2100, 650_000, 300_000)];
  const s = runSamples(readings, 1000, { serverCpus: 2, generatorCpus: 1, cpuUnknown: [] });
  assert.deepEqual(
    s.map((x) => [x.t, x.rps2xx, x.serverOfItsCpusPct, x.generatorOfItsCpusPct]),
    [
      [0.5, 200, 5, 20], // 100 2xx in 0.5 s; 50 ms of CPU in 0.5 s over 2 CPUs = 5 %
      [1.5, 1000, 30, 20], // 600 ms of CPU in 1 s over 2 CPUs = 30 %
    ],
  );
  const hosts = runSamples(readings, 1000, { serverCpus: 1, generatorCpus: 1, cpuUnknown: ["server"] });
  assert.equal(hosts[0]?.serverOfItsCpusPct, null, "a side this machine cannot read is null, not 0");
});

test("the percentile spectrum runs from the minimum (0 nines) to the maximum (5 nines), never falling", () => {
  const h: Bucket[] = [
    [200_000, 9_000],
    [201_000, 900],
    [205_000, 90],
    [250_000, 9],
    [400_000, 1],
  ];
  const pts = spectrumPoints(h);
  assert.equal(pts[0]?.x, 0);
  assert.equal(pts[0]?.ms, 200);
  assert.equal(pts[pts.length - 1]?.x, 5);
  assert.equal(pts[pts.length - 1]?.ms, 400);
  assert.ok(pts.every((p, i) => i === 0 || p.ms >= (pts[i - 1]?.ms ?? 0)));
  // NOTE: wrk's rank is round(p/100 × count + 0.5): p99 of 10,000 is the 9,901st, in the 205 ms bucket.
  const atP99 = pts.find((p) => Math.abs(p.x - nines(99)) < 1e-9)?.ms;
  assert.equal(atP99, percentile(h, 99) / 1000);
  assert.equal(atP99, 205);
  const bins = latencyBins(h, 200_000, 250_000);
  assert.equal(
    bins.reduce((a, b) => a + b.n, 0),
    9_999,
    "every latency from lo to hi in some bin, the 400 ms one beyond",
  );
});

test("result.json keeps each sample on one line and reads back unchanged", () => {
  const r = fixtureRecord({ workers: 2, mode: "paced", connections: 100, rps: 100, p99Ms: 202, at: 0 });
  const samples: RunSample[] = [
    { t: 1, rps2xx: 99.5, open: 100, inFlight: 20, serverOfItsCpusPct: 3.3, generatorOfItsCpusPct: null },
  ];
  const withSamples = { ...r, measurements: { ...r.measurements, samples } };
  const text = recordJson(withSamples);
  assert.match(
    text,
    /\{"t": 1, "rps2xx": 99.5, "open": 100, "inFlight": 20, .*"generatorOfItsCpusPct": null\}/,
  );
  assert.deepEqual(JSON.parse(text), withSamples);
});

test("an old record (no samples) still gets a page: the time charts say why they are missing", async () => {
  const r: ResultRecord = fixtureRecord({
    ...{ workers: 2, mode: "saturate", connections: 1000, rps: 4000, p99Ms: 480, at: 0 },
    reasons: [{ rule: "latency", detail: "p99 480,000 µs > 220,000 µs" }],
  });
  const html = await runPageHtml(r);
  assert.match(html, /<span id="verdict" class="verdict fail">FAIL<\/span>/);
  assert.equal((html.match(/no per-second samples in this run \(recorded before/g) ?? []).length, 3);
  for (const id of ["rps", "connections", "cpu"])
    assert.match(html, new RegExp(`data-chart="${id}" data-kind="chart-missing"`));
  for (const id of ["spectrum", "histogram"])
    assert.match(html, new RegExp(`data-chart="${id}" data-kind="chart"`));
  const rules = html.slice(
    html.indexOf('<table id="rules">'),
    html.indexOf("</table>", html.indexOf('id="rules"')),
  );
  assert.equal((rules.match(/<tr><td>/g) ?? []).length, 6, "one row per rule of the contract");
  assert.match(html, /<td class="bad">FAIL: p99 480,000 µs &#62; 220,000 µs<\/td>/);
  assert.doesNotMatch(
    html,
    /https?:\/\/(?!vega\.github\.io|www\.w3\.org)/,
    "nothing is fetched from the network",
  );
});

test("inlined SVGs get their own ids, and every reference follows", () => {
  const svg = '<svg><clipPath id="clip1"/><g clip-path="url(#clip1)"/><use href="#clip1"/></svg>';
  const a = uniqueIds(svg, "rps");
  assert.equal(
    a,
    '<svg><clipPath id="rps-clip1"/><g clip-path="url(#rps-clip1)"/><use href="#rps-clip1"/></svg>',
  );
});
