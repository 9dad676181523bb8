// Files and directories that appear whole or not at all: written beside their final name, then renamed.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** mode: the file's permissions (e.g. 0o600 for the fleet's state); default the umask's. */
export function writeAtomic(path: string, text: string, mode?: number): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}

// NOTE: a directory is filled in <parent>/.tmp-<name>/ and renamed into place only when complete, so a Ctrl-C or
// a crash never leaves a half-written one (only a dot-dir, which loaders skip and ctrl-c checks look for).
export class AtomicDir {
  /** where the files go until commit */
  readonly tmp: string;
  readonly final: string;

  constructor(parent: string, name: string) {
    this.final = join(parent, name);
    this.tmp = join(parent, `.tmp-${name}`);
    if (existsSync(this.final)) throw new Error(`${this.final} already exists`);
    rmSync(this.tmp, { recursive: true, force: true }); // a dead run's leftovers under the same name
    mkdirSync(this.tmp, { recursive: true });
  }

  write(file: string, text: string | Buffer): void {
    writeFileSync(join(this.tmp, file), text);
  }

  commit(): string {
    renameSync(this.tmp, this.final);
    return this.final;
  }

  abandon(): void {
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** <parent>/<name>/ holding exactly these files (name → text), written whole or not at all; returns its path. */
export function writeDirAtomic(parent: string, name: string, files: Record<string, string>): string {
  const dir = new AtomicDir(parent, name);
  try {
    for (const [file, text] of Object.entries(files)) dir.write(file, text);
    return dir.commit();
  } catch (e) {
    dir.abandon();
    throw e;
  }
}
