// A run's report page, loaded only when asked: what the drivers hand a load run to write its report.html with.
import type { ResultRecord } from "../contract/record.ts";

// NOTE: imported when the run is over: vega is heavy, and a driver must install its Ctrl-C handler fast.
export async function runPage(record: ResultRecord): Promise<string> {
  const { runPageHtml } = await import("./run-page.ts");
  return runPageHtml(record);
}
