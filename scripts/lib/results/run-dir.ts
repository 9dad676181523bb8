// Result files: a run directory that appears whole or not at all (result.json, latency.hgrm), reading them back.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { withReasonsAsData } from "../contract/reasons.ts";
import type { ResultRecord } from "../contract/record.ts";
import { AtomicDir } from "../core/atomic.ts";
import { hgrmText } from "./hgrm.ts";

/** results/<id>/: wrk writes into `tmp` during the run; commit adds result.json + latency.hgrm, renames it. */
export class RunDir {
  private readonly dir: AtomicDir;

  constructor(resultsDir: string, id: string) {
    this.dir = new AtomicDir(resultsDir, id);
  }

  get tmp(): string {
    return this.dir.tmp;
  }

  get final(): string {
    return this.dir.final;
  }

  /** keepRaw: keep each shard's exact wrk report as wrk-<n>.json.gz (MBs for wide histograms); extra: more files */
  commit(record: ResultRecord, keepRaw = false, extra: Record<string, string> = {}): string {
    this.dir.write("result.json", recordJson(record));
    for (const [file, text] of Object.entries(extra)) this.dir.write(file, text);
    this.dir.write("latency.hgrm", hgrmText(record.measurements.histogram));
    for (const f of readdirSync(this.tmp)) {
      if (!/^wrk-\d+\.json$/.test(f)) continue;
      if (keepRaw) this.dir.write(`${f}.gz`, gzipSync(readFileSync(join(this.tmp, f))));
      rmSync(join(this.tmp, f));
    }
    return this.dir.commit();
  }

  abandon(): void {
    this.dir.abandon();
  }
}

/** Pretty JSON with [value, count] pairs and the per-interval samples ({"t": …}) kept on one line each. */
export function recordJson(record: ResultRecord): string {
  const pretty = JSON.stringify(record, null, 1)
    .replace(/\[\n\s*(-?[\d.e+]+),\n\s*(-?[\d.e+]+)\n\s*\]/g, "[$1, $2]")
    .replace(/\{\n\s*("t": [^{}[\]]*?)\n\s*\}/g, (_, body: string) => `{${body.replace(/,\n\s*/g, ", ")}}`);
  return `${pretty}\n`;
}

// NOTE: every field the table and the notes read; a record missing one is skipped, never a crash.
const REQUIRED: [string, (r: ResultRecord) => boolean][] = [
  ["id", (r) => typeof r.id === "string"],
  ["startedAt", (r) => typeof r.startedAt === "string"],
  ["load", (r) => typeof r.load?.mode === "string" && typeof r.load.connections === "number"],
  ["server", (r) => typeof r.server?.workers === "number"],
  ["verdict", (r) => typeof r.verdict?.pass === "boolean" && Array.isArray(r.verdict.reasons)],
  ["measurements.rps", (r) => typeof r.measurements?.rps === "number"],
  ["measurements.latencyUs", (r) => typeof r.measurements?.latencyUs?.p99 === "number"],
  ["measurements.overStubUs", (r) => typeof r.measurements?.overStubUs?.p99 === "number"],
  [
    "measurements.errors",
    (r) => typeof r.measurements?.errors === "object" && r.measurements.errors !== null,
  ],
];

function missingField(r: ResultRecord): string | null {
  if (typeof r !== "object" || r === null) return "not an object";
  return REQUIRED.find(([, ok]) => !ok(r))?.[0] ?? null;
}

/** One result.json, checked and with its reasons as data (older records stored them as text); throws when unusable. */
export function readResult(path: string): ResultRecord {
  const record = JSON.parse(readFileSync(path, "utf8")) as ResultRecord;
  const missing = missingField(record);
  if (missing) throw new Error(`not a result record (${missing})`);
  return withReasonsAsData(record);
}

export interface LoadedResult {
  dir: string;
  record: ResultRecord;
}

/** Every results/<id>/result.json, newest first; corrupt ones are reported on stderr and skipped. */
export function loadResults(resultsDir: string): LoadedResult[] {
  if (!existsSync(resultsDir)) return [];
  const out: LoadedResult[] = [];
  for (const d of readdirSync(resultsDir, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name.startsWith(".")) continue;
    const path = join(resultsDir, d.name, "result.json");
    if (!existsSync(path)) continue;
    try {
      out.push({ dir: d.name, record: readResult(path) });
    } catch (e) {
      process.stderr.write(`warning: skipping ${path}: ${(e as Error).message}\n`);
    }
  }
  return out.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}
