// Ctrl-C safe from the first line: make lab interrupted while the server starts, in warm-up and mid-run leaves nothing.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { run, start } from "../helpers/cli.ts";
import { untilStderr } from "../helpers/lab-run.ts";
import { type OwnNetns, ownNetns } from "../helpers/netns.ts";

// NOTE: the lab runs in a network namespace of the test's own, tuned with a profile of per-namespace keys: its
// tune and untune are real, and the machine's own sysctls are never touched.
const KEYS = ["net.ipv4.tcp_fin_timeout", "net.core.somaxconn", "net.ipv4.ip_local_reserved_ports"];
const PROFILE = [
  "net.ipv4.tcp_fin_timeout = 17",
  "net.core.somaxconn = 4097",
  "net.ipv4.ip_local_reserved_ports = 8000-8099",
];
const skip =
  process.getuid?.() !== 0 ? "needs root (a network namespace)" : os.cpus().length < 2 && "needs 2 CPUs";
const dir = mkdtempSync(join(os.tmpdir(), "interrupt-test-"));
const env = { LAB_TUNING_DIR: dir, LAB_TUNE_STATE: join(dir, "tune-saved.json") };
let ns: OwnNetns;
let original: string;

const sysctls = async (): Promise<string> => (await run(...ns.exec(["sysctl", "-n", ...KEYS]))).stdout;

before(async () => {
  if (skip) return;
  writeFileSync(join(dir, "int.conf"), `${PROFILE.join("\n")}\n`);
  ns = await ownNetns("i");
  original = await sysctls();
});
after(async () => {
  await ns?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Start make lab's driver in the namespace, SIGINT it once `marker` shows on stderr (+ `afterMs`). */
async function interruptAt(marker: RegExp, afterMs: number) {
  const results = mkdtempSync(join(dir, "results-"));
  const args = [
    "--workers",
    "2",
    "--port",
    "8074",
    "--modes",
    "paced",
    "-c",
    "200",
    "-R",
    "200",
    "-d",
    "10s",
  ];
  const lab = start(
    ...ns.exec([
      process.execPath,
      "--import",
      "tsx",
      "scripts/lab.ts",
      ...args,
      "--warmup",
      "3s",
      "--profile",
      "int",
      "--results-dir",
      results,
    ]),
    { env, timeoutMs: 90_000 },
  );
  await untilStderr(lab, marker);
  await sleep(afterMs);
  lab.child.kill("SIGINT");
  const r = await lab.done;
  return { r, results };
}

for (const [point, marker, afterMs] of [
  ["while the server starts", /placement: /, 0],
  ["in warm-up", /warm-up 3 s/, 500],
  ["mid-run", /paced: 200 connections/, 2000],
] as const) {
  test(`Ctrl-C ${point}: exit 130, no server or wrk left, sysctls and tune state restored, no result`, {
    skip,
    timeout: 120_000,
  }, async () => {
    const { r, results } = await interruptAt(marker, afterMs);
    assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /tune int/, "the lab tuned before the interrupt");
    assert.match(r.stderr, /exit 130: interrupted/);
    const left = await run("ip", ["netns", "pids", ns.name]);
    assert.equal(left.stdout.trim(), "", `processes left in ${ns.name}: ${left.stdout}`);
    assert.equal(await sysctls(), original, "the namespace's sysctls are back");
    assert.ok(!existsSync(env.LAB_TUNE_STATE), "no tune state left");
    assert.deepEqual(
      readdirSync(results).filter((f) => !f.startsWith(".")),
      [],
      "no result written",
    );
  });
}
