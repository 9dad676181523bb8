// Kernel TCP counters and gauges from /proc/net (netstat, snmp, sockstat) as flat keys, and their deltas.
import { readText } from "./proc.ts";

/** Parse "Prefix: k1 k2 ..." / "Prefix: v1 v2 ..." line pairs (netstat/snmp format). */
function parseHeaderValuePairs(text: string, out: Record<string, number>): void {
  const headers = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const prefix = line.slice(0, colon);
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const names = headers.get(prefix);
    if (names === undefined) {
      headers.set(prefix, fields);
      continue;
    }
    headers.delete(prefix);
    names.forEach((name, i) => {
      const v = Number(fields[i]);
      if (Number.isFinite(v)) out[`${prefix}.${name}`] = v;
    });
  }
}

/**
 * /proc/net/netstat + /proc/net/snmp as flat keys, e.g. "TcpExt.ListenOverflows", "Tcp.ActiveOpens".
 * NOTE: counters are per network namespace, system-wide within it (not per process), and
 * 64-bit octet counters lose precision above 2^53. "Tcp.MaxConn" is -1 (no limit), "Tcp.CurrEstab" is a gauge.
 */
export function readNetstat(pid: number | "self" = "self"): Record<string, number> {
  const out: Record<string, number> = {};
  // NOTE: /proc/<pid>/net is that process's network namespace: pass the server's pid to read its side.
  for (const path of [`/proc/${pid}/net/netstat`, `/proc/${pid}/net/snmp`]) {
    const text = readText(path);
    if (text !== null) parseHeaderValuePairs(text, out);
  }
  return out;
}

/**
 * /proc/net/sockstat (+ sockstat6) as flat keys, e.g. "TCP.inuse", "TCP.tw", "TCP6.inuse", "sockets.used".
 * NOTE: these are gauges, not counters; "TCP.mem" is in pages (compare with net.ipv4.tcp_mem).
 * "TCP.inuse" counts IPv4 sockets only (IPv6 ones are "TCP6.inuse"), while TCP.orphan/tw/alloc cover both.
 */
export function readSockstat(pid: number | "self" = "self"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of [`/proc/${pid}/net/sockstat`, `/proc/${pid}/net/sockstat6`]) {
    const text = readText(path);
    if (text === null) continue;
    for (const line of text.split("\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const prefix = line.slice(0, colon);
      const f = line
        .slice(colon + 1)
        .trim()
        .split(/\s+/);
      for (let i = 0; i + 1 < f.length; i += 2) {
        const v = Number(f[i + 1]);
        if (Number.isFinite(v)) out[`${prefix}.${f[i]}`] = v;
      }
    }
  }
  return out;
}

/** after − before for every key present in both (meaningful for monotonically increasing counters). */
/** Several network namespaces' counters added up (each pid one namespace); {} for none. */
export function sumCounters(read: (pid: number) => Record<string, number>, pids: readonly number[]) {
  const out: Record<string, number> = {};
  for (const pid of pids) for (const [k, v] of Object.entries(read(pid))) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function counterDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (b !== undefined) out[k] = v - b;
  }
  return out;
}
