// Paced wrk (the lab's build, one shard) from a fleet's client host toward its LB: started, or run to its report.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { inNetns, type NsHost } from "../placement/topology.ts";
import { wrkPath } from "../processes/generator-build.ts";
import { buildShards, type ShardsRun, startShards } from "../processes/wrk.ts";
import type { WrkReport } from "../processes/wrk-report.ts";

export interface Paced {
  url: string;
  client: NsHost;
  connections: number;
  rps: number;
  durationS: number;
  /** wrk's threads (2 unless given) */
  threads?: number;
}

/** Start one paced wrk shard in the client's namespace on its CPUs; its raw output and report go to outDir. */
export function startPacedWrk(p: Paced, outDir: string): ShardsRun {
  const shards = buildShards({
    ...{ url: p.url, mode: "paced", connections: p.connections, threads: p.threads ?? 2, shards: 1 },
    ...{ durationS: p.durationS, timeoutS: 2, targetRps: p.rps, outDir, wrk: wrkPath() },
    prefix: () => inNetns(p.client.ns, [], p.client.cpus),
  });
  return startShards(shards);
}

/** One paced wrk run to its end; its report (its files in a temp dir, removed). */
export async function pacedWrk(p: Paced): Promise<WrkReport> {
  const outDir = mkdtempSync(join(os.tmpdir(), "fleet-wrk-"));
  try {
    const [report] = await startPacedWrk(p, outDir).done;
    if (!report) throw new Error("no wrk report");
    return report;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
