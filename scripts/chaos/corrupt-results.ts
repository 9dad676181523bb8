// Scenario: results dirs whose result.json is corrupt — the table generator reports and skips each, never crashes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import type { ChaosContext, Scenario } from "../lib/chaos/scenario.ts";
import { rewriteIndex } from "../lib/results/index-files.ts";

/** The fields results/README.md shows, nothing more: a record the loader must accept. */
function validRecord(id: string): unknown {
  const latency = {
    min: 200_000,
    p50: 201_000,
    p90: 202_000,
    p99: 205_000,
    p99_9: 210_000,
    max: 230_000,
    mean: 201_500,
    stdev: 900,
  };
  return {
    id,
    startedAt: "2026-01-01T00:00:00.000Z",
    tuning: { somaxconn: 4096, nofileHard: 20_000 },
    server: { workers: 2 },
    load: { mode: "paced", connections: 100 },
    measurements: {
      rps: 100,
      latencyUs: latency,
      overStubUs: { p50: 1000, p99: 5000 },
      errors: { connect: 0, read: 0, write: 0, timeout: 0, status: 0, non2xx: 0 },
      kernel: { netstatDelta: {} },
    },
    bound: "none",
    verdict: { pass: true, reasons: [] },
  };
}

// NOTE: each case is a shape a crash, a full disk or a hand edit can leave behind.
const CORRUPT: Record<string, string> = {
  truncated: '{"id": "truncated", "measurements": {"rps": 1',
  empty: "",
  null: "null",
  array: "[]",
  "wrong-types": '{"id": 7, "measurements": {"rps": "fast"}}',
  "missing-fields": '{"id": "missing-fields", "measurements": {"rps": 1}}',
  "startedAt-number": JSON.stringify({ ...(validRecord("startedAt-number") as object), startedAt: 5 }),
};

export const corruptResults: Scenario = {
  name: "corrupt-result",
  async run(_ctx: ChaosContext) {
    const dir = mkdtempSync(join(os.tmpdir(), "chaos-results-"));
    const warnings: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    let crash: string | null = null;
    let table = "";
    try {
      for (const id of ["good-1", "good-2"]) {
        mkdirSync(join(dir, id));
        writeFileSync(join(dir, id, "result.json"), JSON.stringify(validRecord(id)));
      }
      for (const [id, text] of Object.entries(CORRUPT)) {
        mkdirSync(join(dir, id));
        writeFileSync(join(dir, id, "result.json"), text);
      }
      // NOTE: loadResults reports on stderr; captured here so the table and the warnings can be checked.
      process.stderr.write = ((chunk: string | Uint8Array) => {
        warnings.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        rewriteIndex(dir);
        table = readFileSync(join(dir, "README.md"), "utf8");
      } catch (e) {
        crash = (e as Error).message.split("\n")[0] ?? "crash";
      } finally {
        process.stderr.write = write;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const ids = Object.keys(CORRUPT);
    const reported = ids.filter((id) => warnings.some((w) => w.includes(`/${id}/result.json`)));
    const listed = ids.filter((id) => table.includes(`(${id}/result.json)`));
    const goodRows = ["good-1", "good-2"].filter((id) => table.includes(`(${id}/result.json)`)).length;
    const pass = crash === null && reported.length === ids.length && listed.length === 0 && goodRows === 2;
    return {
      expectation: `${ids.length} corrupt result.json each reported and skipped; the 2 good rows listed; no crash`,
      measured:
        crash !== null
          ? `rewriteIndex crashed: ${crash}`
          : `${reported.length}/${ids.length} reported, ${listed.length} listed anyway${listed.length ? ` (${listed.join(", ")})` : ""}, ${goodRows}/2 good rows`,
      pass,
      figures: {
        corrupt: ids.length,
        reported: reported.length,
        listedAnyway: listed.length,
        goodRows,
        crash,
      },
    };
  },
};
