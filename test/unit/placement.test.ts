// Placement arithmetic: CPU lists, the default split rule, the knobs, and whether a plan fits the generator.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generatorFit, generatorWarning } from "../../scripts/lib/load/generator-capacity.ts";
import {
  defaultSplit,
  formatCpuList,
  parseCpuList,
  resolveSplit,
  tasksetPrefix,
} from "../../scripts/lib/placement/cpus.ts";
import { labPlacement } from "../../scripts/lib/placement/local.ts";
import { hostsGeneratorCpus, sideCpuCounts } from "../../scripts/lib/placement/run-placement.ts";
import { REPO, run, runCli } from "../helpers/cli.ts";

test("CPU lists print as the kernel's Cpus_allowed_list", () => {
  assert.equal(formatCpuList([0, 1, 2, 5]), "0-2,5");
  assert.equal(formatCpuList([3, 1, 1]), "1,3");
  assert.equal(formatCpuList([7]), "7");
  assert.deepEqual(tasksetPrefix([1]), ["taskset", "-c", "1"]);
  assert.deepEqual(tasksetPrefix(null), []);
});

test("default split: the generator the lower half (at least one CPU), the server the rest", () => {
  assert.deepEqual(defaultSplit([0, 1]), { generator: [0], server: [1] });
  assert.deepEqual(defaultSplit([0, 1, 2]), { generator: [0], server: [1, 2] });
  assert.deepEqual(defaultSplit([0, 1, 2, 3, 4, 5, 6, 7]), { generator: [0, 1, 2, 3], server: [4, 5, 6, 7] });
  assert.throws(() => defaultSplit([0]), /needs ≥ 2 CPUs.*PLACEMENT=shared/);
});

test("knobs: one side given takes its CPUs, the other gets the rest; overlap or nothing left is refused", () => {
  const online = [0, 1, 2, 3];
  const L = (raw: string) => parseCpuList("SERVER_CPUS", raw, online);
  assert.deepEqual(resolveSplit(undefined, undefined, online), { generator: [0, 1], server: [2, 3] });
  assert.deepEqual(resolveSplit(L("3"), undefined, online), { server: [3], generator: [0, 1, 2] });
  assert.deepEqual(resolveSplit(undefined, L("0"), online), { server: [1, 2, 3], generator: [0] });
  assert.deepEqual(resolveSplit(L("2-3"), L("0"), online), { server: [2, 3], generator: [0] });
  assert.throws(() => resolveSplit(L("1-2"), L("2"), online), /must be disjoint.*PLACEMENT=shared/);
  assert.throws(() => resolveSplit(L("0-3"), undefined, online), /must be disjoint and non-empty/);
  assert.throws(() => L("9"), /SERVER_CPUS names CPU 9/);
});

test("generator fit: Debian's paced wrk's need follows its connections (10k fit one CPU, 20k do not at any rate)", () => {
  const paced = (connections: number, rps: number, cpus: number) =>
    generatorFit({ mode: "paced", connections, rps, build: "debian" }, cpus);
  const ok = paced(5_000, 5_000, 1);
  assert.equal(ok.fit, "ok");
  assert.equal(generatorWarning(ok), null);
  const edge = paced(10_500, 10_500, 1);
  assert.equal(edge.fit, "edge");
  assert.match(generatorWarning(edge) ?? "", /at the edge.*2 CPUs would leave headroom/);
  for (const rps of [10_000, 20_000]) {
    const over = paced(20_000, rps, 1);
    assert.equal(over.fit, "over", `${rps} RPS over 20,000 connections`);
    assert.ok(over.cpusNeeded > 1.5 && over.cpusNeeded < 2.5, String(over.cpusNeeded));
    assert.match(
      generatorWarning(over) ?? "",
      new RegExp(
        `paced ${rps} RPS over 20000 connections needs ≈ \\d\\.\\d+ generator CPUs at 90 µs of Debian's wrk per paced connection per second.* gives 1: wrk cannot keep up.*give it 2 CPUs .*or fewer connections`,
      ),
    );
  }
  assert.equal(paced(20_000, 20_000, 2).fit, "ok");
  // saturate 20k connections at a 200 ms stub asks up to 100k RPS of wrk: more than one CPU's worth
  const sat = (cpus: number) => generatorFit({ mode: "saturate", connections: 20_000, rps: 100_000 }, cpus);
  assert.equal(sat(1).fit, "over");
  assert.match(
    generatorWarning(sat(1)) ?? "",
    /saturate \(up to 100000 RPS\) .* 13 µs of wrk per request.*or a lower rate/,
  );
  assert.equal(sat(2).fit, "ok");
});

