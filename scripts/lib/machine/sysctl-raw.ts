// Byte-exact sysctl access through /proc/sys, for saving and restoring values exactly as the kernel shows them.
import { readFileSync, writeFileSync } from "node:fs";

/** /proc/sys path of a sysctl name ("net.core.somaxconn" → /proc/sys/net/core/somaxconn). */
export function sysctlPath(key: string): string {
  // NOTE: same mapping as limits.ts readSysctl: names with "/" are taken as paths (for components with dots).
  return `/proc/sys/${key.includes("/") ? key : key.replaceAll(".", "/")}`;
}

/**
 * The value as /proc/sys holds it, minus the one trailing newline the kernel appends.
 * NOTE: multi-number values are tab-separated here (ip_local_port_range reads "32768\t60999"), while
 * `sysctl` prints and profiles write them space-separated; compare with normalizeValue().
 */
export function readRaw(key: string): string {
  return readFileSync(sysctlPath(key), "utf8").replace(/\n$/, "");
}

/** Write a value (raw or space-separated: the kernel parses any whitespace). Throws EINVAL/EACCES/EROFS. */
export function writeRaw(key: string, value: string): void {
  // NOTE: a zero-byte write is ignored by the kernel (ip_local_reserved_ports keeps its list): "\n" empties it.
  writeFileSync(sysctlPath(key), value === "" ? "\n" : value);
}

/** Runs of spaces/tabs → one space, trimmed: the form readSysctl() returns and profiles use. */
export function normalizeValue(v: string): string {
  return v.trim().replace(/[ \t]+/g, " ");
}

/** A profile's value: normalized, with `""` standing for the empty value (an empty list, e.g. no reserved ports). */
export function profileValueText(v: string): string {
  const n = normalizeValue(v);
  return n === '""' ? "" : n;
}
