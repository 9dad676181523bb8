// Who holds a local TCP port, from /proc/net/tcp{,6}: a listening server, or only client sockets in TIME_WAIT.
import { readFileSync } from "node:fs";

export type PortHolder = "listener" | "time-wait" | "other" | "none";

const LISTEN = "0A";
const TIME_WAIT = "06";

/** TCP states (hex, as /proc shows them) of every socket whose local port is `port`. */
function localStates(port: number): string[] {
  const states: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // NOTE: no IPv6 on this kernel
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      if (!local || !f[3]) continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) states.push(f[3]);
    }
  }
  return states;
}

// NOTE: a client port range covering the server's port lets wrk's sockets take it as their *local* port; after
// a run they sit in TIME_WAIT for 60 s and a new bind fails with EADDRINUSE although nothing listens.
export function portHolder(port: number): PortHolder {
  const s = localStates(port);
  if (s.includes(LISTEN)) return "listener";
  if (s.length > 0 && s.every((x) => x === TIME_WAIT)) return "time-wait";
  return s.length > 0 ? "other" : "none";
}
