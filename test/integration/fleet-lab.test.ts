// make lab SERVERS=2 for real: two server hosts behind HAProxy, wrk through it; the record's rows per server and for
// the LB, the sums, the LB's 429s counted as non-2xx, Ctrl-C mid-run → 130, and nothing left behind.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { netnsCleanup } from "../../scripts/lib/placement/netns.ts";
import { haproxyLimits } from "../../scripts/lib/processes/haproxy-config.ts";
import { shareOf } from "../../scripts/lib/processes/haproxy-fds.ts";
import { chromiumMissing, openReport } from "../../scripts/lib/report/browser.ts";
import { runCli, startCli } from "../helpers/cli.ts";
import { fleetSkip, leftovers } from "../helpers/fleet.ts";
import { pacedRecord, pacedShape, untilStderr } from "../helpers/lab-run.ts";
import { testPrefix } from "../helpers/netns.ts";

const PREFIX = testPrefix("f");
const skip = fleetSkip();
const dirs: string[] = [];
const FLEET = ["--servers", "2", "--clients", "2", "--workers", "1", "--port", "8072"];
const CPUS = ["--server-cpus", "1", "--generator-cpus", "0"];

after(async () => {
  if (!skip) await netnsCleanup(PREFIX);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fleetRun(extra: string[]) {
  const dir = mkdtempSync(join(os.tmpdir(), "fleet-lab-test-"));
  dirs.push(dir);
  const args = [...FLEET, ...CPUS, ...pacedShape(400, "4s"), "--results-dir", dir, ...extra];
  return { dir, args, env: { LAB_NETNS_PREFIX: PREFIX } };
}

/** Processes whose command line names this test's fleet dir (/run/<prefix>fleet-…): HAProxy and the servers. */
function fleetProcesses(): string[] {
  return readdirSync("/proc")
    .filter((f) => /^\d+$/.test(f))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        return cmd.includes(`/run/${PREFIX}fleet-`) ? [`${pid} ${cmd.slice(0, 80)}`] : [];
      } catch {
        return [];
      }
    });
}

/** The run page in chromium: the Fleet section, a row for the LB and one per server host. */
async function reportShowsFleet(html: string, servers: number): Promise<void> {
  if (chromiumMissing()) return;
  const r = await openReport(html);
  try {
    assert.deepEqual(r.problems, []);
    const heads = (await r.page.evaluate(
      `[...document.querySelectorAll("#fleet + * tr")].map((tr) => tr.children[0]?.textContent)`,
    )) as string[];
    assert.deepEqual(heads, [
      "load balancer",
      ...Array.from({ length: servers }, (_, i) => `server s${i + 1}`),
    ]);
  } finally {
    await r.close();
  }
}

// NOTE: two HAProxy processes on the LB's port (LB_PROCESSES=2), as 20,000 connections need: every figure below is
// their two stats sockets' summed; the other fleet tests run the one process 400 connections need.
test("SERVERS=2, LB_PROCESSES=2: both servers and both LB processes answer, rows per server and for the LB, the sums cross-check", {
  skip,
}, async () => {
  const f = fleetRun(["--lb-processes", "2"]);
  const r = await runCli("scripts/lab.ts", f.args, { env: f.env, timeoutMs: 120_000 });
  assert.ok(r.code === 0 || r.code === 1, r.stderr); // NOTE: mechanics, not a verdict
  const rec = pacedRecord(f.dir);
  assert.equal(rec.placement?.kind, "fleet");
  const fl = rec.fleet;
  assert.ok(fl, "no fleet rows in the record");
  assert.deepEqual(
    fl.servers.map((s) => s.host),
    ["s1", "s2"],
  );
  for (const s of fl.servers) {
    assert.ok(s.requests > 100, `${s.host} took ${s.requests} requests`);
    assert.ok((s.cpuUs ?? 0) > 0 && (s.usPerRequest ?? 0) > 0, `${s.host} CPU not read`);
    assert.equal(s.lb.status, "UP");
    assert.ok((s.checks ?? 0) > 0, `${s.host}: HAProxy's checks counted apart (${s.checks})`);
  }
  const sum = fl.servers.reduce((a, s) => a + s.requests, 0);
  assert.equal(sum, rec.measurements.serverCounted.requests, "the servers' rows sum to the run's count");
  const [a, b] = fl.servers.map((s) => s.requests) as [number, number];
  assert.ok(Math.min(a, b) / Math.max(a, b) > 0.8, `leastconn split ${a} / ${b}`);
  assert.ok(fl.lb.sessions >= 400 && fl.lb.peakSessions >= 400, `LB sessions ${fl.lb.sessions}`);
  assert.equal(fl.lb.processes, 2);
  const each = fl.lb.sessionsEach ?? [];
  assert.equal(each.length, 2);
  assert.equal(
    each.reduce((a, x) => a + x, 0),
    fl.lb.sessions,
    "the processes' sessions sum to the LB's",
  );
  assert.ok(
    Math.min(...each) > 100,
    `the kernel spread the connections over both listeners: ${each.join(" / ")}`,
  );
  // NOTE: each process sized for its share + 4 σ of the kernel's spread, then the reconnect margin: 2 × (257 + 64)
  const maxconn = 2 * haproxyLimits(shareOf(400, 2), 2).maxconn;
  assert.match(r.stderr, new RegExp(`HAProxy \\S+ \\(2 processes × 1 thread, maxconn ${maxconn}\\)`));
  assert.ok((fl.lb.cpuUs ?? 0) > 0 && (rec.measurements.cpu.lbPct ?? 0) > 0, "the LB's CPU as a side");
  assert.equal(rec.measurements.connectionsEstablished, 400, "connections held at the LB");
  assert.ok(rec.measurements.serverCounted.difference >= 0, "the fleet received what wrk completed");
  assert.match(r.stderr, /lb {9}HAProxy .* µs\/request/);
  assert.match(r.stderr, /servers {4}s1 10\.77\.0\.11/);
  await reportShowsFleet(join(f.dir, rec.id, "report.html"), fl.servers.length);
  // make plan CHECK=<this run>: the fleet plan at its shape, predicted against measured (the model's own runs)
  const plan = await runCli("scripts/plan.ts", ["--check", join(f.dir, rec.id)]);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`Checked against ${rec.id} \\(2 servers behind HAProxy`));
  assert.match(plan.stdout, /server 2 RPS: predicted [\d.]+, measured [\d.]+ \([-+][\d.]+ %\)/);
  assert.match(plan.stdout, /HAProxy µs per request: predicted [\d.]+, measured [\d.]+/);
  assert.deepEqual(await leftovers(fl.lb.pid ? [fl.lb.pid] : [], PREFIX), []);
  assert.deepEqual(fleetProcesses(), []);
});

