// The overview page opens offline, in Chinese, with its table and chart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureVisit, screenshot, startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

describe("总览 overview", () => {
  it("shows the Chinese title, the ranked table and the chart, with no error and nothing from outside", async () => {
    const visit = await site.open("/");
    const { page } = visit;
    try {
      expect(await page.locator("h1").first().textContent()).toContain("社会救助绩效总览");
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
      const table = page.locator(".county-ranking table");
      await table.waitFor();
      expect(await table.locator("tbody tr").count()).toBeGreaterThan(10);
      expect(await table.locator("thead").textContent()).toContain("在保人数");
      expect(await table.locator("thead").textContent()).toContain("按时办结率");
      expect(await page.locator("svg[class^=plot]").count()).toBeGreaterThan(2);
      await page.locator(".county-map").waitFor();
      await screenshot(page, "overview");
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("sorts the ranking by a clicked column", async () => {
    const visit = await site.open("/");
    const { page } = visit;
    try {
      const header = page.locator(".county-ranking th", { hasText: "在保人数" });
      await header.click();
      expect(await header.getAttribute("aria-sort")).toBe("descending");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("transfers under 1 MB", async () => {
    // How fast it becomes interactive is measured by `npm run bench` (tests/bench/site.bench.ts), not asserted here.
    const { bytes } = await measureVisit(site, "/", ".county-ranking tbody tr");
    process.stderr.write(`overview: ${(bytes / 1024).toFixed(0)} KB transferred\n`);
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  it("falls back to a tile grid when no boundaries are supplied, labelled as a sketch", async () => {
    const visit = await site.open("/", {
      before: (context) => context.route(/\/_file\/data\/boundaries\.[0-9a-f]+\.json$/, (route) => route.fulfill({ json: { geo: null, source: null } })),
    });
    try {
      const map = visit.page.locator(".county-map");
      await map.waitFor();
      expect(await map.getAttribute("data-kind")).toBe("tiles");
      expect(await map.locator("a").count()).toBeGreaterThan(50);
      expect(await map.textContent()).toContain("示意图");
      await screenshot(visit.page, "overview-tile-grid");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("draws the county map from the boundaries, labelled as a sketch, not a surveyed map", async () => {
    const visit = await site.open("/");
    try {
      const map = visit.page.locator(".county-map");
      await map.waitFor();
      expect(await map.getAttribute("data-kind")).toBe("boundaries");
      expect(await map.locator("path").count()).toBeGreaterThan(50);
      expect(await map.textContent()).toContain("非测绘地图");
    } finally {
      await visit.close();
    }
  });

  for (const [path, name] of [["/", "overview"], ["/scorecard", "scorecard"], ["/allocation", "allocation"], ["/quality", "quality"]] as const) {
    it(`${name} fits a phone screen`, async () => {
      const visit = await site.open(path, { viewport: { width: 390, height: 844 } });
      try {
        const overflow = await visit.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        await screenshot(visit.page, `${name}-phone`);
        expect(visit.errors).toEqual([]);
      } finally {
        await visit.close();
      }
    });
  }
});
