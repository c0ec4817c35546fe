// Every page type of the built site opens offline with its key element, no console
// error and no request outside localhost; a sample of region and indicator pages;
// a screenshot of each page type goes to tests/e2e/screenshots/.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST, screenshot, startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

/** Page names of a built folder (region/150102.html → 150102). */
function built(folder: string): string[] {
  return readdirSync(join(DIST, folder))
    .filter((f) => f.endsWith(".html"))
    .map((f) => f.slice(0, -5))
    .sort();
}

function sample<T>(list: T[], n: number): T[] {
  if (list.length <= n) return list;
  return Array.from({ length: n }, (_, i) => list[Math.round((i * (list.length - 1)) / (n - 1))]!);
}

const regions = built("region");
const counties = regions.filter((c) => c.length === 6);
const cities = regions.filter((c) => c.length === 4);
const indicators = built("indicator");
const bulletins = built("bulletin");

interface PageCase {
  name: string;
  path: string;
  title: string;
  key: string;
  /** Pages whose parts may lack data for some items (an indicator without monthly values). */
  partial?: boolean;
}

const PAGES: PageCase[] = [
  { name: "overview", path: "/", title: "社会救助绩效总览", key: ".county-ranking table tbody tr" },
  { name: "scorecard", path: "/scorecard", title: "记分卡", key: ".scorecard-table table tbody tr" },
  { name: "regions", path: "/regions", title: "地区", key: ".region-index a" },
  { name: "indicators", path: "/indicators", title: "指标", key: ".indicator-index a" },
  { name: "allocation", path: "/allocation", title: "以奖代补资金分配", key: ".allocation-table tbody tr" },
  { name: "bulletins", path: "/bulletin", title: "通报", key: ".bulletin-index a" },
  { name: "quality", path: "/quality", title: "数据质量", key: "#quality-summary" },
  { name: "methodology", path: "/methodology", title: "指标说明", key: ".catalogue-table tbody tr" },
  ...sample(counties, 3).map((c, i) => ({ name: `region-county${i ? `-${i}` : ""}`, path: `/region/${c}`, title: "", key: ".decomposition svg" })),
  ...sample(cities, 2).map((c, i) => ({ name: `region-city${i ? `-${i}` : ""}`, path: `/region/${c}`, title: "", key: ".decomposition svg" })),
  ...sample(indicators, 3).map((id, i) => ({ name: `indicator${i ? `-${i}` : ""}`, path: `/indicator/${id}`, title: "", key: "table.definition", partial: true })),
  ...sample(bulletins, 2).map((w, i) => ({ name: `bulletin${i ? `-${i}` : ""}`, path: `/bulletin/${w}`, title: "通报", key: ".bulletin .ranking-table tbody tr" })),
];

describe("every page type", () => {
  it("has region, indicator and bulletin pages to sample", () => {
    expect(counties.length).toBeGreaterThan(50);
    expect(cities.length).toBeGreaterThan(5);
    expect(indicators.length).toBe(35);
    expect(bulletins.length).toBeGreaterThan(3);
  });

  for (const p of PAGES) {
    it(`${p.name} (${p.path}) shows its key element with no error and nothing from outside`, async () => {
      const visit = await site.open(p.path);
      try {
        await visit.page.locator(p.key).first().waitFor({ timeout: 20_000 });
        const h1 = (await visit.page.locator("h1").first().textContent()) ?? "";
        expect(h1.trim().length).toBeGreaterThan(0);
        if (p.title) expect(h1).toContain(p.title);
        if (!p.partial) expect(await visit.page.locator(".no-data").count()).toBe(0);
        await screenshot(visit.page, p.name);
        expect(visit.errors).toEqual([]);
        expect(visit.outside).toEqual([]);
      } finally {
        await visit.close();
      }
    });
  }
});
