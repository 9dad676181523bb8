// The LB's measured cost read back from results/lb-cost-*/lb-cost.json, and which run speaks for the template now.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * HAProxy's idle server-connection pool limits, % of its maxsock (configuration.txt): past `low` it stops putting
 * connections into the pool, past `high` it kills idle ones to open new ones. Its defaults: 20 and 25.
 */
export interface PoolFdRatios {
  low: number;
  high: number;
}
export const HAPROXY_POOL_DEFAULT: PoolFdRatios = { low: 20, high: 25 };

/** What a plan takes from one `make lb-cost` run (medians over its rounds). */
export interface LbCostFigures {
  id: string;
  startedAt: string;
  /** HAProxy's CPU per request through it, µs */
  usPerRequest: number;
  /** the server's µs per request through the LB ÷ direct */
  serverUsRatio: number;
  p99AddedUs: number;
  /** tune.pool-{low,high}-fd-ratio in the config that ran */
  pool: PoolFdRatios;
  nbthread: number;
  shape: { connections: number; targetRps: number };
}

/** tune.pool-low-fd-ratio and tune.pool-high-fd-ratio of a HAProxy config text (comments skipped), or the defaults. */
export function poolFdRatios(config: string): PoolFdRatios {
  const of = (k: keyof PoolFdRatios): number => {
    const m = new RegExp(`^[ \\t]*tune\\.pool-${k}-fd-ratio[ \\t]+(\\d+)`, "m").exec(config);
    return m ? Number(m[1]) : HAPROXY_POOL_DEFAULT[k];
  };
  return { low: of("low"), high: of("high") };
}

type Json = Record<string, unknown>;
const at = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Json)[k] : undefined), o);

const NUMBERS = [
  "summary.ratios.lbUsPerRequest.median",
  "summary.ratios.serverUsRatio.median",
  "summary.ratios.p99AddedUs.median",
  "haproxy.nbthread",
  "shape.connections",
  "shape.targetRps",
] as const;

/** One lb-cost.json's figures; throws naming the first field that is missing or not a number. */
export function lbCostFigures(json: unknown): LbCostFigures {
  const bad = NUMBERS.find((k) => !Number.isFinite(at(json, k)));
  if (bad) throw new Error(`no number at ${bad}`);
  for (const k of ["id", "startedAt", "haproxy.config"])
    if (typeof at(json, k) !== "string") throw new Error(`no text at ${k}`);
  const n = (k: (typeof NUMBERS)[number]): number => at(json, k) as number;
  return {
    id: at(json, "id") as string,
    startedAt: at(json, "startedAt") as string,
    usPerRequest: n("summary.ratios.lbUsPerRequest.median"),
    serverUsRatio: n("summary.ratios.serverUsRatio.median"),
    p99AddedUs: n("summary.ratios.p99AddedUs.median"),
    pool: poolFdRatios(at(json, "haproxy.config") as string),
    nbthread: n("haproxy.nbthread"),
    shape: { connections: n("shape.connections"), targetRps: n("shape.targetRps") },
  };
}

/** Every results/lb-cost-<stamp>/lb-cost.json, newest first; unreadable ones are reported on stderr and skipped. */
export function loadLbCosts(resultsDir: string): LbCostFigures[] {
  if (!existsSync(resultsDir)) return [];
  const out: LbCostFigures[] = [];
  for (const d of readdirSync(resultsDir, { withFileTypes: true })) {
    const path = join(resultsDir, d.name, "lb-cost.json");
    if (!d.isDirectory() || !d.name.startsWith("lb-cost-") || !existsSync(path)) continue;
    try {
      out.push(lbCostFigures(JSON.parse(readFileSync(path, "utf8"))));
    } catch (e) {
      process.stderr.write(`warning: skipping ${path}: ${(e as Error).message}\n`);
    }
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export interface LbCostChoice {
  /** the run the plan uses: the newest whose pooling is the template's, else the newest; null: none recorded */
  used: LbCostFigures | null;
  /** the newest run when it is not the one used (its pooling differs from the template's) */
  newer: LbCostFigures | null;
  /** the pool limits the template renders now */
  templatePool: PoolFdRatios;
}

// NOTE: pooling halves HAProxy's cost (docs/fleet.md, 86.9 vs 38.8 µs/request): a run measured with other
// pool limits than the template now renders speaks of another LB, so the newest run is not enough.
export function chooseLbCost(runs: LbCostFigures[], templateConfig: string): LbCostChoice {
  const pool = poolFdRatios(templateConfig);
  const newest = runs[0] ?? null;
  const used = runs.find((r) => r.pool.low === pool.low && r.pool.high === pool.high) ?? newest;
  return { used, newer: newest && newest !== used ? newest : null, templatePool: pool };
}
