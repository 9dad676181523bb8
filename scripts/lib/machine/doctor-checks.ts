// Doctor checks: every limit and kernel setting a run of N connections needs, judged OK / WARN / FAIL with a fix.
import { readFileSync } from "node:fs";
import os from "node:os";
import { basename } from "node:path";
import { loadUws } from "../../../server/native-uws.ts";
import { wrkVersion } from "../load/wrk.ts";
import {
  effectiveBacklog,
  FD_RESERVE,
  fitsPerWorker,
  minWorkersFor,
  nofileLimits,
  planShards,
  portRangeSize,
  REUSEPORT_SKEW,
  readSysctl,
  tuningSnapshot,
  UWS_LISTEN_BACKLOG,
} from "./limits.ts";
import { profileValue } from "./tuning-profile.ts";

export type Status = "OK" | "WARN" | "FAIL";

export interface Check {
  name: string;
  current: string;
  needed: string;
  status: Status;
  fix: string;
}

export interface RunShape {
  connections: number;
  workers: number;
  /** wrk -t per shard */
  wrkThreads: number;
  /** wrk processes; 0 = auto (planShards from our soft open-files limit) */
  shards: number;
  /** when a server is running, its worker pids */
  serverPids?: number[];
  /** when a server is running, whether it loaded the native uWS binary */
  serverNativeUws?: boolean;
}

const KiB = 1024;
const MiB = 1024 * KiB;

// NOTE: memory estimate from this machine under a 20k paced run: the idle primary (node + tsx) ~82 MB RSS,
// a worker holding 5,000 connections ~88 MB, a wrk shard holding 10,000 ~53 MB, and 40,000 loopback sockets
// ~150 MB of unreclaimable slab. Rounded up: 80 MiB per node process, 8 MiB per wrk shard, and per connection
// ~2 KiB in the worker + ~5 KiB in wrk + ~4 KiB kernel per socket × 2 sockets ≈ 16 KiB.
const NODE_PROC_BYTES = 80 * MiB;
const WRK_SHARD_BYTES = 8 * MiB;
const PER_CONNECTION_BYTES = 16 * KiB;
/** WARN above this share of MemAvailable (page cache and the rest of the box need room); FAIL above 100 %. */
const MEM_WARN_SHARE = 0.5;
/** netdev_max_backlog judged against the connect burst, capped here (16 Ki packets ≈ 16 MiB of skbs per CPU). */
const NETDEV_BACKLOG_CAP = 16384;

const fmt = (n: number): string => (Number.isFinite(n) ? n.toLocaleString("en-US") : "unlimited");
const mib = (b: number): string => `${fmt(Math.round(b / MiB))} MiB`;
const row = (name: string, current: string, needed: string, status: Status, fix = ""): Check => ({
  name,
  current,
  needed,
  status,
  fix: status === "OK" ? "" : fix,
});

/** `make tune PROFILE=x` for the first lab profile whose value of key passes ok(), else the direct command. */
function tuneFix(key: string, ok: (value: string) => boolean, direct: string): string {
  for (const p of ["20k", "100k"]) {
    const v = profileValue(p, key);
    if (v !== null && ok(v)) return `make tune PROFILE=${p}`;
  }
  return direct;
}
const intOk = (min: number) => (v: string) => Number(v) >= min;

/** Packets dropped because a CPU's backlog was full (column 2 of /proc/net/softnet_stat, hex), since boot. */
function softnetDrops(): number | null {
  try {
    return readFileSync("/proc/net/softnet_stat", "utf8")
      .trim()
      .split("\n")
      .reduce((a, l) => a + Number.parseInt(l.trim().split(/\s+/)[1] ?? "0", 16), 0);
  } catch {
    return null;
  }
}

function memAvailable(): number | null {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * KiB : null;
  } catch {
    return null;
  }
}

const busiestWorker = (c: number, w: number): number => Math.ceil((c * REUSEPORT_SKEW) / w - 1e-9);

