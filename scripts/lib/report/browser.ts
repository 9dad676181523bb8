// Debian's chromium driven by puppeteer-core (a dev dependency): open a report, collect its errors, screenshot it.
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "puppeteer-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Why the browser cannot be used here, or null when it can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} is not installed — make chromium (apt-get install chromium)`;
}

export interface OpenReport {
  page: Page;
  /** console errors, page errors and failed requests, as they happened */
  problems: string[];
  /** every URL the page asked for (a self-contained page asks only for itself) */
  requests: string[];
  close: () => Promise<void>;
}

// NOTE: --no-sandbox because the lab runs as root, where chromium refuses its sandbox.
export async function openReport(htmlPath: string): Promise<OpenReport> {
  const { default: puppeteer } = await import("puppeteer-core");
  const browser: Browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message ?? String(e)}`));
    page.on("requestfailed", (q) => problems.push(`request failed: ${q.url()}`));
    page.on("request", (q) => {
      requests.push(q.url());
    });
    await page.setViewport({ width: 1100, height: 900 });
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: "load" });
    return { page, problems, requests, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** A full-page PNG of the report at `pngPath`, written whole or not at all. */
export async function screenshot(htmlPath: string, pngPath: string): Promise<void> {
  const r = await openReport(htmlPath);
  try {
    mkdirSync(dirname(pngPath), { recursive: true });
    const tmp = `${pngPath}.tmp-${process.pid}.png`;
    await r.page.screenshot({ path: tmp as `${string}.png`, fullPage: true });
    renameSync(tmp, pngPath);
  } finally {
    await r.close();
  }
}
