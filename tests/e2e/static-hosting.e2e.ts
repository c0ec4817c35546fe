// The built site behind a plain static file server (Python's http.server: no rewrites,
// no clean URLs, not the project's own server): every page reached by following links
// from the home page, every link and asset it references answers 200, no page logs a
// console error, and nothing is requested from outside.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, DIST } from "./browser.js";

let python: ChildProcess;
let origin: string;
let browser: Browser;

/** Start `python3 -m http.server` on a free port of 127.0.0.1 serving `dir`. */
function plainServer(dir: string): Promise<{ child: ChildProcess; origin: string }> {
  return new Promise((ok, fail) => {
    const child = spawn("python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let seen = "";
    const timer = setTimeout(() => fail(new Error(`python3 http.server did not start: ${seen}`)), 15_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /port (\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        ok({ child, origin: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.stderr!.on("data", () => {}); // request log
    child.on("error", fail);
  });
}

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`no built site in ${DIST}: run npm run build first`);
  ({ child: python, origin } = await plainServer(DIST));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  python?.kill();
});

interface PageReport {
  url: string;
  errors: string[];
  failed: string[];
  outside: string[];
  links: string[];
}

/** Visit one page: its console errors, failed internal requests, outside requests and the links it shows. */
async function visit(url: string): Promise<PageReport> {
  const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  const report: PageReport = { url, errors: [], failed: [], outside: [], links: [] };
  page.on("console", (m) => {
    if (m.type() === "error") report.errors.push(m.text());
  });
  page.on("pageerror", (e) => report.errors.push(String(e)));
  page.on("response", (r) => {
    if (r.url().startsWith(origin) && r.status() !== 200 && r.status() !== 304) report.failed.push(`${r.status()} ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    if (r.url().startsWith(origin)) report.failed.push(`failed ${r.url()}`);
  });
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    report.outside.push(u);
    return route.abort();
  });
  try {
    await page.goto(url, { waitUntil: "networkidle", timeout: 45_000 });
    report.links = await page.$$eval("a[href], link[href], script[src], img[src]", (els) =>
      els.map((e) => (e as HTMLAnchorElement).href || (e as HTMLScriptElement).src).filter(Boolean),
    );
  } finally {
    await context.close();
  }
  return report;
}

/** Internal, fetchable form of a link (no fragment), or undefined for outside, data: and blob: links. */
function internal(link: string): string | undefined {
  if (!link.startsWith(origin)) return undefined;
  const u = new URL(link);
  u.hash = "";
  return u.href;
}

describe("the site on a plain static server", () => {
  it("every page reachable from the home page loads cleanly, and every link and asset answers 200", async () => {
    const pages = new Map<string, PageReport>();
    const assets = new Set<string>();
    const queue = [`${origin}/`];
    const queued = new Set(queue);
    while (queue.length > 0) {
      const batch = queue.splice(0, 3);
      for (const report of await Promise.all(batch.map(visit))) {
        pages.set(report.url, report);
        for (const link of report.links) {
          const u = internal(link);
          if (!u) continue;
          const path = new URL(u).pathname;
          const isPage = path.endsWith("/") || path.endsWith(".html") || !/\.[a-z0-9]+$/i.test(path);
          if (isPage && !queued.has(u)) {
            queued.add(u);
            queue.push(u);
          } else if (!isPage) assets.add(u);
        }
      }
    }
    const bad: string[] = [];
    for (const r of pages.values()) {
      for (const e of r.errors) bad.push(`${r.url}: console error ${e}`);
      for (const f of r.failed) bad.push(`${r.url}: ${f}`);
      for (const o of r.outside) bad.push(`${r.url}: outside request ${o}`);
    }
    for (const asset of assets) {
      const response = await fetch(asset);
      if (response.status !== 200) bad.push(`asset ${response.status} ${asset}`);
      await response.arrayBuffer();
    }
    expect(bad).toEqual([]);
    // the crawl reached every page type, not only the home page
    const paths = [...pages.keys()].map((u) => new URL(u).pathname);
    for (const kind of ["/scorecard.html", "/allocation.html", "/quality.html", "/methodology.html"]) expect(paths).toContain(kind);
    for (const prefix of ["/region/", "/indicator/", "/bulletin/"]) expect(paths.some((p) => p.startsWith(prefix))).toBe(true);
  }, 900_000);
});
