// The traffic rule: a target outside loopback and the lab's namespaces is refused everywhere (exit 2, one line).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { isLabAddress, loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import { guardTarget, isLoopbackAddress } from "../../scripts/lib/placement/reach.ts";
import { REPO, run } from "../helpers/cli.ts";

const cfg = loadNetConfig();
const dir = mkdtempSync(join(tmpdir(), "reach-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("addresses are checked as IPs against CIDRs, never as string prefixes", () => {
  for (const a of ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "localhost", "::ffff:127.0.0.1"])
    assert.ok(isLoopbackAddress(a), a);
  for (const a of ["128.0.0.1", "127.0.0.1.example.com", "::2", "10.77.0.5"])
    assert.ok(!isLoopbackAddress(a), a);
  const [a, b, c] = cfg.net24.split(".");
  assert.ok(isLabAddress(`${cfg.net24}.5`, cfg));
  for (const x of [
    `${cfg.net24}.5.example.com`,
    `${a}.${b}.${Number(c) + 1}.5`,
    `${cfg.net24}.256`,
    "192.0.2.10",
  ])
    assert.ok(!isLabAddress(x, cfg), x);
  assert.throws(() => guardTarget("t", "192.0.2.10", false, cfg), InvalidRun);
  assert.throws(() => guardTarget("t", `${cfg.net24}.5.example.com`, false, cfg), /name \(not an IP\)/);
  assert.doesNotThrow(() => guardTarget("t", "192.0.2.10", true, cfg), "the user's opt-in");
});

// NOTE: each CLI runs inside `unshare -n` (a network namespace with only a downed loopback): even if a guard
// failed, no packet could leave this machine. ALLOW_REMOTE is removed from the environment: tests never opt in.
const root = process.getuid?.() === 0;
const refused = async (script: string, args: string[], address: RegExp) => {
  const r = await run("unshare", ["-n", process.execPath, "--import", "tsx", script, ...args], {
    env: { ALLOW_REMOTE: undefined },
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 2, `${script} ${args.join(" ")}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? "", address);
  assert.match(lines[0] ?? "", /ALLOW_REMOTE=1|only inside the lab's namespaces|hub namespace/);
};

test("refused without the opt-in: doctor --url, doctor --hosts, fleet check, lab HOSTS=, loadtest --url", {
  skip: !root && "needs root (unshare -n)",
  timeout: 180_000,
}, async () => {
  const example = join(REPO, "configs/hosts/example.json");
  await refused(
    "scripts/doctor.ts",
    ["--url", "http://192.0.2.10:8000/"],
    /address 192\.0\.2\.10 is outside/,
  );
  await refused("scripts/doctor.ts", ["--hosts", example], /host server: address 192\.0\.2\.10 is outside/);
  await refused("scripts/fleet.ts", ["check", "--hosts", example], /192\.0\.2\.10 is outside/);
  const lab = ["--placement", "hosts", "--hosts", example, "--profile", "none"];
  await refused("scripts/lab.ts", lab, /192\.0\.2\.10 is outside/);
  await refused(
    "scripts/loadtest.ts",
    ["--url", "http://10.1.2.3:8000/ping/"],
    /address 10\.1\.2\.3 is outside/,
  );

  const inv = JSON.parse(readFileSync(example, "utf8"));
  const named = join(dir, "named.json");
  inv.server.address = `${cfg.net24}.10`;
  inv.clients = [{ ...inv.clients[0], ssh: `root@${cfg.net24}.5.example.com` }];
  writeFileSync(named, JSON.stringify(inv));
  await refused("scripts/doctor.ts", ["--hosts", named], /name \(not an IP\) 10\.77\.0\.5\.example\.com/);
  const noHub = join(dir, "no-hub.json");
  inv.clients = [{ ...inv.clients[0], ssh: `root@${cfg.net24}.101` }];
  writeFileSync(noHub, JSON.stringify({ ...inv, controlNetns: null }));
  await refused(
    "scripts/fleet.ts",
    ["check", "--hosts", noHub],
    /controlNetns is null, .*hub namespace "labx-hub"/,
  );
});
