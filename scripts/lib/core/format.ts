// Numbers for people: integers with thousands separators (result files keep raw numbers in base units).

export const int = (x: number): string => Math.round(x).toLocaleString("en-US");

/** µs → ms with one decimal ("212.3"); "-" for null or a non-finite number (no run, no value). */
export const ms = (us: number | null): string =>
  us !== null && Number.isFinite(us) ? (us / 1000).toFixed(1) : "-";

/** A plain terminal table: header, dashes, one padded row per entry, columns joined by " | ". */
export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(w[i] ?? 0))
      .join(" | ")
      .trimEnd();
  return [line(head), w.map((n) => "-".repeat(n)).join("-|-"), ...rows.map(line)].join("\n");
}
