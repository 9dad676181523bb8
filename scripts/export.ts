// `make export`: latency.hgrm for recorded runs (--id <id> or all), then results/README.md and index.csv rebuilt.
import { join } from "node:path";
import { writeAtomic } from "./lib/core/atomic.ts";
import { driver } from "./lib/core/driver.ts";
import { findRun } from "./lib/results/find-run.ts";
import { hgrmText } from "./lib/results/hgrm.ts";
import { rewriteIndex } from "./lib/results/index-files.ts";
import { loadResults } from "./lib/results/run-dir.ts";

const cli = {
  name: "export",
  usage:
    "$0 [--id <id>|all] — write <run>/latency.hgrm (HdrHistogram's percentile text, as wrk2 prints it)\n" +
    "for that run (all: every run), then rebuild <results-dir>/README.md and index.csv",
  options: ["id", "results-dir"] as const,
};

await driver(cli, async (a) => {
  const dir = a["results-dir"];
  // NOTE: new runs get their latency.hgrm when they are recorded (RunDir.commit); this is for the older ones.
  const runs =
    a.id === undefined
      ? []
      : a.id === "all"
        ? loadResults(dir).map((r) => ({ dir: join(dir, r.dir), record: r.record }))
        : [findRun(dir, a.id, "id")];
  for (const r of runs) {
    writeAtomic(join(r.dir, "latency.hgrm"), hgrmText(r.record.measurements.histogram));
    process.stderr.write(`export: ${join(r.dir, "latency.hgrm")}\n`);
  }
  rewriteIndex(dir);
  process.stderr.write(`export: ${join(dir, "README.md")}, ${join(dir, "index.csv")}\n`);
  return 0;
});
