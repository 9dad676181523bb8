// `make wrk` / `make peers` (and `make deps`): install the lab's system packages with apt-get, only when missing.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { InvalidRun, parseArgs, runMain } from "./lib/core/cli.ts";
import { ensureSystemDep, isSystemDep, SYSTEM_DEPS } from "./lib/machine/system-deps.ts";

await runMain(async () => {
  const names = Object.keys(SYSTEM_DEPS).join("|");
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("deps")
      .usage(`$0 <${names}>... — apt-get install what is missing; silent when everything is there`)
      .demandCommand(1, `name what to install: ${names}`),
  );
  for (const raw of a._.map(String)) {
    if (!isSystemDep(raw)) throw new InvalidRun(`unknown dependency "${raw}" — one of ${names}`);
    if ((await ensureSystemDep(raw)) === "installed") {
      process.stdout.write(`deps: installed ${SYSTEM_DEPS[raw].what}\n`);
    }
  }
  return 0;
});
