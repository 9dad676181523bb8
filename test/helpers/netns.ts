// Test network namespaces: one fixed "labt" prefix that make netns-clean sweeps, and a namespace of a test's own.
import { TEST_PREFIX } from "../../scripts/lib/placement/net-config.ts";
import { run } from "./cli.ts";

/** A namespace prefix of this test process's own: `labt` + a tag + its pid (a killed run is swept by prefix). */
export const testPrefix = (tag: string): string => `${TEST_PREFIX}${tag}${process.pid % 100_000}-`;

export interface OwnNetns {
  name: string;
  /** argv to run a command inside it */
  exec: (argv: string[]) => [string, string[]];
  remove: () => Promise<void>;
}

/** Make `${testPrefix(tag)}ns` with loopback up; the caller removes it (t.after / after). */
export async function ownNetns(tag: string): Promise<OwnNetns> {
  const name = `${testPrefix(tag)}ns`;
  await run("ip", ["netns", "del", name]); // a leftover of a killed run with the same pid
  const add = await run("ip", ["netns", "add", name]);
  if (add.code !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  await run("ip", ["-n", name, "link", "set", "lo", "up"]);
  return {
    name,
    exec: (argv) => ["ip", ["netns", "exec", name, ...argv]],
    remove: async () => {
      await run("ip", ["netns", "del", name]);
    },
  };
}
