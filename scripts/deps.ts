// make deps, wrk, peers, iproute2, sshd, chromium: apt-get the lab's system packages, only when missing.
import type { Argv } from "yargs";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { ensureSystemDep, isSystemDep, SYSTEM_DEPS } from "./lib/machine/system-deps.ts";

const names = Object.keys(SYSTEM_DEPS).join("|");
const cli = {
  name: "deps",
  usage: `$0 <${names}>... — apt-get install what is missing; silent when everything is there`,
  options: [] as const,
  more: (y: Argv) => y.demandCommand(1, `name what to install: ${names}`),
};

await driver(cli, async (a) => {
  for (const raw of a._.map(String)) {
    if (!isSystemDep(raw)) throw new InvalidRun(`unknown dependency "${raw}" — one of ${names}`);
    if ((await ensureSystemDep(raw)) === "installed") {
      process.stdout.write(`deps: installed ${SYSTEM_DEPS[raw].what}\n`);
    }
  }
  return 0;
});
