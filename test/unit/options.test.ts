// The option parsers, the catalogue builder, and the one-line refusals and exit lines of real driver processes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import yargs from "yargs";
import { InvalidRun, PARSER } from "../../scripts/lib/core/cli.ts";
import { CATALOGUE } from "../../scripts/lib/core/option-catalogue.ts";
import { type OptionName, type Override, options } from "../../scripts/lib/core/options.ts";
import {
  duration,
  httpUrl,
  integer,
  intList,
  nameList,
  nonEmpty,
  oneOf,
} from "../../scripts/lib/core/parse.ts";
import { ROOT } from "../../scripts/lib/core/paths.ts";
import type { Slo } from "../../scripts/lib/core/slo.ts";

const SLO: Slo = {
  targetRps: 20000,
  rpsTolerancePct: 1,
  connections: 20000,
  stubMs: 200,
  overheadBudgetMs: 20,
  durationS: 30,
  percentile: 99,
};

describe("parsers", () => {
  test("integer: plain decimal digits in range; '' and the rest refused with one line", () => {
    assert.equal(integer("shards", "8", 0, 64), 8);
    assert.equal(integer("shards", " 8 ", 0, 64), 8);
    assert.equal(integer("shards", 0, 0, 64), 0);
    for (const bad of ["", " ", "abc", "1.5", "0x10", "1e3", "65", "-1", "8s"]) {
      assert.throws(() => integer("shards", bad, 0, 64), InvalidRun, bad);
    }
    assert.throws(() => integer("shards", "", 1, 64), {
      message: '--shards must be an integer from 1 to 64, got ""',
    });
  });

  test("duration: wrk's units s, m, h, also ms and bare seconds; a minimum", () => {
    const cases: [string, number][] = [
      ["30s", 30],
      ["2m", 120],
      ["1h", 3600],
      ["500ms", 0.5],
      ["30", 30],
      ["1.5s", 1.5],
      ["0", 0],
    ];
    for (const [raw, s] of cases) assert.equal(duration("duration", raw), s, raw);
    for (const bad of ["", "soon", "-1s", "1d", "s", "3 s"])
      assert.throws(() => duration("warmup", bad), InvalidRun);
    assert.throws(() => duration("duration", "500ms", 1), {
      message: '--duration must be at least 1s, got "500ms"',
    });
    assert.match(
      (() => {
        try {
          duration("duration", "soon");
        } catch (e) {
          return (e as Error).message;
        }
        return "";
      })(),
      /^--duration must be a duration like 30s, 2m, 1h or 500ms .*got "soon"$/,
    );
  });

  test("lists, names, text, URL", () => {
    assert.deepEqual(intList("workers-list", "4, 1,4", 64), [4, 1]);
    for (const bad of ["", "1,", "1,x", "0", "65", "1.5"])
      assert.throws(() => intList("workers-list", bad, 64));
    assert.deepEqual(nameList("modes", "paced, saturate,paced", ["saturate", "paced"]), [
      "paced",
      "saturate",
    ]);
    assert.throws(() => nameList("modes", "fast", ["saturate", "paced"]), /--modes takes .* got "fast"/);
    assert.throws(() => nameList("modes", "", ["saturate", "paced"]), InvalidRun);
    assert.equal(oneOf("fd-guard", "off", ["on", "off"]), "off");
    assert.throws(() => oneOf("fd-guard", "", ["on", "off"]), /--fd-guard must be one of on, off, got ""/);
    assert.equal(nonEmpty("results-dir", "r"), "r");
    assert.throws(() => nonEmpty("results-dir", " "), /--results-dir must not be empty/);
    assert.equal(httpUrl("url", "http://127.0.0.1:8000/ping/"), "http://127.0.0.1:8000/ping/");
    assert.throws(() => httpUrl("url", "not a url"), /--url "not a url" is not a URL/);
    assert.throws(() => httpUrl("url", "ftp://127.0.0.1/"), /--url must be http:\/\//);
    assert.throws(() => httpUrl("url", ""), /--url must not be empty/);
  });
});

/** Parse argv through the builder as a driver would, but throwing instead of exiting. */
function parse<K extends OptionName>(argv: string[], names: readonly K[], o?: { [P in K]?: Override }) {
  return options(yargs(argv), names, o, SLO)
    .parserConfiguration(PARSER)
    .strict()
    .version(false)
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseSync();
}

describe("builder", () => {
  const LOAD = [
    "mode",
    "connections",
    "threads",
    "duration",
    "warmup",
    "target-rps",
    "url",
    "shards",
  ] as const;

  test("wrk's short flags parse to numbers and seconds: -c 400 -d 3s -R 1000 --mode paced", () => {
    const a = parse(["-c", "400", "-d", "3s", "-R", "1000", "--mode", "paced", "-t", "1"], LOAD);
    assert.equal(a.connections, 400);
    assert.equal(a.duration, 3);
    assert.equal(a["target-rps"], 1000);
    assert.equal(a.mode, "paced");
    assert.equal(a.threads, 1);
  });

  test("defaults: the catalogue's, the SLO's, a driver's own, or none", () => {
    const a = parse([], LOAD);
    assert.deepEqual(
      [a.connections, a.duration, a["target-rps"], a.threads, a.warmup, a.shards, a.mode],
      [20000, 30, 20000, 2, 5, 0, "saturate"],
    );
    const b = parse([], ["duration", "target-rps", "peers"], {
      duration: "10s",
      "target-rps": null,
      peers: { default: "a,b", allowed: ["a", "b"] },
    });
    assert.equal(b.duration, 10);
    assert.equal(b["target-rps"], undefined);
    assert.deepEqual(b.peers, ["a", "b"]);
    assert.throws(() => parse(["--peers", "a,c"], ["peers"], { peers: { allowed: ["a", "b"] } }), /got "c"/);
  });

  test("a bad value is refused by its option's parser; the last of repeated values wins", () => {
    assert.throws(() => parse(["--shards", ""], LOAD), {
      message: '--shards must be an integer from 0 to 64, got ""',
    });
    assert.throws(() => parse(["-c", "abc"], LOAD), /--connections must be an integer/);
    assert.throws(() => parse(["--threads", "1.5"], LOAD), /--threads must be an integer/);
    assert.throws(() => parse(["-d", "500ms"], LOAD), /--duration must be at least 1s/);
    assert.throws(() => parse(["--shards"], LOAD), /Not enough arguments following: shards/);
    assert.throws(() => parse(["--mode", "sideways"], LOAD), /Invalid values/);
    assert.equal(parse(["-d", "3s", "--duration", "20s"], LOAD).duration, 20);
  });

  test("--help: every option described, numbers shown as numbers", async () => {
    const names = Object.keys(CATALOGUE) as OptionName[];
    const help = await options(yargs([]), names, { peers: { allowed: ["a"] } }, SLO).getHelp();
    for (const [name, spec] of Object.entries(CATALOGUE)) {
      assert.ok(spec.desc.length > 10, `--${name} has a description`);
      // NOTE: yargs shows a one-letter option (diff's --a, --b) as -a; both spellings parse.
      const flag = name.length === 1 ? `-${name}` : `--${name}`;
      const line = help.split("\n").find((l) => l.includes(`${flag} `));
      assert.ok(line, `${flag} in --help`);
      if (spec.type === "number") assert.match(help.slice(help.indexOf(`${flag} `)), /^[^[]*\[number\]/);
    }
    assert.match(help, /-c, --connections/);
    assert.match(help, /-R, --target-rps/);
  });
});

/** A driver run for real, with a bad option or without load: its exit code and its output. */
function driver(script: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("drivers", () => {
  test('loadtest --shards "": exit 2 and exactly one line, before anything starts', () => {
    const r = driver("scripts/loadtest.ts", ["--shards", ""]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      'error: --shards must be an integer from 0 to 64, got "" (see --help) — exit 2: invalid\n',
    );
  });

  test("one meaning per name: the sweep's lists are --workers-list and --connections-list", () => {
    const r = driver("scripts/sweep.ts", ["--workers", "1,2"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: Unknown argument: workers .*exit 2: invalid\n$/);
    const bad = driver("scripts/sweep.ts", ["--workers-list", "1,x"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --workers-list takes a comma-separated list/);
  });

  test("the last line names the exit: `exit 0: ok` from a driver that has no verdict", () => {
    const dir = mkdtempSync(join(os.tmpdir(), "options-notes-"));
    try {
      const r = driver("scripts/notes.ts", ["--results-dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.trimEnd().split("\n").at(-1), "exit 0: ok");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("runMain: FAIL, invalid, interrupted and a crash each end with their exit line", () => {
    const cli = join(ROOT, "scripts/lib/core/cli.ts");
    const intr = join(ROOT, "scripts/lib/core/interrupt.ts");
    const run = (body: string) => {
      const code = `const { runMain, InvalidRun } = await import(${JSON.stringify(cli)});
        const { Interrupted } = await import(${JSON.stringify(intr)});
        await runMain(async () => { ${body} });`;
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
        encoding: "utf8",
      });
      return { code: r.status, last: r.stderr.trimEnd().split("\n").at(-1), stderr: r.stderr };
    };
    assert.deepEqual(
      run('return { code: 1, says: "FAIL (latency, rps)" };').last,
      "exit 1: FAIL (latency, rps)",
    );
    assert.equal(run('return { code: 1, says: "FAIL (latency, rps)" };').code, 1);
    const inv = run('throw new InvalidRun("server unreachable at x");');
    assert.deepEqual([inv.code, inv.stderr], [2, "error: server unreachable at x — exit 2: invalid\n"]);
    const i = run("throw new Interrupted();");
    assert.deepEqual([i.code, i.last], [130, "exit 130: interrupted"]);
    const crash = run('throw new Error("boom");');
    assert.deepEqual([crash.code, crash.last], [1, "exit 1: crashed — boom"]);
    assert.match(crash.stderr, /\n\s+at /, "a bug keeps its stack");
    assert.deepEqual(run("return 0;").last, "exit 0: ok");
  });
});
