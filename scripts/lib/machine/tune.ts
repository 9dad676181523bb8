// tune / untune: apply a sysctl profile (saving the original values first), and restore them byte for byte.
import { existsSync, rmSync } from "node:fs";
import { writeAtomic } from "../core/atomic.ts";
import { requireRoot } from "../core/shell.ts";
import { normalizeValue, readRaw, writeRaw } from "./sysctl-raw.ts";
import { persistPath, readState, removeState, statePath, type TuneState, writeState } from "./tune-state.ts";
import { loadProfile } from "./tuning-profile.ts";

interface Change {
  key: string;
  before: string;
  after: string;
}

const show = (raw: string): string => normalizeValue(raw) || '""';

function printTable(title: string, changes: Change[]): void {
  const w = Math.max(...changes.map((c) => c.key.length));
  const b = Math.max(...changes.map((c) => show(c.before).length));
  process.stdout.write(`${title}\n`);
  for (const c of changes) {
    const same = c.before === c.after ? "  (unchanged)" : "";
    process.stdout.write(`  ${c.key.padEnd(w)}: ${show(c.before).padEnd(b)} → ${show(c.after)}${same}\n`);
  }
}

function writeError(key: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new Error(`cannot write ${key} (${code})`);
}

/** /etc/sysctl.d file holding every saved key's value now in force, so a reboot re-applies the tuning. */
function persist(state: TuneState): string {
  const path = persistPath();
  const lines = Object.keys(state.original).map((k) => `${k} = ${normalizeValue(readRaw(k))}`);
  const head = `# written by scripts/tune.ts (profiles: ${state.profiles.join(", ")}); \`make untune\` removes it\n`;
  writeAtomic(path, `${head}${lines.join("\n")}\n`);
  return path;
}

/** Save the originals (once), apply configs/tuning/<name>.conf; 0 done, 1 a write failed (rolled back). */
export function tune(name: string, doPersist: boolean): number {
  const profile = loadProfile(name);
  requireRoot("tune", "writes /proc/sys");
  const path = statePath();
  const prior = readState(path);
  const state: TuneState = structuredClone(prior) ?? {
    version: 1,
    savedAt: new Date().toISOString(),
    profiles: [],
    original: {},
    persisted: null,
  };
  const changes: Change[] = profile.settings.map((s) => ({ key: s.key, before: readRaw(s.key), after: "" }));
  // NOTE: only keys not saved yet are added: a second tune must not replace the ORIGINAL values.
  for (const c of changes) if (!(c.key in state.original)) state.original[c.key] = c.before;
  state.profiles.push(name);
  writeState(state, path); // saved before anything is written
  const done: Change[] = [];
  try {
    for (const [i, s] of profile.settings.entries()) {
      const c = changes[i] as Change;
      try {
        writeRaw(s.key, s.value);
      } catch (e) {
        throw writeError(s.key, e);
      }
      done.push(c);
      c.after = readRaw(s.key);
      // NOTE: the kernel may accept a value and store another (clamps, "2 1" ping ranges become "1 0").
      if (normalizeValue(c.after) !== s.value) {
        throw new Error(
          `${s.key}: wrote "${s.value}" but the kernel holds "${show(c.after)}" (${profile.path}:${s.line})`,
        );
      }
    }
  } catch (e) {
    // NOTE: undo this invocation's writes and put the state file back as it was before it.
    for (const c of done.reverse()) {
      try {
        writeRaw(c.key, c.before);
      } catch {}
    }
    if (prior === null) removeState(path);
    else writeState(prior, path);
    process.stderr.write(`tune: ${(e as Error).message} — this profile's changes were rolled back\n`);
    return 1;
  }
  // NOTE: once persisted, every later tune rewrites the file, so boot applies what is in force now.
  if (doPersist || state.persisted !== null) {
    state.persisted = persist(state);
    writeState(state, path);
  }
  printTable(`tune ${name} (originals saved in ${path}):`, changes);
  if (state.persisted) process.stdout.write(`persisted: ${state.persisted} (applied again at boot)\n`);
  else if (existsSync(persistPath())) {
    process.stdout.write(`note: ${persistPath()} from an earlier --persist still applies at boot\n`);
  }
  return 0;
}

/** Restore every saved original exactly, then drop the state; 0 done (or nothing saved), 1 a write failed. */
export function untune(): number {
  const path = statePath();
  const state = readState(path);
  const conf = persistPath();
  if (state === null) {
    process.stdout.write(`untune: nothing to restore (no ${path})\n`);
    if (existsSync(conf)) {
      requireRoot("untune", "writes /proc/sys");
      rmSync(conf);
      process.stdout.write(`removed ${conf}\n`);
    }
    return 0;
  }
  requireRoot("untune", "writes /proc/sys");
  const changes: Change[] = [];
  const failed: string[] = [];
  for (const [key, original] of Object.entries(state.original)) {
    let before: string;
    try {
      before = readRaw(key);
      writeRaw(key, original);
    } catch (e) {
      failed.push(writeError(key, e).message);
      continue;
    }
    const after = readRaw(key);
    if (after !== original) failed.push(`${key}: restored "${show(original)}" but reads "${show(after)}"`);
    changes.push({ key, before, after });
  }
  if (changes.length > 0) printTable(`untune (from ${path}):`, changes);
  if (failed.length > 0) {
    process.stderr.write(`untune: ${failed.join("; ")} — ${path} kept, fix and run untune again\n`);
    return 1;
  }
  for (const p of new Set([state.persisted, conf])) {
    if (p && existsSync(p)) {
      rmSync(p);
      process.stdout.write(`removed ${p}\n`);
    }
  }
  removeState(path);
  return 0;
}
