// Emulated hosts for real: namespaces, veth, bridge, per-namespace sysctls, TCP between them, nothing left after.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { allPids, procStat } from "../../scripts/lib/machine/proc.ts";
import { loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import {
  killInNamespace,
  listNamespaces,
  netnsCleanup,
  netnsDown,
  netnsUp,
  rootLinks,
} from "../../scripts/lib/placement/netns.ts";
import { probeConnect } from "../../scripts/lib/placement/probe.ts";
import { inNetns, type Topology } from "../../scripts/lib/placement/topology.ts";
import { know, present } from "../../scripts/lib/processes/gone.ts";
import { ownNetns, testPrefix } from "../helpers/netns.ts";

// NOTE: a prefix of this run's own, so a user's fleet (labx-) is never touched and two runs never collide.
const PREFIX = testPrefix("n");
process.env.LAB_NETNS_PREFIX = PREFIX;
const ROOT_USER = process.getuid?.() === 0;
const cfg = loadNetConfig();
const MARK = `netns-test-${process.pid}`;
let topo: Topology | null = null;

const sh = (argv: string[]): string => execFileSync(argv[0] as string, argv.slice(1), { encoding: "utf8" });
const ours = async (): Promise<string[]> => (await listNamespaces()).filter((n) => n.startsWith(PREFIX));
const markedPids = (): string[] => {
  try {
    return sh(["pgrep", "-f", MARK]).trim().split("\n");
  } catch {
    return [];
  }
};

after(async () => {
  if (ROOT_USER) await netnsCleanup(PREFIX);
});

const opts = { skip: ROOT_USER ? false : "needs root (network namespaces)", timeout: 60_000 };

test(
  "netns up: hub, server and clients exist with their links, addresses and own sysctls",
  opts,
  async () => {
    const rootSomaxconn = readFileSync("/proc/sys/net/core/somaxconn", "utf8");
    const t = await netnsUp({ clients: 2, serverCpus: [0], clientCpus: null });
    topo = t;
    assert.deepEqual((await ours()).sort(), [`${PREFIX}c1`, `${PREFIX}c2`, `${PREFIX}hub`, `${PREFIX}srv`]);
    const hubLinks = JSON.parse(sh(["ip", "-n", t.hub.ns, "-j", "link", "show"])) as {
      ifname: string;
      master?: string;
    }[];
    for (const h of [t.server, ...t.clients]) {
      assert.equal(
        hubLinks.find((l) => l.ifname === h.ns)?.master,
        t.hub.bridge,
        `${h.ns} veth on the bridge`,
      );
      const addrs = JSON.parse(sh(["ip", "-n", h.ns, "-j", "-4", "addr", "show"])) as {
        ifname: string;
        operstate: string;
        addr_info: { local: string }[];
      }[];
      assert.deepEqual(
        addrs.find((a) => a.ifname === "eth0")?.addr_info.map((a) => a.local),
        [h.address],
      );
      assert.ok(
        addrs.some((a) => a.ifname === "lo" && a.addr_info.some((i) => i.local === "127.0.0.1")),
        "lo up",
      );
      for (const [k, v] of Object.entries(cfg.sysctls)) {
        const got = sh(inNetns(h.ns, ["sysctl", "-n", k]))
          .trim()
          .replace(/\s+/g, " ");
        assert.equal(got, v, `${k} in ${h.ns}`);
        assert.equal(h.sysctls[k], v, `${k} recorded for ${h.ns}`);
      }
    }
    assert.deepEqual(t.server.cpus, [0]);
    // NOTE: the safety rule: the lab's range must not appear in the root namespace, as address or route.
    assert.ok(
      !sh(["ip", "-4", "addr", "show"]).includes(`${cfg.net24}.`),
      "no lab address in the root namespace",
    );
    assert.ok(
      !sh(["ip", "-4", "route", "show"]).includes(`${cfg.net24}.`),
      "no lab route in the root namespace",
    );
    assert.deepEqual(await rootLinks(PREFIX), []);
    assert.equal(
      readFileSync("/proc/sys/net/core/somaxconn", "utf8"),
      rootSomaxconn,
      "root namespace untouched",
    );
  },
);

test("a client namespace reaches a listener in the server namespace over TCP", opts, async (t) => {
  assert.ok(topo, "topology from the first test");
  const port = 9000 + (process.pid % 500);
  const echo = `require("net").createServer(s=>s.pipe(s)).listen(${port},"${topo.server.address}",()=>console.log("ready"))`;
  const srv = spawn("ip", ["netns", "exec", topo.server.ns, process.execPath, "-e", echo, MARK], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      srv.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      srv.once("exit", (c) => reject(new Error(`listener exited ${c}`)));
    });
    const client = `const c=require("net").connect(${port},"${topo.server.address}",()=>c.end("ping-${MARK}"));c.pipe(process.stdout)`;
    const got = sh(inNetns(topo.clients[1]?.ns ?? "", [process.execPath, "-e", client]));
    assert.equal(got, `ping-${MARK}`);
    const p = await probeConnect(topo.clients[0] as Topology["clients"][0], topo.server, 10);
    t.diagnostic(`tcp connect c1 → srv: p50 ${p.p50Ms} ms, min ${p.minMs} ms, max ${p.maxMs} ms`);
    assert.equal(p.samples, 10);
  } finally {
    srv.kill("SIGKILL");
  }
});

