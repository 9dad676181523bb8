// judge: each rule fires alone on a crafted run, all together, and the edges; older string reasons load as data.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { reasonText, toReason, withReasonsAsData } from "../../scripts/lib/contract/reasons.ts";
import type { Measurements, ResultRecord } from "../../scripts/lib/contract/record.ts";
import { judge } from "../../scripts/lib/contract/verdict.ts";
import { loadResults, readResult } from "../../scripts/lib/results/run-dir.ts";
import { fixtureRecord } from "../helpers/result-fixtures.ts";

const CONNS = 1000;
// paced 1,000 connections at 1,000 rps, p99 210 ms: passes the SLO below (target 1,000 − 1 %, p99 ≤ 220 ms)
const passing = fixtureRecord({
  at: 0,
  workers: 2,
  mode: "paced",
  connections: CONNS,
  rps: 1000,
  p99Ms: 210,
});
const SLO = passing.slo;

/** The passing run's measurements with some fields changed. */
function run(change: (m: Measurements) => void = () => {}): Measurements {
  const m = structuredClone(passing.measurements);
  change(m);
  return m;
}

const rules = (m: Measurements, connections = CONNS): string[] =>
  judge(m, SLO, connections).reasons.map((r) => r.rule);

describe("judge", () => {
  test("every rule holds: PASS with no reasons", () => {
    assert.deepEqual(judge(run(), SLO, CONNS), { pass: true, reasons: [] });
  });

  test("rps: steady RPS below target − tolerance fails, at the floor passes", () => {
    const v = judge(
      run((m) => {
        m.rps = 900;
        m.rpsWholeRun = 873;
      }),
      SLO,
      CONNS,
    );
    assert.equal(v.pass, false);
    assert.deepEqual(v.reasons, [
      { rule: "rps", detail: "steady 900 req/s < target 1,000 − 1 % (whole run 873)" },
    ]);
    assert.deepEqual(
      rules(
        run((m) => {
          m.rps = 990;
        }),
      ),
      [],
    );
  });

  test("errors: any error counter above zero, each named with its count", () => {
    const v = judge(
      run((m) => {
        m.errors.timeout = 3;
        m.errors.non2xx = 1200;
      }),
      SLO,
      CONNS,
    );
    assert.deepEqual(v.reasons, [{ rule: "errors", detail: "timeout 3, non2xx 1,200" }]);
  });

  test("latency: the judged percentile above stub + budget fails, exactly at the limit passes", () => {
    const v = judge(
      run((m) => {
        m.judgedUs = 220_001;
      }),
      SLO,
      CONNS,
    );
    assert.deepEqual(v.reasons, [
      { rule: "latency", detail: "p99 220,001 µs > 220,000 µs (stub 200 + budget 20 ms)" },
    ]);
    // NOTE: what people read is the same line the record used to store as text
    assert.equal(
      reasonText(v.reasons[0] ?? { rule: "rps", detail: "" }),
      "latency: p99 220,001 µs > 220,000 µs (stub 200 + budget 20 ms)",
    );
    assert.deepEqual(
      rules(
        run((m) => {
          m.judgedUs = 220_000;
        }),
      ),
      [],
    );
  });

  test("latency: zero requests fail it even with a zero percentile (no answer is not a fast answer)", () => {
    const zero = run((m) => {
      m.requests = 0;
      m.judgedUs = 0;
    });
    assert.deepEqual(rules(zero), ["latency"]);
    const nothing = run((m) => {
      m.requests = 0;
      m.rps = 0;
      m.judgedUs = Number.NaN;
      m.serverCounted.requests = 0;
    });
    assert.deepEqual(rules(nothing), ["rps", "latency"]);
  });

  test("crosscheck: server − client within 0..connections; exactly `connections` passes", () => {
    const diff = (d: number): string[] =>
      rules(
        run((m) => {
          m.serverCounted.difference = d;
          m.serverCounted.requests = m.requests + d;
        }),
      );
    assert.deepEqual(diff(0), []);
    assert.deepEqual(diff(CONNS), []);
    assert.deepEqual(diff(CONNS + 1), ["crosscheck"]);
    assert.deepEqual(diff(-1), ["crosscheck"]);
    const v = judge(
      run((m) => {
        m.serverCounted.difference = -5;
        m.serverCounted.requests = m.requests - 5;
      }),
      SLO,
      CONNS,
    );
    assert.deepEqual(v.reasons, [
      {
        rule: "crosscheck",
        detail: "server received 9,995, client completed 10,000 (difference -5 outside 0..1,000)",
      },
    ]);
  });

  test("connections: fewer established than asked for", () => {
    const v = judge(
      run((m) => {
        m.connectionsEstablished = 999;
      }),
      SLO,
      CONNS,
    );
    assert.deepEqual(v.reasons, [{ rule: "connections", detail: "999 of 1,000 established" }]);
  });

  test("listen-overflow: ListenOverflows + ListenDrops during the run", () => {
    const v = judge(
      run((m) => {
        m.kernel.netstatDelta = {
          "TcpExt.ListenOverflows": 2,
          "TcpExt.ListenDrops": 3,
          "Tcp.RetransSegs": 50,
        };
      }),
      SLO,
      CONNS,
    );
    assert.deepEqual(v.reasons, [
      {
        rule: "listen-overflow",
        detail: "the kernel dropped 5 connection attempts (ListenOverflows + ListenDrops)",
      },
    ]);
  });

  test("every failed rule is listed, in the contract's order, not just the first", () => {
    const v = judge(
      run((m) => {
        m.rps = 10;
        m.errors.connect = 7;
        m.judgedUs = 900_000;
        m.serverCounted.difference = 5000;
        m.connectionsEstablished = 10;
        m.kernel.netstatDelta = { "TcpExt.ListenOverflows": 1 };
      }),
      SLO,
      CONNS,
    );
    assert.equal(v.pass, false);
    assert.deepEqual(
      v.reasons.map((r) => r.rule),
      ["rps", "errors", "latency", "crosscheck", "connections", "listen-overflow"],
    );
  });
});

