// Entry point: parse options, then throng runs the primary (startPrimary) and N workers (runWorker).
import throng from "throng";
import { parseServerOptions } from "./options.ts";
import { startPrimary } from "./primary.ts";
import { runWorker } from "./worker.ts";

const opts = parseServerOptions();

// NOTE: throng 5 revives dead workers forever (lifetime: Infinity) and exits on its own signal handling.
// lifetime 0 turns its revival off and signals [] its handlers: primary.ts owns both, with a crash-loop bound.
await throng({
  count: opts.workers,
  lifetime: 0,
  signals: [],
  master: () => startPrimary(opts),
  worker: (id: number) => runWorker(id, opts),
});