test("down removes every namespace, link and process; twice is fine", opts, async () => {
  assert.ok(topo, "topology from the first test");
  // a process left inside a namespace, as a killed driver would leave it
  spawn("ip", ["netns", "exec", topo.clients[0]?.ns ?? "", "sh", "-c", `sleep 300; : ${MARK}`], {
    stdio: "ignore",
    detached: true,
  }).unref();
  for (let i = 0; i < 30 && markedPids().length === 0; i++) await sleep(100);
  assert.notEqual(markedPids().length, 0, "the leftover process runs");
  await netnsDown(topo);
  await netnsDown(topo);
  assert.deepEqual(await ours(), []);
  assert.deepEqual(await rootLinks(PREFIX), []);
  assert.deepEqual(markedPids(), [], "no process of the test left");
  assert.deepEqual(await netnsCleanup(PREFIX), [], "cleanup after down finds nothing");
});

test("cleanup sweeps what a killed run left, by prefix", opts, async () => {
  await netnsUp({ clients: 1 });
  assert.equal((await ours()).length, 3);
  const removed = await netnsCleanup(PREFIX);
  assert.equal(removed.length, 3, removed.join(", "));
  assert.deepEqual(await ours(), []);
  assert.deepEqual(await netnsCleanup(PREFIX), []);
});

// NOTE: sh dies of the SIGTERM without reaping its sleeps, which die of theirs: zombies for PID 1 to reap (up to
// ≈ 2 s later here), and `ip netns pids` never lists a zombie. A teardown that trusted the list returned with
// both still in /proc (10 of 10 tries before the fix).
test(
  "killInNamespace returns once what it killed is reaped, even orphans of a parent killed with them",
  opts,
  async (t) => {
    const ns = await ownNetns("k");
    t.after(() => ns.remove());
    const [cmd, args] = ns.exec(["sh", "-c", "sleep 300 & sleep 300 & wait"]);
    const parent = spawn(cmd, args, { stdio: "ignore" }).pid ?? 0;
    let kids: number[] = [];
    for (let i = 0; i < 50 && kids.length < 2; i++) {
      await sleep(20);
      kids = allPids().filter((p) => procStat(p)?.ppid === parent);
    }
    assert.equal(kids.length, 2, "sh runs its two sleeps");
    const all = know([parent, ...kids]);
    assert.deepEqual(await killInNamespace(ns.name), [], "nothing left when it returned");
    assert.deepEqual(all.filter(present), [], "no process of the test left, not even a zombie");
  },
);
