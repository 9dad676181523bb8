// `make unshield`: put back the tasks a killed `make lab SHIELD=1` left off the server's CPUs (safe twice).
import { runMain } from "./lib/core/cli.ts";
import { loweredText, lowerShield, shieldStatePath } from "./lib/placement/shield.ts";

await runMain(async () => {
  const path = shieldStatePath();
  const l = lowerShield(path);
  process.stdout.write(`unshield: ${loweredText(l)} (${path})\n`);
  return l.failed.length > 0 ? 1 : 0;
});
