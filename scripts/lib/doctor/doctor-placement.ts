// Doctor checks of where the sides run: the placement, the server's CPUs read back, the generator's capacity, ports.
import { existsSync } from "node:fs";
import type { Mode } from "../contract/record.ts";
import { cpusToGive, generatorFit, generatorRule } from "../load/generator-capacity.ts";
import { ipLocalPortRange, readSysctl } from "../machine/limits.ts";
import { formatCpuList, onlineCpus } from "../placement/cpus.ts";
import type { LocalPlacement } from "../placement/local.ts";
import { pinningOf } from "../placement/run-placement.ts";
import { sharers, shieldStatePath } from "../placement/shield.ts";
import { generatorBuild } from "../processes/generator-build.ts";
import type { Check } from "./doctor-row.ts";
import { row } from "./doctor-row.ts";

export interface PlacementShape {
  placement: LocalPlacement;
  /** what wrk is asked for: paced, the rate sent; saturate, up to the Little ceiling connections / stub */
  rps: Record<Mode, number>;
  connections: number;
  port: number;
  /** a running server's pids, to read its CPU set back */
  serverPids?: number[];
}

export function placementChecks(s: PlacementShape): Check[] {
  const gen = (["paced", "saturate"] as const).map((m) => generatorRow(s, m));
  return [placementRow(s), ...serverCpuRows(s), ...neighbourRows(s), ...gen, reservedPortRow(s.port)];
}

// NOTE: a system task at higher priority can preempt the server for 8–17 ms at a time (docs/generator.md).
// NOTE: named whoever owns them; the shield moves only user tasks, never PID 1 (the fix says so).
function neighbourRows(s: PlacementShape): Check[] {
  const cpus = s.placement.serverCpus;
  if (!cpus) return [];
  const all = sharers(cpus);
  const above = all.filter((t) => t.nice < 0);
  // NOTE: one name per process (its main thread's), most favoured first: a VM agent has many threads.
  const byPid = new Map<number, { comm: string; nice: number }>();
  for (const t of above.sort((a, b) => a.nice - b.nice))
    if (!byPid.has(t.pid) || t.tid === t.pid) byPid.set(t.pid, { comm: t.comm, nice: t.nice });
  const procs = [...byPid].map(([pid, p]) => `${p.comm} (pid ${pid}, nice ${p.nice})`);
  const names = procs.slice(0, 4).join(", ") + (procs.length > 4 ? ` and ${procs.length - 4} more` : "");
  const state = shieldStatePath();
  const left = existsSync(state);
  return [
    row(
      "shield",
      left ? `left up by a killed run (${state})` : "none up",
      "none left up",
      left ? "WARN" : "OK",
      "make unshield puts those tasks back on their CPUs",
    ),
    row(
      "other tasks on the server's CPUs",
      `${all.length} may run on CPUs ${formatCpuList(cpus)}${above.length ? `; above the server's priority: ${names}` : ""}`,
      "none above the server's priority",
      above.length > 0 ? "WARN" : "OK",
      above.some((t) => t.pid === 1)
        ? "SHIELD=1 keeps other user tasks off the server's CPUs, never PID 1: give the server CPUs PID 1 is not allowed on (its owner's call)"
        : "make lab SHIELD=1 keeps every other user task off the server's CPUs for the run",
    ),
  ];
}

function placementRow(s: PlacementShape): Check {
  const shared = s.placement.request.kind === "shared";
  return row(
    "placement",
    s.placement.label,
    "split: the server and wrk on disjoint CPUs",
    shared ? "WARN" : "OK",
    "PLACEMENT=split (SERVER_CPUS, GENERATOR_CPUS)",
  );
}

// NOTE: a server started by hand (make run-4-workers) carries its own set; the run is split only if it is pinned.
function serverCpuRows(s: PlacementShape): Check[] {
  if (!s.serverPids || s.placement.request.kind === "shared") return [];
  const cpus = [...new Set(pinningOf(s.serverPids).flatMap((p) => p.cpus))];
  const gen = s.placement.request.generatorCpus ?? [];
  const floats = onlineCpus().every((c) => cpus.includes(c));
  const overlap = cpus.some((c) => gen.includes(c));
  return [
    row(
      "server CPUs (read back)",
      floats ? "every CPU (not pinned)" : formatCpuList(cpus),
      `disjoint from wrk's ${formatCpuList(gen)}`,
      floats || overlap ? "WARN" : "OK",
      "start the server with make run-4-workers SERVER_CPUS=… (the run is judged shared otherwise)",
    ),
  ];
}

function generatorRow(s: PlacementShape, mode: Mode): Check {
  const given = s.placement.request.generatorCpus?.length ?? onlineCpus().length;
  const build = generatorBuild()?.patchSet ? "lab" : "debian";
  const f = generatorFit({ mode, connections: s.connections, rps: s.rps[mode], build }, given);
  const asked = mode === "paced" ? `${s.connections} connections` : `${Math.round(f.rps)} RPS`;
  return row(
    `generator capacity (${mode})`,
    `${given} CPU(s); ${asked} need ≈ ${f.cpusNeeded.toFixed(2)} at ${generatorRule(mode, build)} (docs/generator.md)`,
    "under 90 % of the generator's CPUs",
    f.fit === "ok" ? "OK" : "WARN",
    `GENERATOR_CPUS with ${cpusToGive(f)} CPUs, or ${mode === "paced" ? "fewer connections" : "a lower rate"} (the run would be generator-bound)`,
  );
}

/** The server port inside the ephemeral range and not reserved: a client socket can hold it after a run. */
function reservedPortRow(port: number): Check {
  const key = "net.ipv4.ip_local_reserved_ports";
  const reserved = readSysctl(key) ?? "";
  const range = ipLocalPortRange();
  const inRange = range !== null && port >= range[0] && port <= range[1];
  const covered = reserved.split(",").some((r) => {
    const [lo, hi] = r.split("-").map(Number);
    return lo !== undefined && port >= lo && port <= (hi ?? lo);
  });
  return row(
    key,
    reserved === "" ? "none" : reserved,
    inRange ? `${port} (inside the ephemeral range)` : `nothing: ${port} is outside the ephemeral range`,
    inRange && !covered ? "WARN" : "OK",
    "make tune PROFILE=20k (reserves 8000-8099), or another PORT",
  );
}
