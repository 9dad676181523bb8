// The lab's ports: reserved by the tuning profiles (and restored), and a TIME_WAIT holder told apart from a server.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { freePort } from "../../scripts/lib/processes/server.ts";
import { portHolder } from "../../server/port-holders.ts";
import { REPO, run, runCli } from "../helpers/cli.ts";

const KEY = "/proc/sys/net/ipv4/ip_local_reserved_ports";
const ORIGINAL = readFileSync(KEY, "utf8");
const dir = mkdtempSync(join(tmpdir(), "ports-test-"));
const env = { LAB_TUNING_DIR: dir, LAB_TUNE_STATE: join(dir, "state.json") };

after(() => {
  if (readFileSync(KEY, "utf8") !== ORIGINAL) writeFileSync(KEY, ORIGINAL === "\n" ? "\n" : ORIGINAL);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(readFileSync(KEY, "utf8"), ORIGINAL, "reserved ports not restored");
});

const cli = (script: string, ...args: string[]) => runCli(script, args, { env });

test("tune applies the 20k profile's reserved ports; untune restores the original list exactly", async () => {
  const line = readFileSync(join(REPO, "configs/tuning/20k.conf"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("net.ipv4.ip_local_reserved_ports"));
  assert.ok(line, "the 20k profile reserves no ports");
  writeFileSync(join(dir, "ports.conf"), `${line}\n`);
  const t = await cli("scripts/tune.ts", "tune", "--profile", "ports");
  assert.equal(t.code, 0, t.stderr);
  assert.match(readFileSync(KEY, "utf8"), /(^|,)8000-8099(,|\n)/);
  const u = await cli("scripts/tune.ts", "untune");
  assert.equal(u.code, 0, u.stderr);
  assert.equal(readFileSync(KEY, "utf8"), ORIGINAL);
});

// NOTE: the client binds its local port without SO_REUSEADDR, as wrk's autobound sockets are; it closes first,
// so its side of the connection (local port P) sits in TIME_WAIT for 60 s.
const TIME_WAIT_CLIENT = `
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.connect(("127.0.0.1", int(sys.argv[2])))
s.close()
`;

test("a port held only by a TIME_WAIT client socket is named as such; a listener as a server", async () => {
  const srv = createServer((c) => c.on("end", () => c.end()));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const target = (srv.address() as { port: number }).port;
  const port = await freePort();
  const client = await run("/usr/bin/python3", ["-c", TIME_WAIT_CLIENT, String(port), String(target)]);
  assert.equal(client.code, 0, client.stderr);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(portHolder(port), "time-wait");
  const tw = await cli("server/main.ts", "--workers", "1", "--port", String(port));
  assert.equal(tw.code, 2, tw.stderr);
  assert.match(tw.stderr, new RegExp(`port ${port} .*TIME_WAIT.*wait up to 60 s`));
  assert.equal(tw.stderr.trim().split("\n").length, 1, tw.stderr);

  assert.equal(portHolder(target), "listener");
  const busy = await cli("server/main.ts", "--workers", "1", "--port", String(target));
  srv.close();
  assert.equal(busy.code, 2, busy.stderr);
  assert.match(busy.stderr, new RegExp(`port ${target} .*already in use \\(a server listens there\\)`));
});