function nofileChecks(s: RunShape, self: { soft: number; hard: number } | null): Check[] {
  const out: Check[] = [];
  const c = s.connections;
  out.push(
    self === null
      ? row("open files (self)", "unreadable", "soft = hard", "WARN", "check /proc/self/limits")
      : row(
          "open files (self)",
          `soft ${fmt(self.soft)} / hard ${fmt(self.hard)}`,
          `soft = hard (wrk shards inherit the soft limit); hard > ${FD_RESERVE}`,
          self.hard <= FD_RESERVE ? "FAIL" : self.soft < self.hard ? "WARN" : "OK",
          self.hard <= FD_RESERVE
            ? `raise the hard open-files limit (e.g. LimitNOFILE= / limits.conf)`
            : `ulimit -n "$(ulimit -Hn)"   # make targets do this on the launching line`,
        ),
  );
  const need = `≥ ${fmt(busiestWorker(c, s.workers) + FD_RESERVE)} (${fmt(c)} × ${REUSEPORT_SKEW} ÷ ${s.workers} + ${FD_RESERVE})`;
  const workerFix = (limit: number): string => {
    try {
      const n = minWorkersFor(c, limit);
      return `start ≥ ${n} workers: make run WORKERS=${n}`;
    } catch {
      return `raise the open-files limit of the server (${fmt(limit)} leaves no room)`;
    }
  };
  if (s.serverPids && s.serverPids.length > 0) {
    for (const pid of s.serverPids) {
      let lim: { soft: number; hard: number };
      try {
        lim = nofileLimits(pid);
      } catch {
        out.push(row(`open files worker ${pid}`, "pid gone", need, "WARN", "rerun the doctor"));
        continue;
      }
      const fits = fitsPerWorker(c, s.workers, lim.soft);
      out.push(
        row(
          `open files worker ${pid}`,
          `soft ${fmt(lim.soft)} / hard ${fmt(lim.hard)}`,
          need,
          fits ? "OK" : "FAIL",
          workerFix(lim.soft),
        ),
      );
    }
  } else if (self !== null) {
    // NOTE: no server yet: `make run-*` raises the workers' soft limit to our hard limit, so judge that.
    const fits = fitsPerWorker(c, s.workers, self.hard);
    out.push(
      row(
        `open files per worker (${s.workers} planned)`,
        `hard ${fmt(self.hard)}`,
        need,
        fits ? "OK" : "FAIL",
        workerFix(self.hard),
      ),
    );
  }
  return out;
}

