// Child servers in their own process groups: one kill takes a primary and its workers; none outlive us.
import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
// NOTE: spawn servers with detached: true (a group of their own), so a group kill also reaches workers
// whose command line does not name the app (uvicorn's), and SIGKILL every live group when we exit.
process.on("exit", () => {
  for (const p of live) killGroup(p, "SIGKILL");
});

export function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, signal);
  } catch {
    // already gone
  }
}

/** Track a detached child until it exits; then SIGKILL its group (workers may outlive their primary). */
export function trackGroup(p: ChildProcess): void {
  live.add(p);
  p.once("exit", () => {
    live.delete(p);
    killGroup(p, "SIGKILL");
  });
}
