// Doctor checks, file descriptors: our own open-files limit, each worker's, the wrk shards, fs.nr_open and file-max.
import {
  FD_RESERVE,
  fitsPerWorker,
  minWorkersFor,
  nofileLimits,
  planShards,
  REUSEPORT_SKEW,
  readSysctl,
  tuningSnapshot,
} from "../machine/limits.ts";
import type { Check, RunShape } from "./doctor-row.ts";
import { busiestWorker, fmt, row } from "./doctor-row.ts";

type Limits = { soft: number; hard: number };

function selfCheck(self: Limits | null): Check {
  return self === null
    ? row("open files (self)", "unreadable", "soft = hard", "WARN", "check /proc/self/limits")
    : row(
        "open files (self)",
        `soft ${fmt(self.soft)} / hard ${fmt(self.hard)}`,
        `soft = hard (wrk shards inherit the soft limit); hard > ${FD_RESERVE}`,
        self.hard <= FD_RESERVE ? "FAIL" : self.soft < self.hard ? "WARN" : "OK",
        self.hard <= FD_RESERVE
          ? `raise the hard open-files limit (e.g. LimitNOFILE= / limits.conf)`
          : `ulimit -n "$(ulimit -Hn)"   # make targets do this on the launching line`,
      );
}

function workerFix(c: number, limit: number): string {
  try {
    const n = minWorkersFor(c, limit);
    return `start ≥ ${n} workers: make run WORKERS=${n}`;
  } catch {
    return `raise the open-files limit of the server (${fmt(limit)} leaves no room)`;
  }
}

export function nofileChecks(s: RunShape, self: Limits | null): Check[] {
  const c = s.connections;
  const out: Check[] = [selfCheck(self)];
  const need = `≥ ${fmt(busiestWorker(c, s.workers) + FD_RESERVE)} (${fmt(c)} × ${REUSEPORT_SKEW} ÷ ${s.workers} + ${FD_RESERVE})`;
  if (s.serverPids && s.serverPids.length > 0) {
    for (const pid of s.serverPids) out.push(runningWorkerCheck(s, pid, need));
  } else if (self !== null) {
    // NOTE: no server yet: `make run-*` raises the workers' soft limit to our hard limit, so judge that.
    const fits = fitsPerWorker(c, s.workers, self.hard);
    out.push(
      row(
        `open files per worker (${s.workers} planned)`,
        `hard ${fmt(self.hard)}`,
        need,
        fits ? "OK" : "FAIL",
        workerFix(c, self.hard),
      ),
    );
  }
  return out;
}

function runningWorkerCheck(s: RunShape, pid: number, need: string): Check {
  let lim: Limits;
  try {
    lim = nofileLimits(pid);
  } catch {
    return row(`open files worker ${pid}`, "pid gone", need, "WARN", "rerun the doctor");
  }
  const fits = fitsPerWorker(s.connections, s.workers, lim.soft);
  return row(
    `open files worker ${pid}`,
    `soft ${fmt(lim.soft)} / hard ${fmt(lim.hard)}`,
    need,
    fits ? "OK" : "FAIL",
    workerFix(s.connections, lim.soft),
  );
}

export function shardCheck(s: RunShape, soft: number | null): { check: Check; shards: number } {
  const c = s.connections;
  let auto: number | null = null;
  try {
    if (soft !== null) auto = planShards(c, soft);
  } catch {}
  if (auto === null) {
    const cur = soft === null ? "open-files limit unreadable" : `soft ${fmt(soft)} leaves no room`;
    return {
      check: row("wrk shards", cur, `${FD_RESERVE} fds + connections`, "FAIL", `ulimit -n "$(ulimit -Hn)"`),
      shards: Math.max(1, s.shards),
    };
  }
  const shards = s.shards || auto;
  const per = Math.ceil(c / shards) + FD_RESERVE;
  const current =
    s.shards === 0 ? `auto → ${auto} (${fmt(per)} fds each)` : `${s.shards} (${fmt(per)} fds each)`;
  const needed = `≥ ${auto} (${fmt(c)} ÷ shards + ${FD_RESERVE} ≤ soft ${fmt(soft ?? 0)})`;
  const ok = shards >= auto;
  return {
    check: row("wrk shards", current, needed, ok ? "OK" : "FAIL", `--shards ${auto} (or 0 = auto)`),
    shards,
  };
}

export function fdTableChecks(s: RunShape, shards: number): Check[] {
  const t = tuningSnapshot();
  const c = s.connections;
  const perProcess = Math.max(busiestWorker(c, s.workers), Math.ceil(c / shards)) + FD_RESERVE;
  const out: Check[] = [];
  out.push(
    t.nrOpen === null
      ? row("fs.nr_open", "unreadable", `≥ ${fmt(perProcess)}`, "WARN", "")
      : row(
          "fs.nr_open",
          fmt(t.nrOpen),
          `≥ ${fmt(perProcess)} (fds of the busiest process; caps any nofile limit)`,
          t.nrOpen >= perProcess ? "OK" : "FAIL",
          `sudo sysctl -w fs.nr_open=${perProcess}`,
        ),
  );
  // NOTE: fs.file-nr's first field counts fds allocated system-wide now (a running load test included).
  const inUse = Number((readSysctl("fs.file-nr") ?? "0").split(" ")[0]) || 0;
  const total = 2 * c + (s.workers + 1 + shards) * FD_RESERVE;
  out.push(
    t.fileMax === null
      ? row("fs.file-max", "unreadable", `≥ ${fmt(total)} free`, "WARN", "")
      : row(
          "fs.file-max",
          `${fmt(t.fileMax)} (${fmt(inUse)} in use)`,
          `≥ ${fmt(total)} free (both ends of ${fmt(c)} connections + reserves)`,
          t.fileMax - inUse >= total ? "OK" : "FAIL",
          `sudo sysctl -w fs.file-max=${2 * (inUse + total)}`,
        ),
  );
  return out;
}
