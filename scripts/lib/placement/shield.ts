// The shield: every other task of the machine kept off the server's CPUs for a run, then put back exactly.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../core/atomic.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { shSync } from "../core/shell.ts";
import { procStat } from "../machine/proc.ts";
import { affinityOf, formatCpuList } from "./cpus.ts";

// NOTE: why (docs/generator.md): a system task at higher priority preempted the server's CPU for 8–17 ms at a
// time; keeping it off that CPU cut the server's own p99 lateness from 11.6–20.7 ms to 2.6 ms (paced 20k/20k).
// NOTE: never touched (lab contract): PID 1 and its threads, kernel threads, this process, its ancestors and its
// descendants (the lab's own server and wrk), and a task allowed only on the server's CPUs. A task started
// during the shield by a moved parent inherits the narrower set and is not put back: the shield lasts one run.
// NOTE: mechanism = sched_setaffinity (taskset), per task. A cgroup cpuset fence would rewrite cgroups the init
// system owns (every service's slice), which is more of the machine than the shield needs to touch.
export const SHIELD_MECHANISM = "affinity";

/** One task moved: its thread id, start time (a recycled tid is another task) and its set before. */
export interface ShieldedTask {
  tid: number;
  comm: string;
  startTicks: number;
  before: number[];
  /** the set the shield gave it: put back only while the task still has exactly this one */
  given: number[];
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
  ppid: number;
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
  const { comm, startTicks, nice, ppid } = st;
  return { pid, ppid, tid, comm, startTicks, nice, kernel: (st.flags & PF_KTHREAD) !== 0, cpus };
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

/** PID 1, this process, its ancestors and its descendants: the pids the shield never touches. */
function untouchable(all: readonly Task[]): Set<number> {
  const parent = new Map(all.map((t) => [t.pid, t.ppid]));
  const keep = new Set([1, process.pid]);
  for (let p = procStat(process.pid)?.ppid ?? 0; p > 1; p = parent.get(p) ?? 0) keep.add(p);
  const mine = new Set([process.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (mine.has(pid) || !mine.has(ppid)) continue;
      mine.add(pid);
      grew = true;
    }
  }
  return new Set([...keep, ...mine]);
}

/** The user tasks that may run on a server CPU and elsewhere, whoever owns them (make doctor names them). */
export function sharers(serverCpus: number[], pids?: readonly number[]): Task[] {
  return sharing(serverCpus, tasks(pids));
}

function sharing(serverCpus: number[], of: Task[]): Task[] {
  const inside = new Set(serverCpus);
  return of.filter(
    (t) => !t.kernel && t.cpus.some((c) => inside.has(c)) && t.cpus.some((c) => !inside.has(c)),
  );
}

/** What the shield moves: the sharers less PID 1 and the lab's own process tree (untouchable). */
export function neighbours(serverCpus: number[], pids?: readonly number[]): Task[] {
  // NOTE: /proc is walked once for the whole machine (the process tree needs it); `pids` only narrows the result.
  const all = tasks();
  const mine = untouchable(all);
  const picked = pids ? all.filter((t) => pids.includes(t.pid)) : all;
  return sharing(serverCpus, picked).filter((t) => !mine.has(t.pid));
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
    tasks: movable.map(({ tid, comm, startTicks, cpus }) => ({
      tid,
      comm,
      startTicks,
      before: cpus,
      given: cpus.filter((c) => !inside.has(c)),
    })),
  };
  save(state, path); // NOTE: saved before any task moves
  // NOTE: a task that exits (or refuses) between the scan and taskset is not moved, and not put back later:
  // the saved list is rewritten with the moved ones only, so unshield never resets a set it did not change.
  state.tasks = state.tasks.filter((t) => setAffinity(t.tid, t.given));
  save(state, path);
  return state;
}

function save(state: ShieldState, path: string): void {
  writeAtomic(path, `${JSON.stringify(state, null, 1)}\n`);
}

export interface Lowered {
  restored: number;
  /** alive, but someone else changed its set since: left as it is */
  changed: string[];
  /** could not be put back: kept in the state file for `make unshield` */
  failed: string[];
}

const label = (t: ShieldedTask): string => `${t.comm} (tid ${t.tid})`;
const sameSet = (a: number[] | null, b: number[]): boolean => a !== null && a.join() === b.join();

/**
 * Put back every saved task that is still the same task (start time) on the set the shield gave it. The state
 * file goes only when nothing is left to retry; the tasks that failed stay in it, and are named.
 */
export function lowerShield(path = shieldStatePath()): Lowered {
  const out: Lowered = { restored: 0, changed: [], failed: [] };
  let state: ShieldState;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as ShieldState;
  } catch {
    return out; // nothing saved: nothing to put back
  }
  const keep: ShieldedTask[] = [];
  for (const t of state.tasks) {
    if (procStat(t.tid)?.startTicks !== t.startTicks) continue; // gone (or its tid reused)
    // NOTE: an older state file has no `given`: its set then was the saved one minus the server's CPUs.
    const given = t.given ?? t.before.filter((c) => !state.serverCpus.includes(c));
    if (!sameSet(affinityOf(t.tid), given)) out.changed.push(label(t));
    else if (setAffinity(t.tid, t.before)) out.restored++;
    else keep.push(t);
  }
  out.failed = keep.map(label);
  if (keep.length === 0) rmSync(path, { force: true });
  else save({ ...state, tasks: keep }, path);
  return out;
}

/** One line for people: how many put back, and every task left as it was or not put back, by name. */
export function loweredText(l: Lowered): string {
  const parts = [l.restored > 0 ? `${l.restored} tasks back on their CPUs` : "nothing to put back"];
  if (l.changed.length) parts.push(`left as found (set changed since): ${l.changed.join(", ")}`);
  if (l.failed.length) parts.push(`NOT put back (kept for make unshield): ${l.failed.join(", ")}`);
  return parts.join("; ");
}
