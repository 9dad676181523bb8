// Checks and set-up for the notes tests: a well-formed SVG, a chart's line series, a sweep's state with skipped cells.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Well-formed enough: one root <svg>, every tag closed in order (comments and self-closing tags allowed). */
export function assertSvg(text: string): void {
  assert.match(text, /^<svg[\s>]/);
  assert.match(text.trimEnd(), /<\/svg>$/);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name as string);
  }
  assert.deepEqual(stack, [], "unclosed elements");
}

/** The series of a chart: one line-mark group per series (layer 4), named by its aria-label, with its stroke. */
export function lineSeries(svg: string): { name: string; stroke: string }[] {
  return [...svg.matchAll(/layer_4_marks"[^>]*><path aria-label="([^"]*)"[^>]*stroke="(#[0-9a-f]+)"/g)].map(
    (m) => ({
      name: `${/series: ([^;]+)/.exec(m[1] ?? "")?.[1]} / ${/mode: (\w+)/.exec(m[1] ?? "")?.[1]}`,
      stroke: m[2] ?? "",
    }),
  );
}

export function writeSweepState(dir: string): void {
  mkdirSync(join(dir, "sweep-grid"));
  const cell = (workers: number, connections: number, skipped: string) => ({
    key: `w${workers}-c${connections}-paced-r${connections}`,
    workers,
    connections,
    mode: "paced",
    targetRps: connections,
    runs: [],
    skipped,
  });
  writeFileSync(
    join(dir, "sweep-grid", "state.json"),
    JSON.stringify({
      schema: "sweep-state/1",
      name: "grid",
      createdAt: "",
      updatedAt: "",
      settings: {},
      cells: [
        cell(1, 20000, "open files worker 1: soft 20,000 / hard 20,000, needs ≥ 22,064"),
        cell(4, 60000, "net.ipv4.ip_local_port_range: 64,512 ports, needs ≥ 120,000"),
      ],
    }),
  );
}
