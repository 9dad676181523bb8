// `make tune` / `make untune`: apply a sysctl profile (originals saved first), and restore them byte for byte.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { parseArgs, runMain } from "./lib/core/cli.ts";
import { options } from "./lib/core/options.ts";
import { tune, untune } from "./lib/machine/tune.ts";

await runMain(async () => {
  const a = parseArgs(
    options(
      yargs(hideBin(process.argv))
        .scriptName("tune")
        .usage(
          "$0 tune [--profile 20k] [--persist] | $0 untune — exit 0 done, 1 a write failed (rolled back), 2 bad input or not root",
        )
        .command("tune", "save the current values, then apply configs/tuning/<profile>.conf")
        .command("untune", "restore the saved values exactly and delete the state file")
        .demandCommand(1, 1),
      ["profile", "persist"] as const,
    ),
  );
  const code = String(a._[0]) === "untune" ? untune() : tune(a.profile, a.persist);
  return code === 1 ? { code, says: "FAIL (a write failed, see above)" } : code;
});