test("RATE_LIMIT: the LB answers 429 beyond it, the verdict counts them as non-2xx", { skip }, async () => {
  // NOTE: 2 client hosts share 400 req/s: 200/s each against a limit of 100/s → about half answered 429.
  const f = fleetRun(["--rate-limit", "100"]);
  const r = await runCli("scripts/lab.ts", f.args, { env: f.env, timeoutMs: 120_000 });
  assert.equal(r.code, 1, r.stderr);
  const rec = pacedRecord(f.dir);
  const own = rec.fleet?.lb.ownAnswers["4xx"] ?? 0;
  assert.ok(own > 200, `the LB answered ${own} itself`);
  assert.equal(rec.fleet?.lb.denied, own, "every own answer is the limit's");
  assert.ok(rec.measurements.errors.non2xx >= own, `non2xx ${rec.measurements.errors.non2xx}`);
  assert.ok(rec.verdict.reasons.some((x) => x.rule === "errors" && /non2xx/.test(x.detail)));
  const passed = rec.fleet?.servers.reduce((a, s) => a + s.requests, 0) ?? 0;
  assert.ok(passed > 0 && passed < rec.measurements.requests, `servers saw ${passed}`);
});

test("refused in one line before anything starts: one HAProxy's fd budget, SHIELD, RATE_LIMIT without a fleet", async () => {
  const refused = async (args: string[], re: RegExp) => {
    const r = await runCli("scripts/lab.ts", [...args, "--profile", "none"], {
      env: { LAB_NETNS_PREFIX: PREFIX },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.split("\n").filter((l) => l.startsWith("error:")).length, 1, r.stderr);
  };
  await refused(
    ["--servers", "2", "--lb-processes", "1", "-c", "12000", "-R", "12000"],
    /12000 connections need ≈ \d+ fds in one process, above the hard nofile limit/,
  );
  await refused(
    ["--servers", "2", "--rate-limit", "100", "-c", "12000", "-R", "12000"],
    /RATE_LIMIT needs one HAProxy process .* 12000 connections need 2/,
  );
  await refused(["--lb-processes", "2"], /LB_PROCESSES \(--lb-processes\) is the LB's: give SERVERS=n/);
  await refused(["--servers", "2", "--shield"], /SHIELD=1 is for one server/);
  await refused(["--rate-limit", "5"], /RATE_LIMIT \(--rate-limit\) is the LB's: give SERVERS=n/);
  assert.deepEqual(await leftovers([], PREFIX), []);
});

test("Ctrl-C during a fleet run: exit 130, no namespace, HAProxy or server left", { skip }, async () => {
  const f = fleetRun([]);
  const run = startCli("scripts/lab.ts", f.args, { env: f.env, timeoutMs: 120_000 });
  await untilStderr(run, /\[\s+1 s \//);
  run.child.kill("SIGINT");
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(await leftovers([], PREFIX), []);
  assert.deepEqual(fleetProcesses(), []);
});
