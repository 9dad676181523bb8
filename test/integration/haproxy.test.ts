// HAProxy in front of a 2-server fleet in labt namespaces: both servers serve and the counts cross-check, a per-client
// rate limit answers 429 beyond the limit; nothing left (a host lost mid-run: haproxy-host-loss.test.ts).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { summarize } from "../../scripts/lib/contract/histogram.ts";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import { checkHaproxyConfig, haproxyPath } from "../../scripts/lib/processes/haproxy.ts";
import { renderHaproxyConfig } from "../../scripts/lib/processes/haproxy-config.ts";
import { startCli } from "../helpers/cli.ts";
import {
  assertFleetCounts,
  BASE,
  CONNS,
  delta,
  FLEET_PREFIX,
  fleetPids,
  fleetSkip,
  leftovers,
  pacedWrk,
  STUB,
  settle,
  snapshot,
  withFleetLab,
} from "../helpers/fleet.ts";
import { testPrefix } from "../helpers/netns.ts";

const skip = fleetSkip();

after(async () => {
  if (!skip) {
    await netnsCleanup(FLEET_PREFIX);
    await netnsCleanup(testPrefix("i"));
  }
});

test("haproxy -c accepts every shape the template renders, and refuses a broken one in one line", {
  skip: !existsSync(haproxyPath()) && "HAProxy is not unpacked: run haproxy/get.sh (make deps)",
}, async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "haproxy-check-"));
  try {
    const base = {
      ...{ bind: { address: "127.0.0.1", port: 8000 }, connections: 400, nbthread: 2 },
      ...{ statsSocket: join(dir, "stats.sock"), servers: [{ name: "s1", address: "::1", port: 8001 }] },
    };
    const shapes = [base, { ...base, rateLimit: { requests: 10, windowS: 2 }, markDownAfterErrors: 3 }];
    for (const [i, shape] of shapes.entries()) {
      const path = join(dir, `${i}.cfg`);
      writeFileSync(path, renderHaproxyConfig(shape));
      await checkHaproxyConfig(haproxyPath(), path);
    }
    const broken = join(dir, "broken.cfg");
    writeFileSync(broken, renderHaproxyConfig(base).replace("balance leastconn", "balance nosuch"));
    await assert.rejects(checkHaproxyConfig(haproxyPath(), broken), (e: Error) => {
      return e instanceof InvalidRun && /balance only supports/.test(e.message) && !e.message.includes("\n");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("400 paced connections through HAProxy reach both servers, and every count agrees", {
  skip,
}, async (t) => {
  const pids: number[] = [];
  await withFleetLab(BASE, async (f, lab) => {
    pids.push(...(await fleetPids(lab)));
    const a = await snapshot(lab);
    const client = f.clients[0];
    assert.ok(client);
    const rep = await pacedWrk({ url: lab.url, client, connections: CONNS, rps: 800, durationS: 4 });
    await settle(STUB);
    const d = delta(a, await snapshot(lab));
    const { total, inFlight } = assertFleetCounts(rep, d);
    const usPerReq = d.lbCpuUs / total;
    t.diagnostic(
      `wrk ${rep.summary.requests} (p99 ${(summarize(rep.histogram).p99 / 1000).toFixed(1)} ms), LB 2xx ${total} (${inFlight} in flight at wrk's end); ` +
        `${d.perServer.map((r) => `${r.name} LB ${r.lb2xx} / served ${r.served}`).join(", ")}; ` +
        `HAProxy ${usPerReq.toFixed(1)} µs CPU per request, ${((100 * d.lbCpuUs) / 1000 / d.elapsedMs).toFixed(1)} % of a CPU`,
    );
  });
  assert.deepEqual(await leftovers(pids), [], "left behind");
});

test("a per-client rate limit answers 429 beyond the limit, and the servers never see those", {
  skip,
}, async (t) => {
  const limit = 100;
  const pids: number[] = [];
  const spec = { ...BASE, lb: { ...BASE.lb, rateLimit: { requests: limit, windowS: 1 } } };
  await withFleetLab(spec, async (f, lab) => {
    pids.push(...(await fleetPids(lab)));
    const a = await snapshot(lab);
    const client = f.clients[0];
    assert.ok(client);
    const durationS = 4;
    const rep = await pacedWrk({ url: lab.url, client, connections: CONNS, rps: 400, durationS });
    await settle(STUB);
    const d = delta(a, await snapshot(lab));
    assert.ok(d.front["4xx"] > 0, "no 429");
    // NOTE: a connection wrk opened and closed at its end without a whole request is a request error (ereq)
    // HAProxy answers 400 to nobody: every other 4xx is a deny.
    assert.equal(d.front["4xx"], d.front.dreq + d.front.ereq, "every 4xx is a deny or a half request");
    assert.ok(d.front.ereq <= 2, `${d.front.ereq} request errors`);
    const passed = d.front["2xx"];
    const limitS = d.elapsedMs / 1000;
    assert.ok(
      passed >= limit * (durationS - 1) && passed <= limit * (limitS + 1),
      `${passed} passed a limit of ${limit}/s over ${durationS} s`,
    );
    const status = rep.summary.errors.status;
    assert.ok(status <= d.front.dreq && status >= d.front.dreq - CONNS, `wrk non-2xx ${status}`);
    assert.equal(
      d.perServer.reduce((s, r) => s + r.lb2xx, 0),
      d.front["2xx"],
      "only passed requests reach servers",
    );
    t.diagnostic(
      `wrk ${rep.summary.requests} answers, ${status} non-2xx (errors ${JSON.stringify(rep.summary.errors)}); ` +
        `LB 2xx ${d.front["2xx"]}, 429 ${d.front["4xx"]}, denied ${d.front.dreq}; ` +
        `${d.perServer.map((r) => `${r.name} ${r.lb2xx}`).join(", ")}`,
    );
  });
  assert.deepEqual(await leftovers(pids), [], "left behind");
});

// NOTE: the child makes its fleet under a prefix of this test's own, so leftovers() can look for it by name.
test("Ctrl-C with the fleet up and running: exit 130, no namespace, HAProxy, server or /run entry left", {
  skip,
}, async () => {
  const prefix = testPrefix("i");
  const child = startCli("test/helpers/fleet-interrupt.ts", [], {
    env: { LAB_NETNS_PREFIX: prefix },
    timeoutMs: 60_000,
  });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = "";
    child.child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^ready (\[.*\])$/m.exec(out);
      if (m) resolve(JSON.parse(m[1] ?? "[]") as number[]);
    });
    child.done.then((r) => reject(new Error(`exited before ready: ${r.code} ${r.stderr}`)), reject);
  });
  assert.ok(pids.length >= 5, `HAProxy, 2 primaries and their workers: ${pids}`);
  child.child.kill("SIGINT");
  const r = await child.done;
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(await leftovers(pids, prefix), [], "left behind");
});
