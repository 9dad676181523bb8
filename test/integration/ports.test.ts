// The lab's ports: reserved by the tuning profiles (and restored), and a TIME_WAIT holder told apart from a server.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { portHolder } from "../../server/port-holders.ts";
import { type CaptureOptions, REPO, run, runCli } from "../helpers/cli.ts";
import { ownNetns, testPrefix } from "../helpers/netns.ts";

const KEY = "/proc/sys/net/ipv4/ip_local_reserved_ports";
const ROOT_BEFORE = readFileSync(KEY, "utf8");
const dir = mkdtempSync(join(tmpdir(), "ports-test-"));
const env = { LAB_TUNING_DIR: dir, LAB_TUNE_STATE: join(dir, "state.json") };
const ROOT_USER = process.getuid?.() === 0;

after(() => {
  rmSync(dir, { recursive: true, force: true });
  assert.equal(readFileSync(KEY, "utf8"), ROOT_BEFORE, "the machine's reserved ports changed");
});

// NOTE: in a namespace of the test's own: the reservation is per namespace, and the machine's stays as it was.
test("tune applies the 20k profile's reserved ports; untune restores the original list exactly", {
  skip: ROOT_USER ? false : "needs root (network namespaces)",
}, async (t) => {
  const ns = await ownNetns("r");
  t.after(ns.remove);
  const cli = (...args: string[]) =>
    run(...ns.exec([process.execPath, "--import", "tsx", "scripts/tune.ts", ...args]), { env });
  const read = async () => (await run(...ns.exec(["cat", KEY]))).stdout;
  const original = await read();
  const line = readFileSync(join(REPO, "configs/tuning/20k.conf"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("net.ipv4.ip_local_reserved_ports"));
  assert.ok(line, "the 20k profile reserves no ports");
  writeFileSync(join(dir, "ports.conf"), `${line}\n`);
  const tuned = await cli("tune", "--profile", "ports");
  assert.equal(tuned.code, 0, tuned.stderr);
  assert.match(await read(), /(^|,)8000-8099(,|\n)/);
  const u = await cli("untune");
  assert.equal(u.code, 0, u.stderr);
  assert.equal(await read(), original);
});

// NOTE: the client closes first, so its side (local port P) sits in TIME_WAIT for 60 s; P is autobound without
// SO_REUSEADDR, as wrk's sockets are. All of it runs in a namespace of the test's own: its TCP table holds only
// this test's sockets, so no other test's TIME_WAIT load (past tcp_max_tw_buckets the kernel drops new ones
// silently) or socket churn can hide the one under test.
const TIME_WAIT_CLIENT = `
import socket
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
c = socket.socket(); c.bind(("127.0.0.1", 0)); c.connect(srv.getsockname())
a, _ = srv.accept()
port = c.getsockname()[1]
c.close()
assert a.recv(1) == b""
a.close()
print(port)
`;
const NS = `${testPrefix("p")}ns`;
// NOTE: bounded, so a server that does start (the port was free after all) fails the test instead of hanging it.
const inNs = (argv: string[]): [string, string[], CaptureOptions] => [
  "ip",
  ["netns", "exec", NS, ...argv],
  { timeoutMs: 20_000 },
];

test("a port held only by a TIME_WAIT client socket is named as such (in a namespace of its own)", {
  skip: ROOT_USER ? false : "needs root (network namespaces)",
  timeout: 60_000,
}, async (t) => {
  assert.equal((await run("ip", ["netns", "add", NS])).code, 0);
  t.after(() => run("ip", ["netns", "del", NS]));
  assert.equal((await run("ip", ["-n", NS, "link", "set", "lo", "up"])).code, 0);
  const client = await run(...inNs(["/usr/bin/python3", "-c", TIME_WAIT_CLIENT]));
  assert.equal(client.code, 0, client.stderr);
  const port = Number(client.stdout.trim());
  const tw = await run(
    ...inNs([
      process.execPath,
      "--import",
      "tsx",
      "server/main.ts",
      "--workers",
      "1",
      "--port",
      String(port),
    ]),
  );
  const sockets = (await run(...inNs(["ss", "-tan"]))).stdout;
  assert.equal(tw.code, 2, `${tw.stderr}\nsockets in ${NS}:\n${sockets}`);
  assert.match(tw.stderr, new RegExp(`port ${port} .*TIME_WAIT.*wait up to 60 s`), sockets);
  assert.equal(tw.stderr.trim().split("\n").length, 1, tw.stderr);
});

test("a port with a listener is named as a server's", async (t) => {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  t.after(() => new Promise<void>((r) => srv.close(() => r())));
  const target = (srv.address() as { port: number }).port;
  assert.equal(portHolder(target), "listener");
  const busy = await runCli("server/main.ts", ["--workers", "1", "--port", String(target)]);
  assert.equal(busy.code, 2, busy.stderr);
  assert.match(busy.stderr, new RegExp(`port ${target} .*already in use \\(a server listens there\\)`));
});
