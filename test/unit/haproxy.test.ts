// HAProxy's config rendered from configs/haproxy/ (limits, checks, rate limit, refusals) and its stats parsed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import {
  fillTemplate,
  type HaproxySpec,
  haproxyAddress,
  haproxyLimits,
  renderHaproxyConfig,
} from "../../scripts/lib/processes/haproxy-config.ts";
import {
  parseShowInfo,
  parseShowStat,
  proxyRow,
  serverRows,
} from "../../scripts/lib/processes/haproxy-stats.ts";
import { SHOW_INFO, SHOW_STAT } from "../helpers/haproxy-fixtures.ts";

const spec = (over: Partial<HaproxySpec> = {}): HaproxySpec => ({
  bind: { address: "10.77.0.10", port: 8000 },
  servers: [
    { name: "s1", address: "10.77.0.11", port: 8000 },
    { name: "s2", address: "10.77.0.12", port: 8000 },
  ],
  connections: 2000,
  nbthread: 2,
  statsSocket: "/run/labx-fleet-1/haproxy/stats.sock",
  ...over,
});

const lines = (cfg: string): string[] => cfg.split("\n").map((l) => l.trim());

test("the rendered config: bind, leastconn, checks on /healthz, maxconn from the connections, no syslog", () => {
  const cfg = renderHaproxyConfig(spec());
  const l = lines(cfg);
  assert.ok(l.includes("bind 10.77.0.10:8000"));
  assert.ok(l.includes("balance leastconn"));
  assert.ok(l.includes("http-reuse always"));
  assert.ok(l.includes("http-check send meth GET uri /healthz ver HTTP/1.1 hdr host lab"));
  assert.ok(l.includes("nbthread 2"));
  assert.ok(l.includes("stats socket /run/labx-fleet-1/haproxy/stats.sock mode 600 level admin"));
  assert.equal(l.filter((x) => x === "maxconn 2100").length, 2, "global and frontend: 2000 + 5 %");
  assert.ok(l.includes("server s1 10.77.0.11:8000") && l.includes("server s2 10.77.0.12:8000"));
  assert.match(
    cfg,
    /default-server check inter 1000ms fastinter 200ms downinter 1000ms fall 2 rise 2 maxconn 2000\n/,
  );
  const directives = l.filter((x) => !x.startsWith("#"));
  assert.ok(
    !directives.some((x) => /^log\b|daemon|stick-table|observe/.test(x)),
    "no log, no daemon, nothing unasked",
  );
  assert.ok(l.includes("timeout server 5000ms"), "well above the 200 ms stub");
  assert.doesNotMatch(cfg, /\{\{|\}\}/);
});

test("the rate limit: a stick table per source IP, 429 once a client's passed requests reach the limit", () => {
  const l = lines(renderHaproxyConfig(spec({ rateLimit: { requests: 100, windowS: 1 } })));
  const at = l.indexOf("http-request track-sc0 src");
  assert.ok(at > 0);
  assert.equal(l[at - 1], "stick-table type ip size 100k expire 2s store gpc0_rate(1s)");
  assert.equal(l[at + 1], "http-request deny deny_status 429 if { sc_gpc0_rate(0) ge 100 }");
  assert.equal(l[at + 2], "http-request sc-inc-gpc0(0)");
  assert.equal(l[at + 3], "default_backend servers");
});

test("check timing and passive health are the caller's", () => {
  const cfg = renderHaproxyConfig(
    spec({
      checkInterMs: 500,
      checkFastInterMs: 100,
      fall: 3,
      rise: 1,
      markDownAfterErrors: 3,
      stubMs: 1000,
    }),
  );
  assert.match(cfg, /check inter 500ms fastinter 100ms downinter 500ms fall 3 rise 1 maxconn 2000 /);
  assert.match(cfg, / observe layer7 error-limit 3 on-error mark-down\n/);
  assert.match(cfg, /timeout server 10000ms/, "ten stubs when that is above 5 s");
  assert.match(cfg, /timeout check 500ms/, "never longer than the period");
});

test("limits: maxconn = connections + 5 % (≥ 64); two fds per connection", () => {
  assert.deepEqual(haproxyLimits(400, 2), { maxconn: 464, serverMaxconn: 400, fdNeed: 962 });
  assert.deepEqual(haproxyLimits(20_000, 3), { maxconn: 21_000, serverMaxconn: 20_000, fdNeed: 42_035 });
});

