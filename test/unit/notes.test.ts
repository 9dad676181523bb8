// The capacity model behind make notes, on fixture records in memory: cells per worker count, the RSS fit, a plan row.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FD_RESERVE, minWorkersFor } from "../../scripts/lib/machine/limits.ts";
import { cellsOf, perWorkers, selectRuns } from "../../scripts/lib/planning/notes-data.ts";
import { fitRss, planRow, TARGET_UTILISATION } from "../../scripts/lib/planning/notes-plan.ts";
import { CAPACITY_SET, fixtureResults, MiB } from "../helpers/result-fixtures.ts";

const runs = selectRuns(fixtureResults(CAPACITY_SET)).runs;

test("per worker count: the highest passing RPS, the first failing cell above it, generator-bound runs", () => {
  const ws = perWorkers(cellsOf(runs));
  assert.deepEqual(
    ws.map((w) => [w.workers, w.best?.rps.median, w.brokeAt?.connections ?? null, w.generatorBound]),
    [
      [1, 5000, 10000, 0],
      [2, 24000, null, 1],
      [4, 10000, null, 0],
    ],
  );
});

test("planning: RSS per process and per connection fitted, cores, fd workers and workers for 100,000 RPS", () => {
  const rss = fitRss(runs);
  assert.ok(Math.abs(rss.perProcessBytes - 80 * MiB) < 1024, String(rss.perProcessBytes));
  assert.ok(Math.abs(rss.perConnectionBytes - 8192) < 1, String(rss.perConnectionBytes));
  const row = planRow(100_000, {
    stubMs: 200,
    usPerRequest: 20,
    fdLimit: 20000,
    minWorkersForFds: (c) => minWorkersFor(c, 20000, FD_RESERVE),
    rss,
    utilisation: TARGET_UTILISATION,
  });
  assert.deepEqual(
    {
      connections: row.connections,
      cpu: row.cpuCores,
      cores: row.cores,
      fd: row.fdWorkers,
      workers: row.workers,
    },
    { connections: 20000, cpu: 2, cores: 3, fd: 2, workers: 3 },
  );
});
