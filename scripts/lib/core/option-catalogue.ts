// Every driver option, declared once: name, wrk-style alias, description, default and strict parser (where the
// sides run: option-catalogue-placement.ts).
import { PLACEMENT_CATALOGUE } from "./option-catalogue-placement.ts";
import * as p from "./parse.ts";

/** A value as typed on the command line, or a default before it is parsed. */
export type Raw = string | number | boolean;

/** The SLO fields the defaults come from: core/slo.ts's Slo (configs/slo.json) is one. */
export interface SloDefaults {
  connections: number;
  durationS: number;
  targetRps: number;
  overheadBudgetMs: number;
  stubMs: number;
}

export interface Spec<V> {
  desc: string;
  /** wrk's (or wrk2's) short flag where the meaning is the same */
  alias?: string;
  /** how --help shows it; the value itself is always parsed from its text by `parse` */
  type: "number" | "string" | "boolean";
  /** as typed on the command line; a function takes it from configs/slo.json */
  default?: Raw | ((slo: SloDefaults) => Raw);
  /** a closed set yargs checks itself (--mode, --scale) */
  choices?: readonly string[];
  /** text → value; throws InvalidRun naming the option. `allowed`: a driver's own vocabulary (--peers) */
  parse?: (name: string, raw: unknown, allowed: readonly string[]) => V;
}

const int = (min: number, max: number) => (name: string, raw: unknown) => p.integer(name, raw, min, max);
const dur = (minS: number) => (name: string, raw: unknown) => p.duration(name, raw, minS);
const names = (name: string, raw: unknown, allowed: readonly string[]) => p.nameList(name, raw, allowed);

const MODES = ["saturate", "paced"] as const;
const AS_DURATION = "a duration, as --duration";

