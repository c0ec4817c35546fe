// Shared harness for the browser tests: serves dist/ on localhost, drives Debian's
// chromium through playwright-core, and records every console error and every
// request that leaves localhost.
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "../../bin/serve.js";

export const DIST = resolve(process.env.JIUZHU_DIST ?? "dist");
export const SCREENSHOTS = resolve("tests/e2e/screenshots");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface Site {
  url: string;
  browser: Browser;
  /** A fresh page whose console errors and outside requests are recorded. */
  open(path: string, options?: { viewport?: { width: number; height: number }; acceptDownloads?: boolean; waitUntil?: "commit" | "load" | "networkidle"; before?: (context: BrowserContext) => Promise<unknown> }): Promise<Visit>;
  close(): Promise<void>;
}

export interface Visit {
  page: Page;
  context: BrowserContext;
  errors: string[];
  outside: string[];
  bytes: () => number;
  close(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  if (!existsSync(join(DIST, "index.html"))) {
    throw new Error(`no built site in ${DIST}: run \`npm run build\` (or \`npx observable build\`) first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk`);
  const server: StaticServer = await serveStatic(DIST, 0);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    // playwright gives every launch a fresh profile (--user-data-dir) in a temp dir.
  });
  const origin = new URL(server.url).origin;
  return {
    url: server.url,
    browser,
    async open(path, options = {}) {
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1366, height: 768 },
        acceptDownloads: options.acceptDownloads ?? false,
        locale: "zh-CN",
        timezoneId: "Asia/Shanghai",
      });
      const page = await context.newPage();
      const errors: string[] = [];
      const outside: string[] = [];
      let bytes = 0;
      page.on("console", (msg) => {
        if (msg.type() === "error") errors.push(msg.text());
      });
      page.on("pageerror", (error) => errors.push(String(error)));
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
        outside.push(url);
        return route.abort();
      });
      await options.before?.(context);
      page.on("response", async (response) => {
        const length = Number(response.headers()["content-length"] ?? NaN);
        if (Number.isFinite(length)) bytes += length;
        else bytes += (await response.body().catch(() => Buffer.alloc(0))).length;
      });
      await page.goto(new URL(path.replace(/^\//, ""), server.url).href, { waitUntil: options.waitUntil ?? "networkidle" });
      return { page, context, errors, outside, bytes: () => bytes, close: () => context.close() };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Save a full-page screenshot of a page type into tests/e2e/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * One cold visit: bytes transferred (document + resources) and the moment (ms after
 * navigation start) the `ready` selector first appears.
 */
export async function measureVisit(site: Site, path: string, ready: string): Promise<{ bytes: number; readyMs: number }> {
  const visit = await site.open(path, { waitUntil: "commit" });
  try {
    await visit.page.waitForFunction(
      (selector) => {
        const w = window as unknown as { __ready?: number };
        if (document.querySelector(selector)) w.__ready ??= performance.now();
        return w.__ready !== undefined;
      },
      ready,
      { polling: "raf", timeout: 20_000 },
    );
    await visit.page.waitForLoadState("networkidle");
    return await visit.page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      return {
        bytes: nav.encodedBodySize + resources.reduce((sum, r) => sum + r.encodedBodySize, 0),
        readyMs: (window as unknown as { __ready: number }).__ready,
      };
    });
  } finally {
    await visit.close();
  }
}
