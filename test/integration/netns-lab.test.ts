// PLACEMENT=netns for real: make lab's pipeline with the server in one namespace and wrk in two client namespaces,
// the record naming them, and nothing left behind (namespace, link, server, wrk, admin socket).
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { ResultRecord } from "../../scripts/lib/contract/record.ts";
import { listNamespaces, netnsCleanup, rootLinks } from "../../scripts/lib/placement/netns.ts";
import { run, runCli } from "../helpers/cli.ts";
import { testPrefix } from "../helpers/netns.ts";

const PREFIX = testPrefix("l");
const dir = mkdtempSync(join(os.tmpdir(), "netns-lab-test-"));
const skip = process.getuid?.() !== 0 ? "needs root (ip netns)" : os.cpus().length < 2 && "needs 2 CPUs";

after(async () => {
  if (!skip) await netnsCleanup(PREFIX);
  rmSync(dir, { recursive: true, force: true });
});

test("a paced run over veth: server in its namespace, two client namespaces, then nothing left", {
  skip,
}, async () => {
  const args = [
    "--placement",
    "netns",
    "--clients",
    "2",
    "--workers",
    "2",
    "--port",
    "8071",
    "--modes",
    "paced",
  ];
  const shape = [
    "-c",
    "400",
    "-R",
    "400",
    "-d",
    "3s",
    "--warmup",
    "0",
    "--results-dir",
    dir,
    "--profile",
    "none",
  ];
  const r = await runCli("scripts/lab.ts", [...args, ...shape], {
    env: { LAB_NETNS_PREFIX: PREFIX },
    timeoutMs: 90_000,
  });
  // NOTE: mechanics, not a verdict: a busy machine may FAIL this small run (exit 1); it must not be invalid.
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const runDir = readdirSync(dir).find((d) => d.includes("-paced-"));
  assert.ok(runDir, `no run directory in ${readdirSync(dir).join(", ")}`);
  const rec = JSON.parse(readFileSync(join(dir, runDir, "result.json"), "utf8")) as ResultRecord;
  const pl = rec.placement;
  assert.equal(pl?.kind, "netns");
  assert.equal(pl?.server.host, `${PREFIX}srv`);
  assert.match(pl?.server.address ?? "", /^10\.77\.0\.10$/);
  assert.deepEqual(
    pl?.generator.map((g) => g.host),
    [`${PREFIX}c1`, `${PREFIX}c2`],
  );
  for (const c of rec.load.commands)
    assert.match(c, new RegExp(`ip netns exec ${PREFIX}c[12] taskset -c 0 \\S+/wrk `));
  assert.equal(rec.measurements.serverCounted.responses2xx >= 400, true, "the server counted the load");
  assert.match(
    r.stderr,
    rec.verdict.pass ? /exit 0: PASS/ : /exit 1: FAIL/,
    "the exit is the recorded verdict's",
  );

  assert.deepEqual(
    (await listNamespaces()).filter((n) => n.startsWith(PREFIX)),
    [],
    "namespaces left",
  );
  assert.deepEqual(await rootLinks(PREFIX), [], "links left");
  assert.deepEqual(
    readdirSync("/run").filter((f) => f.startsWith(`${PREFIX}admin-`)),
    [],
    "admin socket left",
  );
  const left = await run("pgrep", ["-f", "server/main.ts --workers 2 --stub-ms 200 --host 10.77.0.10"]);
  assert.equal(left.code, 1, `server processes left: ${left.stdout}`);
});
