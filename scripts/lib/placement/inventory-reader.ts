// Reading an inventory's fields: each one validated, each failure one line naming the field and the fix.
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { InvalidRun } from "../core/cli.ts";

export type Obj = Record<string, unknown>;

export class InventoryReader {
  constructor(readonly path: string) {}

  fail(field: string, why: string): InvalidRun {
    const example = /^(servers|lb)\b/.test(field) ? "fleet-example" : "example";
    return new InvalidRun(
      `inventory ${this.path}: ${field} ${why} — fix the file (format: configs/hosts/${example}.json)`,
    );
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw this.fail(field, "must be an object");
    return v as Obj;
  }

  name(o: Obj, field: string): string {
    const v = o.name;
    if (typeof v !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(v)) {
      throw this.fail(
        `${field}.name`,
        `must be a host name of letters, digits, "._-", got ${JSON.stringify(v)}`,
      );
    }
    return v;
  }

  ssh(o: Obj, field: string, nullable: boolean): string | null {
    const v = o.ssh;
    if (v === null && nullable) return null;
    if (typeof v !== "string" || !/^([A-Za-z_][A-Za-z0-9_.-]*@)?[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(v)) {
      const what = nullable
        ? "an ssh target like root@10.0.0.5, or null for this machine"
        : "an ssh target like root@10.0.0.5";
      throw this.fail(`${field}.ssh`, `must be ${what}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  port(o: Obj, field: string): number {
    const v = o.port ?? 22;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) {
      throw this.fail(`${field}.port`, `must be a TCP port, got ${JSON.stringify(v)}`);
    }
    return v as number;
  }

  cpus(o: Obj, field: string): number[] | null {
    const v = o.cpus ?? null;
    if (v === null) return null;
    if (!Array.isArray(v) || v.length === 0 || !v.every((c) => Number.isInteger(c) && c >= 0 && c < 4096)) {
      throw this.fail(
        `${field}.cpus`,
        `must be null or a non-empty list of CPU ids like [0, 1], got ${JSON.stringify(v)}`,
      );
    }
    return v as number[];
  }

  /** A key path: "~/" expanded, relative paths taken from the inventory's directory. */
  keyPath(v: unknown, field: string): string | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== "string" || v === "")
      throw this.fail(field, `must be a private key path, got ${JSON.stringify(v)}`);
    const p = v.startsWith("~/") ? `${homedir()}${v.slice(1)}` : v;
    return isAbsolute(p) ? p : resolve(dirname(this.path), p);
  }

  str(o: Obj, key: string, field: string, re: RegExp, like: string): string {
    const v = o[key];
    if (typeof v !== "string" || !re.test(v))
      throw this.fail(`${field}.${key}`, `must be ${like}, got ${JSON.stringify(v)}`);
    return v;
  }
}

export const ADDRESS_RE = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;
