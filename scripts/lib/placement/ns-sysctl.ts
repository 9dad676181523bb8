// Per-namespace sysctls: written with `ip netns exec NS sysctl -w`, read back and recorded as the kernel shows them.
import { InvalidRun } from "../core/cli.ts";
import { must, run } from "../core/shell.ts";

// NOTE: a new namespace does NOT inherit the root namespace's net.* values: it starts from the kernel defaults
// (somaxconn 4096, port range 32768-60999, …), so every emulated host is tuned here, and `make tune` does not
// reach it. net.core.netdev_max_backlog and fs.* stay machine-wide.
// NOTE: IPv6 is switched off before any interface exists, so no link-local address or router solicitation
// is ever made: the only traffic on the lab bridge is what the lab sends. -e: a kernel without IPv6 is fine.
const IPV6_OFF = ["net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];

const norm = (v: string): string => v.trim().replace(/\s+/g, " ");

export function nsExec(ns: string, argv: string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}

/** Quiet IPv6 off in a fresh namespace (before its links are made). */
export async function ipv6Off(ns: string): Promise<void> {
  await run(nsExec(ns, ["sysctl", "-q", "-e", "-w", ...IPV6_OFF]));
}

/** Apply every key inside ns and return what the kernel holds afterwards; a value that did not stick fails. */
export async function applyNsSysctls(
  ns: string,
  want: Record<string, string>,
): Promise<Record<string, string>> {
  const keys = Object.keys(want);
  if (keys.length === 0) return {};
  const fix = "fix the key or value in configs/net.json (they must be per-namespace net.* sysctls)";
  await must(
    nsExec(ns, ["sysctl", "-q", "-w", ...keys.map((k) => `${k}=${want[k]}`)]),
    `sysctl in ${ns}`,
    fix,
  );
  const got = await readNsSysctls(ns, keys);
  for (const k of keys) {
    if (got[k] !== norm(want[k] ?? "")) {
      throw new InvalidRun(`sysctl ${k} in ${ns} reads "${got[k]}" after writing "${want[k]}" — ${fix}`);
    }
  }
  return got;
}

/** key → value as `sysctl -n` prints it (space-separated), read inside ns. */
export async function readNsSysctls(ns: string, keys: string[]): Promise<Record<string, string>> {
  const out = await must(
    nsExec(ns, ["sysctl", "-n", ...keys]),
    `reading sysctls in ${ns}`,
    "run make netns-clean",
  );
  const lines = out.split("\n").slice(0, keys.length);
  return Object.fromEntries(keys.map((k, i) => [k, norm(lines[i] ?? "")]));
}