// NOTE: `satisfies` keeps each entry's literal shape, so the builder knows which ones have a default.
export const CATALOGUE = {
  mode: {
    type: "string",
    desc: "saturate: closed loop (each connection sends when answered); paced: a fixed rate via wrk's delay()",
    choices: MODES,
    default: "saturate",
  },
  modes: {
    type: "string",
    desc: "comma list of saturate and/or paced, run in this order",
    default: "saturate,paced",
    parse: (name: string, raw: unknown) => p.nameList(name, raw, MODES),
  },
  connections: {
    type: "number",
    alias: "c",
    desc: "concurrent connections held open (wrk -c)",
    default: (s: SloDefaults) => s.connections,
    parse: int(1, 1_000_000),
  },
  "connections-list": {
    type: "string",
    desc: "comma list of connection counts, one cell each",
    default: "1000,5000,10000,20000",
    parse: (name: string, raw: unknown) => p.intList(name, raw, 1_000_000),
  },
  threads: {
    type: "number",
    alias: "t",
    desc: "wrk threads per shard (wrk -t)",
    default: 2,
    parse: int(1, 64),
  },
  shards: {
    type: "number",
    desc: "wrk processes (0 = auto from the open-files limit)",
    default: 0,
    parse: int(0, 64),
  },
  duration: {
    type: "string",
    alias: "d",
    desc: "measured duration, at least 1s (wrk -d): 30s, 2m, 1h; also 500ms or bare seconds",
    default: (s: SloDefaults) => `${s.durationS}s`,
    parse: dur(1),
  },
  warmup: {
    type: "string",
    desc: `run first, not recorded; 0 = none (${AS_DURATION})`,
    default: "5s",
    parse: dur(0),
  },
  cooldown: { type: "string", desc: `pause between runs (${AS_DURATION})`, default: "5s", parse: dur(0) },
  timeout: {
    type: "string",
    desc: `wrk --timeout: slower replies count as timeouts (${AS_DURATION})`,
    default: "2s",
    parse: dur(0),
  },
  "target-rps": {
    type: "number",
    alias: "R",
    desc: "SLO target, requests/s; paced: the rate sent (wrk2 -R)",
    default: (s: SloDefaults) => s.targetRps,
    parse: int(1, 10_000_000),
  },
  "budget-ms": {
    type: "number",
    desc: "allowed p99 above the stub, ms",
    default: (s: SloDefaults) => s.overheadBudgetMs,
    parse: int(0, 60_000),
  },
  "stub-ms": {
    type: "number",
    desc: "how long the server's /ping waits, ms",
    default: (s: SloDefaults) => s.stubMs,
    parse: int(1, 60_000),
  },
  "p99-ms": {
    type: "number",
    desc: "the p99 latency to plan for, ms (default: stub + the SLO's budget)",
    parse: int(1, 600_000),
  },
  fleet: {
    type: "boolean",
    desc: "plan server hosts and HAProxy even when one host serves the target (else only when it cannot)",
    default: false,
  },
  "host-cpus": {
    type: "number",
    desc: "CPUs of one fleet host (default: this machine's)",
    parse: int(1, 4096),
  },
  "handler-us": {
    type: "number",
    desc: "the handler's own CPU per request beyond the stub's, µs",
    default: 0,
    parse: int(0, 1_000_000),
  },
  workers: {
    type: "number",
    desc: "server worker processes (doctor: the running server's count when one answers at --url)",
    default: 2,
    parse: int(1, 64),
  },
  "workers-list": {
    type: "string",
    desc: "comma list of server worker counts, one server each",
    default: "1,2,4,8",
    parse: (name: string, raw: unknown) => p.intList(name, raw, 64),
  },
  port: { type: "number", desc: "TCP port of the lab server", default: 8000, parse: int(1, 65_535) },
  url: {
    type: "string",
    desc: "the running lab server, e.g. http://127.0.0.1:8000/ping/ (loopback only)",
    default: "http://127.0.0.1:8000/ping/",
    parse: p.httpUrl,
  },
  repeats: {
    type: "number",
    desc: "runs per cell (median and min–max reported)",
    default: 1,
    parse: int(1, 100),
  },
  name: {
    type: "string",
    desc: "results/sweep-<name>/; the same name resumes",
    default: "default",
    parse: p.nonEmpty,
  },
  peers: { type: "string", desc: "comma list of servers, measured in this order", parse: names },
  scenario: { type: "string", desc: "all, or a comma list of scenarios", default: "all", parse: names },
  scale: {
    type: "string",
    desc: "small = the tests' size",
    choices: ["small", "moderate"],
    default: "moderate",
  },
  profile: { type: "string", desc: "configs/tuning/<profile>.conf", default: "20k", parse: p.nonEmpty },
  "results-dir": { type: "string", desc: "where run directories go", default: "results", parse: p.nonEmpty },
  out: { type: "string", desc: "the file to write", parse: p.nonEmpty },
  id: {
    type: "string",
    desc: "a run's id under --results-dir (make report: or a sweep's directory, sweep-<name>; make export: or all)",
    parse: p.resultName,
  },
  screenshot: {
    type: "string",
    desc: "also save a full-page PNG of the page here (Debian's chromium via puppeteer-core)",
    parse: p.nonEmpty,
  },
  force: { type: "boolean", desc: "start again: run every cell anew (new state)", default: false },
  "keep-raw": {
    type: "boolean",
    desc: "keep each shard's exact wrk report (wrk-<n>.json.gz)",
    default: false,
  },
  json: { type: "boolean", desc: "print the machine-readable result as JSON on stdout", default: false },
  persist: {
    type: "boolean",
    desc: "also write /etc/sysctl.d/90-uws-lab.conf (untune removes it)",
    default: false,
  },
  write: { type: "boolean", desc: "write the result (--no-write: print only)", default: true },
  a: {
    type: "string",
    desc: "the baseline run: its id in --results-dir (or the path of its directory)",
    parse: p.nonEmpty,
  },
  b: { type: "string", desc: "the run judged against A (id or directory, as --a)", parse: p.nonEmpty },
  check: {
    type: "string",
    desc: "a fleet run (make lab SERVERS=n; its id in --results-dir or its directory): the fleet plan at its shape, predicted against measured",
    parse: p.nonEmpty,
  },
  thresholds: {
    type: "string",
    desc: "k6-style limits on B, comma-separated: p99<+5% (relative to A), p99<205ms (absolute); metrics rps, p50, p90, p99, p99_9, errors, server_us_per_req, generator_us_per_req, lb_us_per_req; none = only the table",
    default: "p99<+5%,rps>-2%",
    // NOTE: no parser here: the driver passes diff/thresholds.ts's parseThresholds in (core imports no diff).
  },
  ...PLACEMENT_CATALOGUE,
} as const satisfies Record<string, Spec<unknown>>;

export { PLACEMENTS } from "./option-catalogue-placement.ts";
