// The inventory format and the placement plumbing that needs no root: validation messages, names, quoting.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { ROOT } from "../../scripts/lib/core/paths.ts";
import { parseCpuList } from "../../scripts/lib/placement/cpus.ts";
import { loadInventory, parseInventory } from "../../scripts/lib/placement/inventory.ts";
import { loadNetConfig, NET_CONFIG } from "../../scripts/lib/placement/net-config.ts";
import { guardInventory } from "../../scripts/lib/placement/reach.ts";
import { remoteLine } from "../../scripts/lib/placement/ssh.ts";
import { inNetns, planTopology } from "../../scripts/lib/placement/topology.ts";

const dir = mkdtempSync(join(tmpdir(), "inventory-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE = join(ROOT, "configs", "hosts", "example.json");
const good = () => ({
  key: "keys/lab",
  server: { name: "s", address: "10.0.0.1", ssh: null, cpus: [1] },
  clients: [{ name: "c1", ssh: "root@10.0.0.2", cpus: null, wrk: "/usr/bin/wrk" }],
});

/** The InvalidRun message parseInventory throws for raw. */
function errorOf(raw: unknown): string {
  try {
    parseInventory(raw, "/x/inv.json");
  } catch (e) {
    assert.ok(e instanceof InvalidRun, `not an InvalidRun: ${e}`);
    assert.ok(!e.message.includes("\n"), "one line");
    return e.message;
  }
  assert.fail("no error");
}

test("the example inventory parses: keys resolved, defaults filled", () => {
  const inv = loadInventory(EXAMPLE);
  assert.equal(inv.server.ssh, null);
  assert.deepEqual(inv.server.cpus, [2, 3]);
  assert.equal(inv.clients.length, 2);
  assert.equal(inv.clients[0]?.port, 22);
  assert.equal(inv.clients[0]?.key, join(homedir(), ".ssh/id_ed25519"));
  assert.equal(inv.clients[1]?.key, join(homedir(), ".ssh/gen2_ed25519"));
  assert.equal(parseInventory(good(), "/x/inv.json").clients[0]?.key, "/x/keys/lab");
});

test("each bad field is named in a one-line error", () => {
  const cases: [string, (o: ReturnType<typeof good>) => void][] = [
    ["server.address", (o) => Object.assign(o.server, { address: "" })],
    ["server.name", (o) => Object.assign(o.server, { name: "a b" })],
    ["server.cpus", (o) => Object.assign(o.server, { cpus: [] })],
    ["server.netns", (o) => Object.assign(o.server, { ssh: "root@h", netns: "ns1" })],
    ["clients[0].wrk", (o) => Object.assign(o.clients[0] as object, { wrk: "wrk" })],
    ["clients[0].ssh", (o) => Object.assign(o.clients[0] as object, { ssh: null })],
    ["clients[0].port", (o) => Object.assign(o.clients[0] as object, { port: 0 })],
    ["clients[0].cpus", (o) => Object.assign(o.clients[0] as object, { cpus: ["0"] })],
    ["clients[0].key", (o) => Object.assign(o, { key: undefined })],
    ["clients[1].name", (o) => o.clients.push({ ...(o.clients[0] as (typeof o.clients)[0]), name: "s" })],
    ["clients", (o) => Object.assign(o, { clients: [] })],
  ];
  for (const [field, spoil] of cases) {
    const raw = good();
    spoil(raw);
    const msg = errorOf(raw);
    assert.ok(msg.startsWith(`inventory /x/inv.json: ${field} `), `${field}: ${msg}`);
    assert.match(msg, /— fix the file/);
  }
});

test("the driver turns a bad inventory into exit 2 and one line", () => {
  const bad = join(dir, "bad.json");
  writeFileSync(
    bad,
    JSON.stringify({ ...good(), clients: [{ name: "c1", ssh: "root@h", wrk: "/usr/bin/wrk", port: "x" }] }),
  );
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/fleet.ts", "check", "--hosts", bad], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /^error: inventory .*bad\.json: clients\[0\]\.port must be a TCP port/);
  const missing = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/fleet.ts", "check", "--hosts", join(dir, "nope.json")],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^error: inventory .*nope\.json: ENOENT/);
});

test("net.json: names carry the prefix, addresses stay in the private /24", () => {
  const cfg = loadNetConfig(NET_CONFIG, { LAB_NETNS_PREFIX: "lt9-" });
  const t = planTopology(cfg, { clients: 3, serverCpus: [1], clientCpus: null });
  assert.deepEqual(
    [t.hub.ns, t.server.ns, ...t.clients.map((c) => c.ns)],
    ["lt9-hub", "lt9-srv", "lt9-c1", "lt9-c2", "lt9-c3"],
  );
  assert.equal(t.hub.bridge, "lt9-br");
  for (const a of [t.hub.address, t.server.address, ...t.clients.map((c) => c.address)]) {
    assert.ok(a.startsWith(`${cfg.net24}.`), a);
  }
  assert.equal(new Set(t.clients.map((c) => c.address)).size, 3);
  assert.throws(() => loadNetConfig(NET_CONFIG, { LAB_NETNS_PREFIX: "Bad_" }), /LAB_NETNS_PREFIX/);
  assert.throws(() => planTopology(cfg, { clients: cfg.maxClients + 1 }), /CLIENTS must be from 1/);
  const bad = join(dir, "net.json");
  writeFileSync(
    bad,
    JSON.stringify({
      ...JSON.parse(readFileSync(NET_CONFIG, "utf8")),
      subnet: "8.8.8.0/24",
    }),
  );
  assert.throws(() => loadNetConfig(bad, {}), /"subnet" must be a private/);
});

test("argv helpers: inNetns pins CPUs, cpu lists parse, remote quoting survives a POSIX shell", () => {
  assert.deepEqual(inNetns("n", ["wrk", "-v"], [0, 2]), [
    "ip",
    "netns",
    "exec",
    "n",
    "taskset",
    "-c",
    "0,2",
    "wrk",
    "-v",
  ]);
  assert.deepEqual(inNetns("n", ["x"], null), ["ip", "netns", "exec", "n", "x"]);
  const online = [0, 1, 2, 3];
  assert.deepEqual(parseCpuList("--c", "0,2-3", online), [0, 2, 3]);
  assert.throws(() => parseCpuList("--c", "", online), /--c must be a CPU list/);
  assert.throws(() => parseCpuList("--c", "a", online), /--c must be a CPU list/);
  assert.throws(() => parseCpuList("--c", "3-1", online), /--c must be a CPU list/);
  assert.throws(() => parseCpuList("--c", "4", online), /--c names CPU 4, which this machine does not have/);
  const words = ["it's", "$HOME", "a b", '"q"', "`x`", ";", ""];
  // NOTE: dash, the shell a Debian host runs a remote command line with when the login shell is sh.
  const out = execFileSync("sh", ["-c", `printf '%s\\n' ${remoteLine(words)}`], { encoding: "utf8" });
  assert.deepEqual(out.split("\n").slice(0, -1), words);
});

const fleet = () => ({
  ...good(),
  servers: [
    { name: "s1", address: "10.77.0.11", ssh: "root@10.77.0.11" },
    { name: "s2", address: "10.77.0.12", ssh: "lab@10.77.0.12", port: 2222, node: "/opt/node/bin/node" },
  ],
  lb: { name: "lb", address: "10.77.0.10", ssh: "root@10.77.0.10", cpus: [1] },
});

test("a fleet: servers and lb, both or neither, defaults filled, each bad field named in one line", () => {
  const inv = parseInventory(fleet(), "/x/inv.json");
  assert.deepEqual(
    inv.servers.map((s) => [s.name, s.port, s.node, s.key, s.cpus]),
    [
      ["s1", 22, "node", "/x/keys/lab", null],
      ["s2", 2222, "/opt/node/bin/node", "/x/keys/lab", null],
    ],
  );
  assert.deepEqual([inv.lb?.haproxy, inv.lb?.cpus], ["/usr/sbin/haproxy", [1]]);
  const plain = parseInventory(good(), "/x/inv.json");
  assert.deepEqual([plain.servers, plain.lb], [[], null]);
  // the one-server placement's host may be one of the fleet's: the same name, the same machine
  const shared = { ...fleet(), server: { name: "lb", address: "10.77.0.10", ssh: "root@10.77.0.10" } };
  assert.equal(parseInventory(shared, "/x/inv.json").server.name, "lb");
  type F = ReturnType<typeof fleet>;
  const cases: [string, (o: F) => void][] = [
    ["lb", (o) => Object.assign(o, { lb: undefined })],
    ["servers", (o) => Object.assign(o, { servers: [] })],
    ["servers", (o) => Object.assign(o, { servers: undefined })],
    ["servers[0].address", (o) => Object.assign(o.servers[0] as object, { address: "" })],
    ["servers[0].ssh", (o) => Object.assign(o.servers[0] as object, { ssh: null })],
    ["servers[1].node", (o) => Object.assign(o.servers[1] as object, { node: "nodejs" })],
    ["servers[1].port", (o) => Object.assign(o.servers[1] as object, { port: 70000 })],
    ["servers[1].name", (o) => Object.assign(o.servers[1] as object, { name: "s1" })],
    ["lb.haproxy", (o) => Object.assign(o.lb, { haproxy: "haproxy" })],
    ["lb.name", (o) => Object.assign(o.lb, { name: "s2" })],
    [
      "lb.key",
      (o) => {
        for (const h of [...o.clients, ...o.servers]) Object.assign(h, { key: "k" });
        Object.assign(o, { key: undefined });
      },
    ],
    ["servers[0].name", (o) => Object.assign(o.servers[0] as object, { name: "c1" })],
  ];
  for (const [field, spoil] of cases) {
    const raw = fleet();
    spoil(raw);
    const msg = errorOf(raw);
    assert.ok(msg.startsWith(`inventory /x/inv.json: ${field} `), `${field}: ${msg}`);
    assert.match(msg, /— fix the file \(format: configs\/hosts\/fleet-example\.json\)$/);
  }
  const example = loadInventory(join(ROOT, "configs", "hosts", "fleet-example.json"));
  assert.deepEqual(
    [example.servers.map((s) => s.node), example.lb?.haproxy, example.server.name],
    [["node", "/usr/local/bin/node"], "/usr/sbin/haproxy", "lb"],
  );
});

test("a fleet's addresses and ssh targets pass the same guard as the rest", () => {
  delete process.env.ALLOW_REMOTE;
  const hub = { controlNetns: `${loadNetConfig().prefix}hub` };
  const ok = { ...fleet(), ...hub, clients: [{ ...good().clients[0], ssh: "root@10.77.0.101" }] };
  Object.assign(ok.server, { address: "127.0.0.1" });
  assert.doesNotThrow(() => guardInventory(parseInventory(ok, "/x/inv.json")));
  const outside: [string, (o: typeof ok) => void][] = [
    ["host s2: address 192.0.2.12", (o) => Object.assign(o.servers[1] as object, { address: "192.0.2.12" })],
    ["host s1: address 192.0.2.11", (o) => Object.assign(o.servers[0] as object, { ssh: "root@192.0.2.11" })],
    ["host lb: address 192.0.2.10", (o) => Object.assign(o.lb, { address: "192.0.2.10" })],
  ];
  for (const [what, spoil] of outside) {
    const raw = structuredClone(ok);
    spoil(raw);
    assert.throws(
      () => guardInventory(parseInventory(raw, "/x/inv.json")),
      (e: Error) => e instanceof InvalidRun && e.message.includes(`${what} is outside`),
      what,
    );
  }
});
