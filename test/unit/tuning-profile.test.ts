// Tuning profiles as text: the repo's own profiles parse and agree on their keys; bad lines name file:line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { loadProfile, parseProfile } from "../../scripts/lib/machine/tuning-profile.ts";

const PROFILES = fileURLToPath(new URL("../../configs/tuning/", import.meta.url));

test("tuning profiles parse, name real sysctls, and default covers every key", () => {
  const def = new Set(loadProfile("default", PROFILES).settings.map((s) => s.key));
  for (const name of ["20k", "100k"]) {
    for (const s of loadProfile(name, PROFILES).settings) {
      assert.ok(def.has(s.key), `${name}: ${s.key} missing from default.conf`);
    }
  }
});

test("parseProfile: comments, spacing and tabs normalized; malformed, repeated or unknown keys refused", () => {
  const text =
    "# head\n\nnet.core.somaxconn=4096  # trailing\nnet.ipv4.ip_local_port_range = 1024 \t 65000\n";
  assert.deepEqual(parseProfile(text, "p.conf"), [
    { key: "net.core.somaxconn", value: "4096", line: 3 },
    { key: "net.ipv4.ip_local_port_range", value: "1024 65000", line: 4 },
  ]);
  const refused: [string, RegExp][] = [
    ["net.core.somaxconn 4096", /^p\.conf:1: expected `key = value`/],
    ["net.core.somaxconn =", /^p\.conf:1: expected `key = value`/],
    [
      "net.core.somaxconn = 1\nnet.core.somaxconn = 2",
      /^p\.conf:2: net\.core\.somaxconn is already set on line 1/,
    ],
    ["net.core.no_such_knob = 1", /^p\.conf:1: no sysctl net\.core\.no_such_knob on this kernel/],
    ["# only a comment\n", /^p\.conf: no settings$/],
  ];
  for (const [bad, re] of refused) {
    assert.throws(
      () => parseProfile(bad, "p.conf"),
      (e: unknown) => e instanceof InvalidRun && re.test(e.message),
      bad,
    );
  }
});
