// Processes known by pid and start time, signalled and waited for until /proc has no trace of them (reaped).
import { setTimeout as sleep } from "node:timers/promises";
import { allPids, procStat } from "../machine/proc.ts";

/** A process as it was when first seen: its start time tells it from a later process given the same pid. */
export interface Known {
  pid: number;
  startTicks: number;
}

/** How long a teardown waits, after the exits, for every exited process to be reaped (by its parent or PID 1). */
export const REAP_MS = 5000;

/** pids as they are now (those already gone are left out). */
export function know(pids: number[]): Known[] {
  return pids.flatMap((pid) => {
    const st = procStat(pid);
    return st ? [{ pid, startTicks: st.startTicks }] : [];
  });
}

/** Every member of process group pgid now: its leader and the descendants that stayed in it. */
export function groupMembers(pgid: number): Known[] {
  if (pgid <= 0) return []; // NOTE: group 0 is the kernel's threads: a child that never started has no group
  return know(allPids().filter((pid) => procStat(pid)?.pgrp === pgid));
}

/** Still in /proc as itself: running, or exited and not yet reaped (a zombie). */
export function present(k: Known): boolean {
  return procStat(k.pid)?.startTicks === k.startTicks;
}

/** Nothing of it runs any more: gone, or a zombie (its parent, or PID 1 after the parent's death, still to reap it). */
export function exited(k: Known): boolean {
  const st = procStat(k.pid);
  return st?.startTicks !== k.startTicks || st.state === "Z";
}

/** Send s to each of ks that is still itself. */
export function signalEach(ks: Known[], s: NodeJS.Signals): void {
  for (const k of ks) {
    if (!present(k)) continue;
    try {
      process.kill(k.pid, s);
    } catch {
      // gone meanwhile
    }
  }
}

/** Poll (every stepMs) until done holds for every one of current(), or ms passed; those it does not hold for. */
export async function waitUntil(
  current: () => Known[] | Promise<Known[]>,
  done: (k: Known) => boolean,
  ms: number,
  stepMs = 20,
): Promise<Known[]> {
  const until = performance.now() + ms;
  for (;;) {
    const left = (await current()).filter((k) => !done(k));
    if (left.length === 0 || performance.now() >= until) return left;
    await sleep(stepMs);
  }
}