describe("older records: reasons stored as text", () => {
  const dir = mkdtempSync(join(os.tmpdir(), "verdict-unit-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const LAT = "latency: p99 284,500 µs > 220,000 µs (stub 200 + budget 20 ms)";
  const OVF = "listen-overflow: the kernel dropped 1,486 connection attempts (ListenOverflows + ListenDrops)";
  const structured = [
    { rule: "latency", detail: "p99 284,500 µs > 220,000 µs (stub 200 + budget 20 ms)" },
    {
      rule: "listen-overflow",
      detail: "the kernel dropped 1,486 connection attempts (ListenOverflows + ListenDrops)",
    },
  ];
  /** a failing record as written before reasons were data: "rule: detail" strings */
  const old = (): ResultRecord => {
    const r = fixtureRecord({
      at: 60,
      workers: 2,
      mode: "saturate",
      connections: CONNS,
      rps: 4000,
      p99Ms: 284.5,
    });
    return {
      ...r,
      verdict: { pass: false, reasons: [LAT, OVF] as unknown as ResultRecord["verdict"]["reasons"] },
    };
  };

  test("convert to {rule, detail} on load; structured ones pass through unchanged", () => {
    assert.deepEqual(withReasonsAsData(old()).verdict, { pass: false, reasons: structured });
    const now = withReasonsAsData(old());
    assert.deepEqual(withReasonsAsData(now), now);
    assert.deepEqual(toReason("connections: 19,000 of 20,000 established"), {
      rule: "connections",
      detail: "19,000 of 20,000 established",
    });
  });

  test("every loader of result.json converts: readResult and loadResults", () => {
    const r = old();
    mkdirSync(join(dir, r.id));
    writeFileSync(join(dir, r.id, "result.json"), JSON.stringify(r));
    assert.deepEqual(readResult(join(dir, r.id, "result.json")).verdict.reasons, structured);
    const loaded = loadResults(dir);
    assert.equal(loaded.length, 1);
    assert.deepEqual(loaded[0]?.record.verdict.reasons, structured);
  });

  test("an unknown rule is not a reason: the record is refused, not guessed", () => {
    assert.throws(() => toReason("speed: too slow"), /not a verdict reason: "speed: too slow"/);
    assert.throws(() => toReason({ rule: "latency" }), /not a verdict reason/);
  });
});
