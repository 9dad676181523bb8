// The lab server, for real: timing floor, concurrency, routes, exact stats, refusals, drain, revival.
import assert from "node:assert/strict";
import http from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { shSync } from "../../scripts/lib/core/shell.ts";
import {
  freePort,
  type RunningServer,
  spawnServer,
  startServer,
} from "../../scripts/lib/processes/server.ts";
import type { LabStats } from "../../server/stats.ts";

interface Reply {
  status: number;
  body: string;
  ms: number;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });

function get(url: string, method = "GET"): Promise<Reply> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function stats(s: RunningServer): Promise<LabStats> {
  return JSON.parse((await get(`${s.url}/__lab/stats`)).body) as LabStats;
}

function childPids(pid: number): number[] {
  const out = shSync`ps -o pid= --ppid ${pid}`.stdout;
  return out.split(/\s+/).filter(Boolean).map(Number).sort();
}

describe("two workers, stub 200 ms", () => {
  let s: RunningServer;
  before(async () => {
    s = await startServer({ workers: 2, stubMs: 200 });
  });
  after(() => s.stop());

  test("/ping and /ping/ answer 200 no earlier than the stub", async () => {
    for (const path of ["/ping", "/ping/"]) {
      const r = await get(s.url + path);
      assert.equal(r.status, 200);
      assert.ok(r.ms >= 200, `${path} answered after ${r.ms} ms`);
    }
  });

  test("500 concurrent /ping all finish well under 2 × stub (the wait does not block)", async () => {
    // NOTE: connect first, then send all 500 at once: the wall time measures the server, not connect().
    const sockets = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<Socket>((r) => {
            const c = connect(s.port, s.host, () => r(c));
          }),
      ),
    );
    const t0 = performance.now();
    const statuses = await Promise.all(
      sockets.map(
        (c) =>
          new Promise<string>((resolve) => {
            let got = "";
            c.on("data", (d: Buffer) => {
              got += d.toString();
              if (got.endsWith("pong")) resolve(got.slice(9, 12));
            });
            c.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
          }),
      ),
    );
    const wall = performance.now() - t0;
    for (const c of sockets) c.destroy();
    assert.deepEqual(new Set(statuses), new Set(["200"]));
    assert.ok(wall >= 200 && wall < 400, `500 concurrent requests took ${wall} ms`);
  });

  test("unknown path 404, other method 405 with Allow, /healthz 200 at once", async () => {
    assert.equal((await get(`${s.url}/nope`)).status, 404);
    assert.equal((await get(`${s.url}/ping`, "POST")).status, 405);
    assert.equal((await get(`${s.url}/healthz`, "DELETE")).status, 405);
    const h = await get(`${s.url}/healthz`);
    assert.equal(h.status, 200);
    assert.ok(h.ms < 200);
  });

  test("stats are exact totals across every worker", async () => {
    const before = await stats(s);
    const sent = 40;
    await Promise.all(Array.from({ length: sent }, () => get(`${s.url}/ping`)));
    await get(`${s.url}/nope`);
    const now = await stats(s);
    assert.equal(now.nativeUws, true);
    assert.equal(now.stubMs, 200);
    assert.equal(now.workers, 2);
    assert.deepEqual([...now.pids].sort(), childPids(s.pid));
    assert.equal(now.perWorker.length, 2);
    assert.equal(now.requests - before.requests, sent + 1);
    assert.equal((now.responses["200"] ?? 0) - (before.responses["200"] ?? 0), sent);
    assert.equal((now.responses["404"] ?? 0) - (before.responses["404"] ?? 0), 1);
    assert.equal(now.inFlight, 0);
    assert.equal(
      now.perWorker.reduce((a, w) => a + w.requests, 0),
      now.requests,
    );
  });

  test("a second server on the same port exits 2 with a clear message", async () => {
    const second = spawnServer(["--port", String(s.port), "--workers", "1"]);
    const e = await second.exited;
    assert.equal(e.code, 2);
    assert.match(second.output(), /port \d+ .*already in use/);
    assert.doesNotMatch(second.output(), /\n\s+at /, "no stack trace");
  });

  test("kill -9 of one worker: it is replaced and the server keeps answering", async () => {
    const old = await stats(s);
    const victim = old.pids[0] ?? 0;
    process.kill(victim, "SIGKILL");
    let now = old;
    for (let i = 0; i < 50 && (now.workers < 2 || now.pids.includes(victim)); i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await stats(s);
    }
    assert.equal(now.workers, 2);
    assert.ok(!now.pids.includes(victim));
    assert.equal(now.restarts, old.restarts + 1);
    const replies = await Promise.all(Array.from({ length: 20 }, () => get(`${s.url}/ping`)));
    assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
  });
});

test("a 50 ms stub answers no earlier than 50 ms", async () => {
  const s = await startServer({ workers: 1, stubMs: 50 });
  try {
    const r = await get(`${s.url}/ping`);
    assert.equal(r.status, 200);
    assert.ok(r.ms >= 50 && r.ms < 200, `${r.ms} ms`);
  } finally {
    await s.stop();
  }
});

test("SIGTERM with 200 requests in flight: every one gets its 200, exit 0, no worker left", async () => {
  const s = await startServer({ workers: 2, stubMs: 200 });
  const pending = Array.from({ length: 200 }, () => get(`${s.url}/ping`));
  await new Promise((r) => setTimeout(r, 100));
  const workers = childPids(s.pid);
  process.kill(s.pid, "SIGTERM");
  const replies = await Promise.all(pending);
  const e = await s.exited;
  assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
  assert.equal(e.code, 0);
  for (const pid of workers) assert.throws(() => process.kill(pid, 0), "worker still alive");
});

test("invalid options exit 2 with one line and no stack trace", async () => {
  const cases = [
    ["--workers", "0"],
    ["--workers", "abc"],
    ["--port", "70000"],
    ["--stub-ms", "-1"],
    ["--host", "nowhere"],
    ["--bogus"],
  ];
  for (const args of cases) {
    const p = spawnServer(args);
    const e = await p.exited;
    assert.equal(e.code, 2, `${args.join(" ")} → ${e.code}`);
    assert.match(p.output(), /^error: .+\n$/, `${args.join(" ")} → ${p.output()}`);
  }
});

test("the JS fallback is refused: exit 2 naming the native binary", async () => {
  const p = spawnServer(["--port", String(await freePort())], { UWS_USE_FALLBACK: "1" });
  const e = await p.exited;
  assert.equal(e.code, 2);
  assert.match(p.output(), /native uWebSockets\.js binary did not load/);
});

test("a crash loop stops the primary with a clear reason and a non-zero exit", async () => {
  const port = String(await freePort());
  const p = spawnServer(["--port", port, "--workers", "2", "--max-deaths", "3"], { LAB_CRASH_AT_START: "1" });
  const e = await p.exited;
  assert.notEqual(e.code, 0);
  assert.match(p.output(), /crash loop: 4 worker deaths/);
});
