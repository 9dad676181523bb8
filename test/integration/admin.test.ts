// The admin socket for real: the same exact stats as the listener, and beyond loopback (a lab namespace) only there.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import http from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { listNamespaces, netnsCleanup, netnsUp } from "../../scripts/lib/placement/netns.ts";
import { inNetns, type Topology } from "../../scripts/lib/placement/topology.ts";
import { fetchLabStats, type LabStats, loadConnections } from "../../scripts/lib/processes/lab-stats.ts";
import {
  freePort,
  type RunningServer,
  spawnServer,
  startServer,
} from "../../scripts/lib/processes/server.ts";
import { isLoopback } from "../../server/options.ts";
import { run } from "../helpers/cli.ts";
import { testPrefix } from "../helpers/netns.ts";

// NOTE: a namespace prefix of this run's own (as netns.test.ts), so a user's fleet (labx-) is never touched.
const PREFIX = testPrefix("a");
process.env.LAB_NETNS_PREFIX = PREFIX;
const ROOT_USER = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), "lab-admin-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const agent = new http.Agent({ keepAlive: false });
const get = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => res.resume().on("end", () => resolve(res.statusCode ?? 0)))
      .on("error", reject);
  });

/** The JSON's structure: every key, recursively, with the type of its value. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  }
  return typeof v;
}

/** Ask until `ok` holds (open connections are sampled from /proc, a closed socket lingers a moment). */
async function until(base: string, ok: (s: LabStats) => boolean, ms = 3000): Promise<LabStats> {
  let s = await fetchLabStats(base);
  for (const t0 = Date.now(); !ok(s) && Date.now() - t0 < ms; s = await fetchLabStats(base)) await sleep(50);
  return s;
}

/** A raw keep-alive connection that has been answered once (so a worker holds it). */
function holdOpen(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1", () => c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    c.once("data", () => resolve(c));
  });
}

describe("loopback server with --admin-socket", () => {
  const sock = join(dir, "admin.sock");
  let s: RunningServer;
  before(async () => {
    s = await startServer({ workers: 2, stubMs: 20, adminSocket: sock });
  });
  after(() => s.stop());

  test("the socket (0600) answers the listener's stats: same structure, same exact counters", async () => {
    assert.equal(s.statsBase, `unix:${sock}`);
    const st = statSync(sock);
    assert.ok(st.isSocket());
    assert.equal(st.mode & 0o777, 0o600);
    for (let i = 0; i < 5; i++) assert.equal(await get(`${s.url}/ping`), 200);
    assert.equal(await get(`${s.url}/nope`), 404);
    const viaSocket = await fetchLabStats(s.statsBase);
    const viaListener = await fetchLabStats(s.url);
    assert.deepEqual(shape(viaSocket), shape(viaListener));
    for (const x of [viaSocket, viaListener]) {
      assert.equal(x.requests, 6);
      assert.deepEqual(x.responses, { "200": 5, "404": 1 });
      assert.equal(x.inFlight, 0);
      assert.equal(x.workers, 2);
    }
    assert.deepEqual(viaSocket.pids, viaListener.pids);
    assert.deepEqual(
      viaSocket.perWorker.map((w) => [w.pid, w.requests, w.responses]),
      viaListener.perWorker.map((w) => [w.pid, w.requests, w.responses]),
    );
    assert.equal(viaSocket.selfConnection, 0);
    assert.equal(viaListener.selfConnection, 1);
  });

  test("open connections: the listener's count holds its own stats call, the socket's does not", async () => {
    assert.equal((await until(s.statsBase, (x) => x.openConnections === 0)).openConnections, 0);
    const held = await Promise.all([1, 2, 3].map(() => holdOpen(s.port)));
    try {
      const a = await until(s.statsBase, (x) => x.openConnections === 3);
      assert.equal(a.openConnections, 3);
      const m = await fetchLabStats(s.url);
      assert.equal(m.openConnections, 4, "3 held + the stats call's own");
      assert.equal(loadConnections(m), 3);
      assert.equal(loadConnections(a), 3);
    } finally {
      for (const c of held) c.destroy();
    }
  });

  test("a second server on a live socket is refused; at stop the socket file is removed", async () => {
    const second = spawnServer(["--port", String(await freePort()), "--admin-socket", sock]);
    assert.equal((await second.exited).code, 2);
    assert.match(second.output(), /^error: --admin-socket .* is in use by a running server .*\n$/);
    assert.equal((await s.stop()).code, 0);
    assert.ok(!existsSync(sock), "socket removed at exit");
  });
});

