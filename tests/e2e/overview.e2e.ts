// The overview page opens offline, in Chinese, with its table and chart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, startSite, type Site } from "./browser.js";

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

  it("fits a phone screen", async () => {
    const visit = await site.open("/", { viewport: { width: 390, height: 844 } });
    try {
      const overflow = await visit.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await screenshot(visit.page, "overview-phone");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
