// Doctor checks, the host: cores for workers + wrk threads, memory for the run, wrk, and the native uWS binary.
import { readFileSync } from "node:fs";
import os from "node:os";
import { basename } from "node:path";
import { loadUws } from "../../../server/native-uws.ts";
import { generatorBuild, LAB_WRK, wrkPath } from "../processes/generator-build.ts";
import type { Check, RunShape } from "./doctor-row.ts";
import { KiB, MiB, mib, row } from "./doctor-row.ts";

// NOTE: memory estimate from this machine under a 20k paced run: the idle primary (node + tsx) ~82 MB RSS,
// a worker holding 5,000 connections ~88 MB, a wrk shard holding 10,000 ~53 MB, and 40,000 loopback sockets
// ~150 MB of unreclaimable slab. Rounded up: 80 MiB per node process, 8 MiB per wrk shard, and per connection
// ~2 KiB in the worker + ~5 KiB in wrk + ~4 KiB kernel per socket × 2 sockets ≈ 16 KiB.
const NODE_PROC_BYTES = 80 * MiB;
const WRK_SHARD_BYTES = 8 * MiB;
const PER_CONNECTION_BYTES = 16 * KiB;
/** WARN above this share of MemAvailable (page cache and the rest of the box need room); FAIL above 100 %. */
const MEM_WARN_SHARE = 0.5;

function memAvailable(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * KiB : null;
  } catch {
    return null;
  }
}

export function hostChecks(s: RunShape, shards: number): Check[] {
  const out = [cpuCheck(s, shards), memoryCheck(s, shards), wrkCheck(), uwsCheck()];
  if (s.serverNativeUws !== undefined) {
    out.push(
      row(
        "server uWS",
        s.serverNativeUws ? "native" : "JS fallback",
        "native binary",
        s.serverNativeUws ? "OK" : "FAIL",
        "npm ci, then restart the server",
      ),
    );
  }
  return out;
}

function cpuCheck(s: RunShape, shards: number): Check {
  const cores = os.availableParallelism();
  const threads = shards * Math.min(s.wrkThreads, Math.max(1, Math.floor(s.connections / shards)));
  const busy = s.workers + threads;
  return row(
    "cpu",
    `${cores} cores; ${s.workers} workers + ${threads} wrk threads (${shards} × ${s.wrkThreads})`,
    `workers + wrk threads ≤ ${2 * cores} (they share the cores)`,
    busy > 2 * cores ? "WARN" : "OK",
    `--threads 1, or fewer workers (the result's cpu/bound fields say which side saturated)`,
  );
}

function memoryCheck(s: RunShape, shards: number): Check {
  const est =
    (s.workers + 1) * NODE_PROC_BYTES + shards * WRK_SHARD_BYTES + s.connections * PER_CONNECTION_BYTES;
  const avail = memAvailable();
  return avail === null
    ? row("memory", "MemAvailable unreadable", `~${mib(est)}`, "WARN", "check /proc/meminfo")
    : row(
        "memory",
        `${mib(avail)} available`,
        `~${mib(est)} (80 MiB/node process + 16 KiB/connection); WARN above ${MEM_WARN_SHARE * 100} %`,
        est > avail ? "FAIL" : est > avail * MEM_WARN_SHARE ? "WARN" : "OK",
        "fewer connections or workers, or free memory",
      );
}

// NOTE: the lab's own build (wrk/) by default: Debian's pays ~2.5× the CPU per paced request (wrk/README.md).
function wrkCheck(): Check {
  const path = wrkPath();
  const b = generatorBuild(path);
  const lab = path === LAB_WRK;
  return row(
    "wrk",
    b === null ? `missing (${path})` : `${b.versionLine} at ${path}`,
    "the lab's build (wrk/), or WRK=<path>",
    b === null ? "FAIL" : lab || b.patchSet ? "OK" : "WARN",
    b === null && !lab
      ? "fix WRK=<path>, or unset it"
      : "make deps builds the lab's wrk; WRK=/usr/bin/wrk selects Debian's",
  );
}

function uwsCheck(): Check {
  let uws: string;
  let native = false;
  try {
    const u = loadUws();
    native = u.native;
    uws = u.binary ? basename(u.binary) : "JS fallback";
  } catch (e) {
    uws = `not loadable (${(e as Error).message.split("\n")[0]})`;
  }
  return row("native uWS", uws, "native binary", native ? "OK" : "FAIL", "npm ci");
}
