// The scorecard filters by city, shows the best N with an average row, sorts, and
// downloads exactly what it shows as CSV and XLSX.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

describe("记分卡 scorecard", () => {
  it("filters by city, keeps the best five with an average row, and downloads what is shown", async () => {
    const visit = await site.open("/scorecard", { acceptDownloads: true });
    const { page } = visit;
    try {
      const table = page.locator(".scorecard-table table");
      await table.locator("tbody tr").first().waitFor();
      const all = await table.locator("tbody tr").count();
      const city = page.locator("select[name=city]");
      // a city with more than five counties, so that 前 5 名 has something to cut
      const cityOptions = await city.locator("option").count();
      let cityName = "";
      let inCity = 0;
      for (let i = 1; i < cityOptions && inCity <= 5; i++) {
        await city.selectOption({ index: i });
        cityName = (await city.locator("option:checked").textContent())!.trim();
        await page.waitForFunction((name) => {
          const cells = [...document.querySelectorAll(".scorecard-table tbody tr td:nth-child(3)")];
          return cells.length > 0 && cells.every((td) => td.textContent === name);
        }, cityName);
        inCity = await table.locator("tbody tr").count();
      }
      expect(inCity).toBeGreaterThan(5);
      await page.locator("select[name=top]").selectOption({ label: "前 5 名" });
      // 前 5 名 keeps every unit tied with the fifth (leaders.e2e.ts checks the count)
      await page.waitForFunction(() => document.querySelector("#scorecard-window")?.textContent?.includes("并列"));
      const rows = await table.locator("tbody tr").count();
      expect(rows).toBeGreaterThanOrEqual(5);
      expect(rows).toBeLessThanOrEqual(inCity);
      expect(rows).toBeLessThan(all);
      const cities = await table.locator("tbody tr td:nth-child(3)").allTextContents();
      expect(new Set(cities)).toEqual(new Set([cityName]));
      expect(await table.locator("tfoot tr.avg").textContent()).toContain("平均");
      // ranks ascending (best first)
      const ranks = (await table.locator("tbody tr td:nth-child(1)").allTextContents()).map((t) => Number(t.replace("并列", "").trim()));
      expect(ranks.every(Number.isFinite)).toBe(true);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

      const [csv] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-csv").click()]);
      const lines = readFileSync((await csv.path())!, "utf8").replace(/^\ufeff/, "").trim().split(/\r\n/);
      expect(lines.length).toBe(1 + rows + 1); // header, rows, average
      expect(lines[0]).toContain("综合得分");
      const [xlsx] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-xlsx").click()]);
      expect(readFileSync((await xlsx.path())!).subarray(0, 2).toString()).toBe("PK");

      // indicator columns of one dimension
      await page.locator("select[name=view]").selectOption({ index: 1 });
      // indicator columns replace the dimension columns ("对象精准（25）")
      await page.waitForFunction(() => {
        const heads = [...document.querySelectorAll(".scorecard-table thead th")].map((th) => th.textContent ?? "");
        return heads.length > 8 && !heads.some((t) => /（\d+）$/.test(t));
      });
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
