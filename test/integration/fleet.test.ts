// A fleet for real: sshd in each emulated host, commands and files over ssh, a remote stop that stops, and teardown.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "../../scripts/lib/core/paths.ts";
import { fleetDown } from "../../scripts/lib/placement/fleet.ts";
import { checkHost, sshFor } from "../../scripts/lib/placement/host-check.ts";
import { type Inventory, loadInventory } from "../../scripts/lib/placement/inventory.ts";
import { loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import { listNamespaces, rootLinks } from "../../scripts/lib/placement/netns.ts";
import type { SshHost } from "../../scripts/lib/placement/ssh.ts";
import { fleetDir } from "../../scripts/lib/placement/state.ts";
import { testPrefix } from "../helpers/netns.ts";

const PREFIX = testPrefix("f");
process.env.LAB_NETNS_PREFIX = PREFIX;
const cfg = loadNetConfig();
const DIR = fleetDir(PREFIX);
const local = mkdtempSync(join(tmpdir(), "fleet-test-"));
const opened: SshHost[] = [];
let inv: Inventory | null = null;

after(async () => {
  for (const s of opened) await s.close();
  if (process.getuid?.() === 0) await fleetDown(cfg);
  rmSync(local, { recursive: true, force: true });
});

function fleet(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "scripts/fleet.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, LAB_NETNS_PREFIX: PREFIX },
    encoding: "utf8",
    timeout: 60_000,
  });
}

function ssh(i: number): SshHost {
  assert.ok(inv, "inventory from fleet up");
  const s = sshFor(inv, inv.clients[i] as Inventory["clients"][0], DIR);
  opened.push(s);
  return s;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
};

/** The remote command's pid from its pid file, once written. */
async function remotePid(s: SshHost, pidFile: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const out = await s.run(["cat", pidFile]);
    if (out.ok && /^\d+$/.test(out.stdout.trim())) return Number(out.stdout.trim());
    await sleep(100);
  }
  assert.fail(`no pid file ${pidFile}`);
}

const opts = {
  skip: process.getuid?.() === 0 ? false : "needs root (namespaces, sshd)",
  timeout: 60_000,
};

test("fleet up: sshd in every host, the inventory path is the last line", opts, () => {
  const r = fleet("up", "--clients", "2", "--generator-cpus", "0", "--no-probe");
  assert.equal(r.status, 0, r.stderr);
  const last = r.stdout.trim().split("\n").at(-1) ?? "";
  assert.equal(last, join(DIR, "inventory.json"));
  inv = loadInventory(last);
  assert.equal(inv.controlNetns, `${PREFIX}hub`);
  assert.deepEqual(
    inv.clients.map((c) => c.ssh),
    [`root@${cfg.net24}.${cfg.firstClientHost}`, `root@${cfg.net24}.${cfg.firstClientHost + 1}`],
  );
});

test(
  "ssh runs in the client namespace, on its CPUs, and the doctor check reads wrk and nofile",
  opts,
  async () => {
    const s = ssh(0);
    await s.connect();
    const out = await s.runOk(["sh", "-c", "uname -s; ip -o -4 addr show dev eth0; taskset -pc $$"], "probe");
    assert.match(out, /^Linux\n/);
    assert.ok(out.includes(`${cfg.net24}.${cfg.firstClientHost}/24`), out);
    assert.match(out, /current affinity list: 0\n/);
    const c = await checkHost(s, "/usr/bin/wrk");
    assert.match(c.wrk ?? "", /^wrk /);
    assert.ok((c.nofileSoft ?? 0) > 0 && (c.nofileHard ?? 0) >= (c.nofileSoft ?? 0), JSON.stringify(c));
    const none = await checkHost(s, "/nonexistent/wrk");
    assert.equal(none.wrk, null);
  },
);

test("scp round trip: copy there, fetch back, same bytes", opts, async () => {
  const s = ssh(1);
  const body = `payload ${process.pid} 'quoted' $HOME ${"x".repeat(5000)}\n`;
  const src = join(local, "up.txt");
  writeFileSync(src, body);
  const remoteDir = `/tmp/${PREFIX}scp`;
  await s.runOk(["mkdir", "-p", remoteDir], "mkdir");
  try {
    await s.copyTo([src], remoteDir);
    await s.fetch(`${remoteDir}/up.txt`, join(local, "down.txt"));
    assert.equal(readFileSync(join(local, "down.txt"), "utf8"), body);
  } finally {
    await s.runOk(["rm", "-rf", remoteDir], "rm");
  }
});

test(
  "a long remote command really stops: on stop(), and when the controlling process dies",
  opts,
  async () => {
    const s = ssh(0);
    const p = s.start(["sleep", "300"]);
    const pid = await remotePid(s, p.pidFile);
    assert.ok(alive(pid), "remote sleep runs");
    const out = await p.stop(3000);
    assert.equal(out.exitCode, 143, p.output());
    assert.ok(!alive(pid), "remote sleep gone after stop()");
    assert.equal((await s.run(["test", "-e", p.pidFile])).exitCode, 1, "pid file removed");
    // a controller that dies without cleaning up (SIGKILL): its remote command must not outlive it
    const code = `import { loadInventory } from "${ROOT}scripts/lib/placement/inventory.ts";
import { sshFor } from "${ROOT}scripts/lib/placement/host-check.ts";
const inv = loadInventory(${JSON.stringify(inv?.path)});
const p = sshFor(inv, inv.clients[0], ${JSON.stringify(DIR)}).start(["sleep", "301"]);
console.log(p.pidFile); setInterval(() => {}, 1000);`;
    // NOTE: .mts, so tsx loads it as a module from a directory without a package.json.
    const script = join(local, "controller.mts");
    writeFileSync(script, code);
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const pidFile = await new Promise<string>((resolve) =>
        child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim())),
      );
      const pid2 = await remotePid(s, pidFile);
      child.kill("SIGKILL");
      for (let i = 0; i < 50 && alive(pid2); i++) await sleep(100);
      assert.ok(!alive(pid2), "remote sleep gone after its controller was SIGKILLed");
    } finally {
      child.kill("SIGKILL");
    }
  },
);

test("an unreachable host is exit 2 with one line naming it and the fix", opts, () => {
  assert.ok(inv, "inventory from fleet up");
  const ghost = { ...JSON.parse(readFileSync(inv.path, "utf8")) };
  // NOTE: an address in the lab's /24 that no namespace holds: the attempt stays on the lab's bridge.
  ghost.clients = [{ name: "ghost", ssh: `root@${cfg.net24}.99`, wrk: "/usr/bin/wrk" }];
  const path = join(local, "ghost.json");
  writeFileSync(path, JSON.stringify(ghost));
  const r = fleet("check", "--hosts", path);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^error: host ghost \\(root@${cfg.net24.replaceAll(".", "\\.")}\\.99 port 22\\) is unreachable over ssh: .*make fleet-up`,
    ),
  );
});

test("fleet down leaves no sshd, namespace, link or key; twice is fine", opts, async () => {
  const r = fleet("down");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    (await listNamespaces()).filter((n) => n.startsWith(PREFIX)),
    [],
  );
  assert.deepEqual(await rootLinks(PREFIX), []);
  assert.ok(!existsSync(DIR), `${DIR} removed (keys, configs, sockets)`);
  const left = spawnSync("pgrep", ["-f", DIR], { encoding: "utf8" }).stdout.trim();
  assert.equal(left, "", `processes naming ${DIR} left: ${left}`);
  const again = fleet("down");
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /nothing to remove/);
  assert.equal(execFileSync("ip", ["netns", "list"], { encoding: "utf8" }).includes(PREFIX), false);
});