test("addresses: IPv4 as is, IPv6 with ipv6@, names refused", () => {
  assert.equal(haproxyAddress("127.0.0.1", 80), "127.0.0.1:80");
  assert.equal(haproxyAddress("::1", 8000), "ipv6@::1:8000");
  assert.throws(() => haproxyAddress("localhost", 80), InvalidRun);
  assert.throws(() => haproxyAddress("10.0.0.1", 0), InvalidRun);
});

test("bad specs are refused in one line", () => {
  const bad: Partial<HaproxySpec>[] = [
    { servers: [] },
    {
      servers: [
        { name: "a", address: "10.0.0.1", port: 1 },
        { name: "a", address: "10.0.0.2", port: 1 },
      ],
    },
    { servers: [{ name: "A b", address: "10.0.0.1", port: 1 }] },
    { connections: 0 },
    { nbthread: 65 },
    { statsSocket: "relative.sock" },
    { rateLimit: { requests: 0, windowS: 1 } },
    { markDownAfterErrors: 0 },
  ];
  for (const over of bad) {
    assert.throws(
      () => renderHaproxyConfig(spec(over)),
      (e: Error) => e instanceof InvalidRun && !e.message.includes("\n"),
      JSON.stringify(over),
    );
  }
});

test("fillTemplate: every key used, none missing", () => {
  assert.equal(fillTemplate("a {{x}} b {{x}}", { x: "1" }), "a 1 b 1");
  assert.throws(() => fillTemplate("{{x}}", {}), /no value for \{\{x\}\}/);
  assert.throws(() => fillTemplate("x", { y: "1" }), /never uses y/);
});

test("show stat: rows typed by kind, server status, counters, the last check", () => {
  const rows = parseShowStat(SHOW_STAT);
  assert.deepEqual(
    rows.map((r) => [r.proxy, r.name, r.kind]),
    [
      ["lab", "FRONTEND", "frontend"],
      ["servers", "s1", "server"],
      ["servers", "s2", "server"],
      ["servers", "BACKEND", "backend"],
    ],
  );
  const [s1, s2] = serverRows(rows, "servers");
  assert.ok(s1 && s2);
  assert.equal(s1.status, "UP");
  assert.equal(s1.up, true);
  assert.equal(s1.hrsp["2xx"], 2);
  assert.equal(s1.stot, 2);
  assert.equal(s1.slim, 400);
  assert.equal(s1.checkStatus, "L7OK");
  assert.equal(s1.rtimeMs, 205);
  assert.equal(s2.status, "DOWN");
  assert.equal(s2.up, false);
  assert.equal(s2.checkStatus, "L4CON");
  assert.equal(s2.chkfail, 1);
  assert.equal(s2.chkdown, 1);
  assert.equal(s2.lastchgS, 3);
  assert.equal(s2.downtimeS, 3);
  const fe = proxyRow(rows, "lab", "frontend");
  assert.equal(fe.status, "OPEN");
  assert.equal(fe.hrsp["4xx"], 2, "the two 429s");
  assert.equal(fe.dreq, 2, "counted as denied");
  assert.equal(fe.hrsp["2xx"], 2);
  assert.equal(fe.lastchgS, null, "a frontend has no state change");
  assert.equal(proxyRow(rows, "servers", "backend").lbtot, 2);
});

test("show stat: a status with a count ('UP 1/2', going down) is still UP; bad input throws", () => {
  const going = SHOW_STAT.replace(",UP,1,1,0,0,0,3,", ",UP 1/2,1,1,0,0,0,3,");
  assert.equal(serverRows(parseShowStat(going), "servers")[0]?.up, true);
  assert.throws(() => parseShowStat("lab,FRONTEND\n"), /no header/);
  assert.throws(() => parseShowStat(SHOW_STAT.replace(",L7OK,200,5,", ",L7OK,200,x,")), /check_duration/);
  assert.throws(() => proxyRow(parseShowStat(SHOW_STAT), "nope", "frontend"), /no frontend row for nope/);
});

test("show info: the process's numbers", () => {
  const i = parseShowInfo(SHOW_INFO);
  assert.equal(i.version, "2.6.12-1+deb12u4");
  assert.equal(i.nbthread, 1);
  assert.equal(i.idlePct, 99);
  assert.equal(i.maxconn, 464);
  assert.equal(i.ulimitN, 955);
  assert.equal(i.cumReq, 10);
  assert.equal(i.raw.Uptime, "0d 0h00m03s");
  assert.throws(() => parseShowInfo("Name: HAProxy\n"), /Pid missing/);
});
