// The shield: every other task of the machine kept off the server's CPUs for a run, then put back exactly.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { procStat } from "../machine/proc.ts";
import { ROOT, shSync } from "../processes/shell.ts";
import { writeAtomic } from "../results/atomic.ts";
import { affinityOf, formatCpuList } from "./cpus.ts";

// NOTE: why (docs/generator.md): on this VM its agent (PID 1, nice −10) takes the server's CPU for 8–17 ms at a
// time; moving it off CPU 1 cut the server's own p99 lateness from 11.6–20.7 ms to 2.6 ms (paced 20k/20k).
// NOTE: kernel threads stay (per-CPU ones cannot move), and so does a task allowed only on the server's CPUs
// (the server itself). A task started during the shield by a moved parent inherits the narrower set and is not
// put back: the shield is for the length of a run.

/** One task moved: its thread id, start time (a recycled tid is another task) and its set before. */
export interface ShieldedTask {
  tid: number;
  comm: string;
  startTicks: number;
  before: number[];
}

export interface ShieldState {
  serverCpus: number[];
  tasks: ShieldedTask[];
}

/** Where the moved tasks' sets are saved until they are put back; LAB_SHIELD_STATE overrides (tests). */
export function shieldStatePath(): string {
  return process.env.LAB_SHIELD_STATE || join(ROOT, "results/.shield-saved.json");
}

const PF_KTHREAD = 0x00200000;

interface Task {
  pid: number;
  tid: number;
  comm: string;
  startTicks: number;
  kernel: boolean;
  /** nice, −20..19: below 0 it outweighs the server (nice 0) on a shared CPU */
  nice: number;
  cpus: number[];
}

// NOTE: /proc/<tid> answers for any thread, not only a process's main one.
function readTask(pid: number, tid: number): Task | null {
  const st = procStat(tid);
  const cpus = affinityOf(tid);
  if (!st || !cpus) return null; // gone meanwhile
  const { comm, startTicks, nice } = st;
  return { pid, tid, comm, startTicks, nice, kernel: (st.flags & PF_KTHREAD) !== 0, cpus };
}

/** Every user task (thread) of the pids given (default: all of /proc). */
function tasks(pids?: readonly number[]): Task[] {
  const all =
    pids ??
    readdirSync("/proc")
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  return all.flatMap((pid) => {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return [];
    }
    return tids.flatMap((t) => readTask(pid, Number(t)) ?? []);
  });
}

function setAffinity(tid: number, cpus: number[]): boolean {
  return shSync`taskset -pc ${formatCpuList(cpus)} ${tid}`.exitCode === 0;
}

/** The user tasks that may run on a server CPU and elsewhere: what the shield moves (and make doctor names). */
export function neighbours(serverCpus: number[], pids?: readonly number[]): Task[] {
  const inside = new Set(serverCpus);
  return tasks(pids).filter(
    (t) => !t.kernel && t.cpus.some((c) => inside.has(c)) && t.cpus.some((c) => !inside.has(c)),
  );
}

/**
 * Move every task allowed on a server CPU and elsewhere to its CPUs outside the server's; saved first.
 * `pids`: only these processes' tasks (tests); default every process. Returns the state (tasks moved).
 */
export function raiseShield(
  serverCpus: number[],
  pids?: readonly number[],
  path = shieldStatePath(),
): ShieldState {
  if (existsSync(path))
    throw new InvalidRun(`a previous shield was not put back (${path}) — run \`make unshield\` first`);
  const inside = new Set(serverCpus);
  const movable = neighbours(serverCpus, pids);
  const state: ShieldState = {
    serverCpus,
    tasks: movable.map(({ tid, comm, startTicks, cpus }) => ({ tid, comm, startTicks, before: cpus })),
  };
  save(state, path); // NOTE: saved before any task moves
  // NOTE: a task that exits (or refuses) between the scan and taskset is not moved, and not put back later:
  // the saved list is rewritten with the moved ones only, so unshield never resets a set it did not change.
  state.tasks = state.tasks.filter((t) =>
    setAffinity(
      t.tid,
      t.before.filter((c) => !inside.has(c)),
    ),
  );
  save(state, path);
  return state;
}

function save(state: ShieldState, path: string): void {
  writeAtomic(path, `${JSON.stringify(state, null, 1)}\n`);
}

/** Put every saved task still alive (same start time) back on its set; remove the state. Returns how many. */
export function lowerShield(path = shieldStatePath()): number {
  let state: ShieldState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as ShieldState;
  } catch {
    return 0; // nothing saved: nothing to put back
  }
  let restored = 0;
  for (const t of state.tasks) {
    if (procStat(t.tid)?.startTicks === t.startTicks && setAffinity(t.tid, t.before)) restored++;
  }
  rmSync(path, { force: true });
  return restored;
}
