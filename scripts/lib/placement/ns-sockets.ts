// Established TCP sockets inside a lab namespace (`ss` run there), and counts of them by local port or by peer.
import { sh } from "../core/shell.ts";
import { inNetns } from "./topology.ts";

export interface Endpoint {
  address: string;
  port: number;
}

export interface TcpConn {
  local: Endpoint;
  peer: Endpoint;
}

/** "10.77.0.10:8000" or "[::1]:8000" → address and port; null for anything else. */
export function parseEndpoint(text: string): Endpoint | null {
  const i = text.lastIndexOf(":");
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port)) return null;
  const address = text.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  return { address, port };
}

// NOTE: with a state filter and -H, `ss -tn` prints "Recv-Q Send-Q Local Peer" (no State column): the last two
// fields are the endpoints. A line that does not parse is skipped, not counted.
/** `ss -Htn state established` output → its connections. */
export function parseSs(text: string): TcpConn[] {
  const out: TcpConn[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = parseEndpoint(f[f.length - 2] ?? "");
    const peer = parseEndpoint(f[f.length - 1] ?? "");
    if (local && peer) out.push({ local, peer });
  }
  return out;
}

/** Every established TCP connection in ns; ss runs on cpus (the driver's side, never the measured one). */
export async function establishedIn(ns: string, cpus?: number[] | null): Promise<TcpConn[]> {
  const o = await sh`${inNetns(ns, ["ss", "-Htn", "state", "established"], cpus)}`;
  if (!o.ok) throw new Error(`ss in ${ns}: ${o.stderr.trim() || `exit ${o.exitCode}`}`);
  return parseSs(o.stdout);
}

/** Sockets accepted on `port` (optionally only from peer address `from`). */
export const accepted = (cs: TcpConn[], port: number, from?: string): number =>
  cs.filter((c) => c.local.port === port && (from === undefined || c.peer.address === from)).length;

/** Sockets this namespace opened to `to:port`. */
export const connectedTo = (cs: TcpConn[], to: string, port: number): number =>
  cs.filter((c) => c.peer.address === to && c.peer.port === port).length;
