// A fleet to interrupt (run as a child by the tests): hosts up, servers and HAProxy started, "ready <pids>" printed.
// Its namespaces take LAB_NETNS_PREFIX; Ctrl-C must leave nothing and exit 130.
import { Interrupted } from "../../scripts/lib/core/interrupt.ts";
import { startFleetLab } from "../../scripts/lib/placement/fleet-lab.ts";
import { withFleetNetns } from "../../scripts/lib/placement/fleet-netns.ts";
import { loadNetConfig } from "../../scripts/lib/placement/net-config.ts";
import { BASE, fleetPids, SHAPE } from "./fleet.ts";

try {
  await withFleetNetns(
    SHAPE,
    async (f) => {
      const pids = await fleetPids(await startFleetLab({ ...BASE, fleet: f }));
      process.stdout.write(`ready ${JSON.stringify(pids)}\n`);
      await new Promise(() => setInterval(() => {}, 1000));
    },
    loadNetConfig(),
  );
} catch (e) {
  if (e instanceof Interrupted) process.exit(130);
  throw e;
}