function shardCheck(s: RunShape, soft: number | null): { check: Check; shards: number } {
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

function fdTableChecks(s: RunShape, shards: number): Check[] {
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

function backlogChecks(s: RunShape): Check[] {
  const t = tuningSnapshot();
  const out: Check[] = [];
  const key = "net.core.somaxconn";
  if (t.somaxconn === null) return [row(key, "unreadable", `≥ ${UWS_LISTEN_BACKLOG}`, "WARN")];
  const eff = effectiveBacklog(s.workers, t.somaxconn);
  const cap = Math.min(UWS_LISTEN_BACKLOG, t.somaxconn);
  // NOTE: uSockets calls listen(fd, 512) whatever somaxconn is, so raising it past 512 changes nothing;
  // more accept-queue room comes only from more SO_REUSEPORT workers (one queue of 512 each).
  out.push(
    row(
      key,
      `${fmt(t.somaxconn)} → backlog ${cap} × ${s.workers} workers = ${fmt(eff)}`,
      `≥ ${UWS_LISTEN_BACKLOG} (uWS's fixed listen backlog)`,
      t.somaxconn >= UWS_LISTEN_BACKLOG ? "OK" : "WARN",
      tuneFix(key, intOk(UWS_LISTEN_BACKLOG), `sudo sysctl -w ${key}=4096`),
    ),
  );
  const syn = "net.ipv4.tcp_max_syn_backlog";
  const cookies = readSysctl("net.ipv4.tcp_syncookies") ?? "?";
  // NOTE: with tcp_syncookies ≥ 1 (Debian's default) a full SYN queue answers with cookies instead of dropping;
  // tcp_max_syn_backlog only drops SYNs when cookies are off. Still WARN: cookies lose TCP options.
  out.push(
    t.tcpMaxSynBacklog === null
      ? row(syn, "unreadable", `≥ ${fmt(eff)}`, "WARN")
      : row(
          syn,
          `${fmt(t.tcpMaxSynBacklog)} (tcp_syncookies=${cookies})`,
          `≥ ${fmt(eff)} (the effective accept backlog)`,
          t.tcpMaxSynBacklog >= eff ? "OK" : "WARN",
          tuneFix(syn, intOk(eff), `sudo sysctl -w ${syn}=${Math.max(8192, eff)}`),
        ),
  );
  return out;
}

function portChecks(s: RunShape): Check[] {
  const t = tuningSnapshot();
  const c = s.connections;
  const key = "net.ipv4.ip_local_port_range";
  const size = portRangeSize();
  const out: Check[] = [];
  if (size === null || t.ipLocalPortRange === null) {
    out.push(row(key, "unreadable", `≥ ${fmt(2 * c)} ports`, "WARN", "make tune PROFILE=20k"));
  } else {
    const [lo, hi] = t.ipLocalPortRange;
    const rangeOk = (min: number) => (v: string) => {
      const [a, b] = v.split(" ").map(Number);
      return a !== undefined && b !== undefined && b - a + 1 >= min;
    };
    const status: Status = c > size ? "FAIL" : c > size / 2 ? "WARN" : "OK";
    // NOTE: measured here: connect() prefers even ephemeral ports and scans all of them before odd ones, so past
    // half the range every connect() slows down. 20,000 connections over 32768–60999 took ~7 s to come up (and
    // reused TIME_WAIT ports gave resets / wrk read errors); over 1024–65535 all were up within 1 s.
    const want = status === "FAIL" ? c : 2 * c;
    // NOTE: 1024–65535 is the widest useful range; past it only more server addresses (127.0.0.2 …) help.
    const fix = rangeOk(want)("1024 65535")
      ? tuneFix(key, rangeOk(want), `sudo sysctl -w ${key}="1024 65535"`)
      : `one client address holds ≤ 64,512 (fast: ≤ 32,256): aim shards at more server addresses (127.0.0.2 …)`;
    out.push(
      row(
        key,
        `${lo}–${hi} (${fmt(size)} ports)`,
        `≥ ${fmt(2 * c)} ports (connect() slows past half the range; > ${fmt(size)} impossible)`,
        status,
        fix,
      ),
    );
  }
  const tw = "net.ipv4.tcp_tw_reuse";
  out.push(
    row(
      tw,
      t.tcpTwReuse === null ? "unreadable" : String(t.tcpTwReuse),
      "1 or 2 (2 = loopback only, which the lab uses)",
      t.tcpTwReuse === 1 || t.tcpTwReuse === 2 ? "OK" : "WARN",
      tuneFix(tw, (v) => v === "1" || v === "2", `sudo sysctl -w ${tw}=2`),
    ),
  );
  const nd = "net.core.netdev_max_backlog";
  const need = Math.min(c, NETDEV_BACKLOG_CAP);
  const drops = softnetDrops();
  // NOTE: loopback delivers every packet through the sending CPU's backlog queue; a connect storm of N
  // connections pushes ~3N packets (SYN, SYN-ACK, ACK) through it. This machine counted backlog drops at the
  // stock 1000 during 20k runs; each dropped SYN costs a 1 s retransmit. Judgment: size it for the burst.
  out.push(
    row(
      nd,
      t.netdevMaxBacklog === null
        ? "unreadable"
        : `${fmt(t.netdevMaxBacklog)} (backlog drops since boot: ${drops === null ? "?" : fmt(drops)})`,
      `≥ ${fmt(need)} (the connect burst, capped at ${fmt(NETDEV_BACKLOG_CAP)})`,
      (t.netdevMaxBacklog ?? 0) >= need ? "OK" : "WARN",
      tuneFix(nd, intOk(need), `sudo sysctl -w ${nd}=${need}`),
    ),
  );
  const ctMax = readSysctl("net.netfilter.nf_conntrack_max");
  if (ctMax !== null) {
    // NOTE: only present when nf_conntrack is loaded; a full table drops new connections ("table full").
    const count = Number(readSysctl("net.netfilter.nf_conntrack_count") ?? "0");
    const max = Number(ctMax);
    out.push(
      row(
        "net.netfilter.nf_conntrack_max",
        `${fmt(max)} (${fmt(count)} tracked)`,
        `≥ ${fmt(count + c)} (tracked + the run's connections)`,
        max >= count + c ? "OK" : "WARN",
        `sudo sysctl -w net.netfilter.nf_conntrack_max=${2 * (count + c)}`,
      ),
    );
  }
  return out;
}

function hostChecks(s: RunShape, shards: number): Check[] {
  const cores = os.availableParallelism();
  const threads = shards * Math.min(s.wrkThreads, Math.max(1, Math.floor(s.connections / shards)));
  const busy = s.workers + threads;
  const out: Check[] = [
    row(
      "cpu",
      `${cores} cores; ${s.workers} workers + ${threads} wrk threads (${shards} × ${s.wrkThreads})`,
      `workers + wrk threads ≤ ${2 * cores} (they share the cores)`,
      busy > 2 * cores ? "WARN" : "OK",
      `--threads 1, or fewer workers (the result's cpu/bound fields say which side saturated)`,
    ),
  ];
  const est =
    (s.workers + 1) * NODE_PROC_BYTES + shards * WRK_SHARD_BYTES + s.connections * PER_CONNECTION_BYTES;
  const avail = memAvailable();
  out.push(
    avail === null
      ? row("memory", "MemAvailable unreadable", `~${mib(est)}`, "WARN", "check /proc/meminfo")
      : row(
          "memory",
          `${mib(avail)} available`,
          `~${mib(est)} (80 MiB/node process + 16 KiB/connection); WARN above ${MEM_WARN_SHARE * 100} %`,
          est > avail ? "FAIL" : est > avail * MEM_WARN_SHARE ? "WARN" : "OK",
          "fewer connections or workers, or free memory",
        ),
  );
  const v = wrkVersion();
  out.push(
    row("wrk", v === null ? "missing" : v, "installed (wrk 4.x)", v === null ? "FAIL" : "OK", "make deps"),
  );
  let uws: string;
  let native = false;
  try {
    const u = loadUws();
    native = u.native;
    uws = u.binary ? basename(u.binary) : "JS fallback";
  } catch (e) {
    uws = `not loadable (${(e as Error).message.split("\n")[0]})`;
  }
  out.push(row("native uWS", uws, "native binary", native ? "OK" : "FAIL", "npm ci"));
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

/** Every check for a run of this shape, in display order. */
export function runChecks(shape: RunShape): Check[] {
  let self: { soft: number; hard: number } | null = null;
  try {
    self = nofileLimits("self");
  } catch {}
  const { check: shard, shards } = shardCheck(shape, self?.soft ?? null);
  return [
    ...nofileChecks(shape, self),
    shard,
    ...fdTableChecks(shape, shards),
    ...backlogChecks(shape),
    ...portChecks(shape),
    ...hostChecks(shape, shards),
  ];
}

/** The checks that make the run impossible (exit 2). */
export function blocking(checks: Check[]): Check[] {
  return checks.filter((c) => c.status === "FAIL");
}
