// `make diff A=<id> B=<id>`: two runs (or A=id,id… B=id,id…: two groups of repeats) side by side; THRESHOLDS judge B.
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { diffGroupRuns, groupDiffText } from "./lib/diff/groups.ts";
import { diffJson, diffText } from "./lib/diff/render.ts";
import { diffRuns } from "./lib/diff/rows.ts";
import { parseThresholds } from "./lib/diff/thresholds.ts";
import { findRun } from "./lib/results/find-run.ts";

const cli = {
  name: "diff",
  usage:
    "$0 --a <id> --b <id> [--thresholds p99<+5%,rps>-2%] [--json] — B against A (docs/diff.md)\n" +
    "exit 0: no threshold broken, 1: a regression, 2: a bad option, an unknown id or an unreadable record",
  options: ["a", "b", "thresholds", "json", "results-dir"] as const,
  overrides: { thresholds: { parse: parseThresholds } },
};

await driver(cli, async (a) => {
  if (a.a === undefined || a.b === undefined)
    throw new InvalidRun(
      "give both runs: --a <baseline id> --b <id> (make diff A=<id> B=<id>; ls results/ lists them)",
    );
  const dir = a["results-dir"];
  // NOTE: A=id,id,… B=id,id,…: two groups of repeats, judged against their noise (docs/diff.md)
  const [ga, gb] = [a.a.split(","), a.b.split(",")];
  if (ga.length > 1 || gb.length > 1) {
    const g = diffGroupRuns(
      ga.map((id) => findRun(dir, id, "a").record),
      gb.map((id) => findRun(dir, id, "b").record),
      a.thresholds,
    );
    process.stdout.write(a.json ? `${JSON.stringify(g, null, 1)}\n` : groupDiffText(g));
    return g.regression
      ? { code: 1, says: "REGRESSION beyond the noise" }
      : { code: 0, says: "no regression beyond the noise" };
  }
  const d = diffRuns(findRun(dir, a.a, "a").record, findRun(dir, a.b, "b").record, a.thresholds);
  process.stdout.write(a.json ? diffJson(d) : diffText(d));
  const broken = d.thresholds.filter((c) => !c.pass).map((c) => c.text);
  if (broken.length > 0) return { code: 1, says: `REGRESSION (${broken.join(", ")})` };
  return { code: 0, says: d.thresholds.length > 0 ? "no regression" : "no thresholds" };
});