test("generator fit: the lab's paced wrk pays per request: 20k RPS fits one CPU, 65k is at its edge", () => {
  const lab = (rps: number) => generatorFit({ mode: "paced", connections: rps, rps }, 1);
  assert.equal(lab(20_000).fit, "ok");
  assert.equal(lab(20_000).cpusNeeded, 0.3);
  assert.equal(lab(65_000).fit, "edge");
  assert.match(
    generatorWarning(lab(70_000)) ?? "",
    /at 15 µs of the lab's wrk per paced request.*or a lower rate/,
  );
});

test("hosts: client CPUs add up across machines; emulated hosts on this one count each CPU once", () => {
  assert.equal(hostsGeneratorCpus([[0], [0]], true), 1, "two fleet clients pinned to CPU 0 share it");
  assert.equal(
    hostsGeneratorCpus(
      [
        [0, 1],
        [1, 2],
      ],
      true,
    ),
    3,
  );
  assert.equal(hostsGeneratorCpus([[0], [0]], false), 2, "two machines' CPU 0 are two CPUs");
  assert.equal(hostsGeneratorCpus([[0], null], false), undefined, "one host's CPUs unknown");
  assert.equal(
    sideCpuCounts({ serverCpus: [1], generatorCpus: null, generatorCpuCount: 1 }).generatorCpus,
    1,
  );
});

test("make lab's placement: HOSTS implies hosts; another PLACEMENT beside it is refused naming both", () => {
  assert.equal(labPlacement(undefined, undefined), "split");
  assert.equal(labPlacement("shared", undefined), "shared");
  assert.equal(labPlacement(undefined, "inv.json"), "hosts");
  assert.equal(labPlacement("hosts", "inv.json"), "hosts");
  for (const p of ["split", "shared", "netns"] as const) {
    assert.throws(
      () => labPlacement(p, "inv.json"),
      new RegExp(`HOSTS=inv.json .*contradicts PLACEMENT=${p}`),
    );
  }
});

// NOTE: refused before anything is tuned or started (the first step of lab.ts's main), so this runs nothing.
test("make lab HOSTS=… PLACEMENT=split: exit 2, one line naming both knobs and the fix", async () => {
  const env = { PLACEMENT: undefined, HOSTS: undefined, WORKERS: undefined, LAB_WORKERS: undefined };
  const r = await run(
    "make",
    ["-s", "-o", "deps", "lab", "HOSTS=configs/hosts/example.json", "PLACEMENT=split"],
    {
      cwd: REPO,
      env: { ...env, MAKEFLAGS: undefined },
    },
  );
  assert.equal(r.code, 2, r.stderr);
  const error = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
  assert.equal(error.length, 1, r.stderr);
  assert.match(
    error[0] ?? "",
    /HOSTS=configs\/hosts\/example.json \(--hosts\) contradicts PLACEMENT=split.*drop PLACEMENT/,
  );
  const cli = await runCli("scripts/lab.ts", [
    "--hosts",
    "configs/hosts/example.json",
    "--placement",
    "netns",
  ]);
  assert.equal(cli.code, 2);
  assert.match(cli.stderr, /^error: HOSTS=.* contradicts PLACEMENT=netns/);
});