test("a stale socket left by a killed server is replaced by the next one", async () => {
  const sock = join(dir, "stale.sock");
  const killed = await startServer({ workers: 1, stubMs: 20, adminSocket: sock });
  killed.signalGroup("SIGKILL");
  await killed.exited;
  assert.ok(statSync(sock).isSocket(), "the killed server left its socket");
  const next = await startServer({ workers: 1, stubMs: 20, adminSocket: sock });
  try {
    assert.equal((await fetchLabStats(next.statsBase)).primaryPid, next.pid);
  } finally {
    await next.stop();
  }
  assert.ok(!existsSync(sock));
});

test("loopback is 127.0.0.0/8, ::1 and localhost; everything else is beyond it", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"])
    assert.ok(isLoopback(h), h);
  for (const h of ["0.0.0.0", "::", "10.77.0.10", "128.0.0.1", "::ffff:10.0.0.1"])
    assert.ok(!isLoopback(h), h);
});

test("beyond loopback without --admin-socket, or with an unusable one: exit 2, one line", async () => {
  const file = join(dir, "not-a-socket");
  await run("touch", [file]);
  const cases: [string[], RegExp][] = [
    [["--host", "10.77.0.10"], /--host 10\.77\.0\.10 is beyond loopback.*--admin-socket PATH/],
    [["--host", "0.0.0.0"], /beyond loopback.*--admin-socket/],
    [["--admin-socket", join(dir, "absent", "a.sock")], /directory .*absent does not exist/],
    [["--admin-socket", file], /exists and is not a socket/],
    [["--admin-socket", `/${"x".repeat(120)}`], /at most 107 bytes/],
  ];
  for (const [args, why] of cases) {
    const p = spawnServer(["--port", String(await freePort()), ...args]);
    assert.equal((await p.exited).code, 2, `${args.join(" ")} → ${p.output()}`);
    assert.match(p.output(), /^error: [^\n]+\n$/, `${args.join(" ")} → ${p.output()}`);
    assert.match(p.output(), why);
  }
});

describe("a server inside a lab network namespace", {
  skip: ROOT_USER ? false : "needs root (network namespaces)",
}, () => {
  const sock = `/run/${testPrefix("a")}admin.sock`;
  const port = 8001;
  let t: Topology;
  let s: RunningServer | null = null;
  before(async () => {
    t = await netnsUp({ clients: 1 });
    s = await startServer({
      host: t.server.address,
      port,
      workers: 2,
      stubMs: 20,
      adminSocket: sock,
      prefix: inNetns(t.server.ns, [], t.server.cpus),
    });
  });
  after(async () => {
    await s?.stop();
    if (existsSync(sock)) unlinkSync(sock);
    await netnsCleanup(PREFIX);
    assert.deepEqual(
      (await listNamespaces()).filter((n) => n.startsWith(PREFIX)),
      [],
      "no namespace left",
    );
  });

  test("from a client namespace /ping answers and /__lab/stats is 404; the lab reads stats over the socket", async () => {
    const client = t.clients[0];
    assert.ok(s && client);
    const script = `const h=require("http");const g=p=>new Promise((r,j)=>h.get("${s.url}"+p,x=>{let b="";x.on("data",d=>b+=d);x.on("end",()=>r([x.statusCode,b]))}).on("error",j));(async()=>console.log(JSON.stringify([await g("/ping/"),await g("/__lab/stats")])))()`;
    const out = await run("ip", ["netns", "exec", client.ns, process.execPath, "-e", script], {
      timeoutMs: 15_000,
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), [
      [200, "pong"],
      [404, "not found"],
    ]);
    const st = await fetchLabStats(`unix:${sock}`);
    assert.equal(st.workers, 2);
    assert.equal(st.selfConnection, 0);
    assert.equal(st.requests, 1, "the /ping counted, the refused stats call not");
    assert.deepEqual(st.responses, { "200": 1 });
  });
});
