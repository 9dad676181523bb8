// Doctor checks, network: accept and SYN backlogs, the ephemeral port range, TIME_WAIT reuse, netdev backlog, conntrack.
import { readFileSync } from "node:fs";
import type { TuningSnapshot } from "../contract/tuning-snapshot.ts";
import {
  effectiveBacklog,
  portRangeSize,
  readSysctl,
  tuningSnapshot,
  UWS_LISTEN_BACKLOG,
} from "../machine/limits.ts";
import type { Check, RunShape, Status } from "./doctor-row.ts";
import { fmt, intOk, row, tuneFix } from "./doctor-row.ts";

/** netdev_max_backlog judged against the connect burst, capped here (16 Ki packets ≈ 16 MiB of skbs per CPU). */
const NETDEV_BACKLOG_CAP = 16384;

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

export function backlogChecks(s: RunShape): Check[] {
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

export function portChecks(s: RunShape): Check[] {
  const t = tuningSnapshot();
  const c = s.connections;
  const out = [portRangeCheck(c, t), twReuseCheck(t), netdevBacklogCheck(c, t)];
  const conntrack = conntrackCheck(c);
  if (conntrack) out.push(conntrack);
  return out;
}

function portRangeCheck(c: number, t: TuningSnapshot): Check {
  const key = "net.ipv4.ip_local_port_range";
  const size = portRangeSize();
  if (size === null || t.ipLocalPortRange === null) {
    return row(key, "unreadable", `≥ ${fmt(2 * c)} ports`, "WARN", "make tune PROFILE=20k");
  }
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
  return row(
    key,
    `${lo}–${hi} (${fmt(size)} ports)`,
    `≥ ${fmt(2 * c)} ports (connect() slows past half the range; > ${fmt(size)} impossible)`,
    status,
    fix,
  );
}

function twReuseCheck(t: TuningSnapshot): Check {
  const tw = "net.ipv4.tcp_tw_reuse";
  return row(
    tw,
    t.tcpTwReuse === null ? "unreadable" : String(t.tcpTwReuse),
    "1 or 2 (2 = loopback only, which the lab uses)",
    t.tcpTwReuse === 1 || t.tcpTwReuse === 2 ? "OK" : "WARN",
    tuneFix(tw, (v) => v === "1" || v === "2", `sudo sysctl -w ${tw}=2`),
  );
}

function netdevBacklogCheck(c: number, t: TuningSnapshot): Check {
  const nd = "net.core.netdev_max_backlog";
  const need = Math.min(c, NETDEV_BACKLOG_CAP);
  const drops = softnetDrops();
  // NOTE: loopback delivers every packet through the sending CPU's backlog queue; a connect storm of N
  // connections pushes ~3N packets (SYN, SYN-ACK, ACK) through it. This machine counted backlog drops at the
  // stock 1000 during 20k runs; each dropped SYN costs a 1 s retransmit. Judgment: size it for the burst.
  return row(
    nd,
    t.netdevMaxBacklog === null
      ? "unreadable"
      : `${fmt(t.netdevMaxBacklog)} (backlog drops since boot: ${drops === null ? "?" : fmt(drops)})`,
    `≥ ${fmt(need)} (the connect burst, capped at ${fmt(NETDEV_BACKLOG_CAP)})`,
    (t.netdevMaxBacklog ?? 0) >= need ? "OK" : "WARN",
    tuneFix(nd, intOk(need), `sudo sysctl -w ${nd}=${need}`),
  );
}

function conntrackCheck(c: number): Check | null {
  const ctMax = readSysctl("net.netfilter.nf_conntrack_max");
  if (ctMax === null) return null;
  // NOTE: only present when nf_conntrack is loaded; a full table drops new connections ("table full").
  const count = Number(readSysctl("net.netfilter.nf_conntrack_count") ?? "0");
  const max = Number(ctMax);
  return row(
    "net.netfilter.nf_conntrack_max",
    `${fmt(max)} (${fmt(count)} tracked)`,
    `≥ ${fmt(count + c)} (tracked + the run's connections)`,
    max >= count + c ? "OK" : "WARN",
    `sudo sysctl -w net.netfilter.nf_conntrack_max=${2 * (count + c)}`,
  );
}
