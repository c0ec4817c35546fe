// A leader's way through the site: province → city → county → indicator → cases and
// back; the window picker on every page type (the URL carries it, figures change,
// nothing breaks); honest ties; the SPC badge and the strip legend agree with their
// marks; one gap count on every page; every page type at 390 px; transfer sizes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { measureVisit, screenshot, startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

const windowOf = (page: Page) => new URL(page.url()).searchParams.get("w");
const pickerValue = (page: Page) => page.locator("select.window-picker").inputValue();
const ID18 = /\b\d{17}[\dXx]\b/;

async function pickerOptions(page: Page): Promise<string[]> {
  return page.locator("select.window-picker option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
}

describe("a leader's walk", () => {
  it("goes province → city → county → indicator → cases and back, keeping the window", async () => {
    const visit = await site.open("/?w=2026-Q1");
    const { page } = visit;
    try {
      await page.locator("a.province-link").click();
      await page.locator("#region-score").waitFor();
      expect(new URL(page.url()).pathname).toMatch(/\/region\/\d{2}(\.html)?$/);
      expect(windowOf(page)).toBe("2026-Q1");
      expect(await pickerValue(page)).toBe("2026-Q1");
      const provinceName = (await page.locator("h1").first().textContent())!.trim();

      // province → a city: the ranked units below, with links
      const cityLink = page.locator(".below-units tbody tr td:first-child a").first();
      const cityName = (await cityLink.textContent())!.trim();
      await cityLink.click();
      await page.locator("#region-score").waitFor();
      expect(new URL(page.url()).pathname).toMatch(/\/region\/\d{4}(\.html)?$/);
      expect((await page.locator("h1").first().textContent())!.trim()).toBe(cityName);
      expect(await page.locator("nav.breadcrumbs a").allTextContents()).toEqual([provinceName]);
      expect(windowOf(page)).toBe("2026-Q1");
      // the city's counties, ranked: rank column ascending (ties share a rank)
      const ranks = (await page.locator(".below-units tbody tr td:nth-child(2)").allTextContents()).map((t) => Number(t.replace("并列", "").trim()));
      expect(ranks.length).toBeGreaterThan(1);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

      // city → a county
      const countyLink = page.locator(".below-units tbody tr td:first-child a").first();
      const countyName = (await countyLink.textContent())!.trim();
      await countyLink.click();
      await page.locator("#region-score").waitFor();
      expect(new URL(page.url()).pathname).toMatch(/\/region\/\d{6}(\.html)?$/);
      expect((await page.locator("h1").first().textContent())!.trim()).toBe(countyName);
      expect(await page.locator("nav.breadcrumbs a").allTextContents()).toEqual([provinceName, cityName]);
      const countyUrl = page.url();

      // county → an indicator with a case list
      await page.locator(`.indicator-points a[href*="indicator/process.on_time_rate"]`).click();
      await page.locator("#indicator-province").waitFor();
      expect(new URL(page.url()).pathname).toContain("/indicator/process.on_time_rate");
      expect(windowOf(page)).toBe("2026-Q1");
      const indicatorUrl = page.url();

      // indicator → the cases behind a count
      const caseLink = page.locator("a.case-link").first();
      const count = Number((await caseLink.textContent())!.replace(/,/g, ""));
      expect(count).toBeGreaterThan(0);
      await caseLink.click();
      const list = page.locator("details#cases-process\\.on_time_rate");
      await list.waitFor();
      expect(await list.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
      expect(Number(await list.getAttribute("data-count"))).toBe(count);
      await list.locator(".case-table tbody tr").first().waitFor();
      expect(await list.locator(".case-table tbody tr").count()).toBe(Math.min(count, 100));
      const text = (await list.textContent()) ?? "";
      expect(text).not.toMatch(ID18);
      expect(text).toMatch(/\d{6}\*{8}\d{3}[\dX]/);

      // and back
      await page.goBack();
      await page.locator("#indicator-province").waitFor();
      expect(page.url()).toBe(indicatorUrl);
      await page.goBack();
      await page.locator("#region-score").waitFor();
      expect(page.url()).toBe(countyUrl);
      await screenshot(page, "walk-county");
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});

/** Page types with the element whose text holds the window's figures. */
const WINDOWED: { name: string; path: string; figures: string }[] = [
  { name: "overview", path: "/", figures: ".headline-cards" },
  { name: "scorecard", path: "/scorecard", figures: ".scorecard-table tbody" },
  { name: "province", path: "/region/15", figures: "#region-score" },
  { name: "city", path: "/region/1501", figures: "#region-score" },
  { name: "county", path: "/region/150102", figures: "#region-score" },
  { name: "indicator", path: "/indicator/process.on_time_rate", figures: "#indicator-province" },
  { name: "quality", path: "/quality", figures: "#quality-summary" },
];

describe("the window picker", () => {
  for (const p of WINDOWED) {
    it(`${p.name}: opens on the latest complete quarter, switches windows in the URL, and a shared link keeps it`, async () => {
      const visit = await site.open(p.path);
      const { page } = visit;
      try {
        await page.locator(p.figures).waitFor();
        const options = await pickerOptions(page);
        // every window computed is offered, of every kind
        expect(options.some((w) => /^\d{4}-\d{2}$/.test(w))).toBe(true);
        expect(options.some((w) => /^\d{4}-Q\d$/.test(w))).toBe(true);
        expect(options.some((w) => /^\d{4}$/.test(w))).toBe(true);
        // default: the latest quarter all of whose months are offered
        const months = new Set(options.filter((w) => /^\d{4}-\d{2}$/.test(w)));
        const complete = options
          .filter((w) => /^\d{4}-Q\d$/.test(w))
          .filter((q) => [0, 1, 2].every((k) => months.has(`${q.slice(0, 4)}-${String((Number(q.slice(6)) - 1) * 3 + 1 + k).padStart(2, "0")}`)))
          .sort();
        expect(await pickerValue(page)).toBe(complete.at(-1));
        const before = await page.locator(p.figures).textContent();

        const other = options.find((w) => w !== complete.at(-1) && /^\d{4}-Q\d$/.test(w))!;
        await page.locator("select.window-picker").selectOption(other);
        await page.waitForFunction((w) => new URL(location.href).searchParams.get("w") === w, other);
        await page.waitForFunction(([sel, text]) => document.querySelector(sel!)?.textContent !== text, [p.figures, before] as const);
        const after = await page.locator(p.figures).textContent();
        expect(after).not.toBe(before);

        // the URL is the state: reload it in a fresh page
        const shared = page.url();
        const again = await site.open(new URL(shared).pathname + new URL(shared).search);
        try {
          await again.page.locator(p.figures).waitFor();
          expect(await pickerValue(again.page)).toBe(other);
          expect(await again.page.locator(p.figures).textContent()).toBe(after);
          expect(again.errors).toEqual([]);
        } finally {
          await again.close();
        }
        // an unknown window falls back to the default instead of breaking
        const bad = await site.open(`${p.path}?w=1999-Q9`);
        try {
          await bad.page.locator(p.figures).waitFor();
          expect(await pickerValue(bad.page)).toBe(complete.at(-1));
          expect(bad.errors).toEqual([]);
        } finally {
          await bad.close();
        }
        expect(visit.errors).toEqual([]);
        expect(visit.outside).toEqual([]);
      } finally {
        await visit.close();
      }
    });
  }
});

describe("honest ties and signals", () => {
  it("the overview's top and bottom lists keep every county tied at the cut, shown as 并列", async () => {
    for (const w of ["2026-06", "2026-Q2"]) {
      const visit = await site.open(`/?w=${w}`);
      const { page } = visit;
      try {
        await page.locator(".county-ranking tbody tr").first().waitFor();
        const scores = (await page.locator(".county-ranking tbody tr td:nth-child(4)").allTextContents()).map(Number).filter(Number.isFinite);
        const desc = [...scores].sort((a, b) => b - a);
        const top = page.locator("#best-worst .top-list li");
        const bottom = page.locator("#best-worst .bottom-list li");
        expect(await top.count()).toBe(desc.filter((s) => s >= desc[4]!).length);
        expect(await bottom.count()).toBe(desc.filter((s) => s <= desc.at(-5)!).length);
        // a rank shared by several counties reads 并列
        const topRanks = await top.locator(".rank").allTextContents();
        const tiedFirst = desc.filter((s) => s === desc[0]).length;
        if (tiedFirst > 1) expect(topRanks.slice(0, tiedFirst).every((t) => t.includes("并列"))).toBe(true);
        else expect(topRanks[0]).not.toContain("并列");
        expect(visit.errors).toEqual([]);
      } finally {
        await visit.close();
      }
    }
  });

  it("the scorecard's 前 5 名 keeps every unit tied with the fifth", async () => {
    const visit = await site.open("/scorecard?w=2026-06");
    const { page } = visit;
    try {
      const table = page.locator(".scorecard-table table");
      await table.locator("tbody tr").first().waitFor();
      const all = (await table.locator("tbody tr td:nth-child(4)").allTextContents()).map(Number).sort((a, b) => b - a);
      await page.locator("select[name=top]").selectOption({ label: "前 5 名" });
      await page.waitForFunction((n) => document.querySelectorAll(".scorecard-table tbody tr").length < n, all.length);
      expect(await table.locator("tbody tr").count()).toBe(all.filter((s) => s >= all[4]!).length);
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("the SPC badge says 显著变化 exactly when the sparkline marks a signal", async () => {
    const visit = await site.open("/");
    const { page } = visit;
    try {
      const cards = page.locator(".headline-cards .kpi");
      await cards.first().waitFor();
      let signalled = 0;
      for (let i = 0; i < (await cards.count()); i++) {
        const card = cards.nth(i);
        const marked = await card.locator('svg [fill="#d55e00"]').count();
        const badge = card.locator(".badge");
        const says = await badge.getAttribute("data-signal");
        expect(says, (await card.locator(".label").textContent()) ?? "").toBe(marked > 0 ? "yes" : "no");
        if (marked > 0) {
          signalled++;
          expect(await badge.textContent()).toMatch(/超出控制限|连续 8 个月/);
        }
        // first and last month and the unit under every sparkline
        expect(await card.locator(".spark-axis .first").textContent()).toMatch(/^\d{4}年\d{1,2}月$/);
        expect(await card.locator(".spark-axis .last").textContent()).toMatch(/^\d{4}年\d{1,2}月$/);
        expect(await card.locator(".spark-axis .unit").textContent()).toContain("单位");
      }
      expect(signalled).toBeGreaterThan(0);
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("the indicator page's strip legend lists every colour its dots take", async () => {
    const visit = await site.open("/indicator/process.on_time_rate?w=2026-Q2");
    const { page } = visit;
    try {
      const figure = page.locator(".distribution figure, .distribution svg").first();
      await figure.waitFor();
      const dots = await page.locator(".distribution svg circle").evaluateAll((cs) => [...new Set(cs.map((c) => c.getAttribute("fill")))]);
      const legend = await page.locator(".distribution [class*=swatch] svg").evaluateAll((ss) => ss.map((s) => s.getAttribute("fill") ?? s.querySelector("[fill]")?.getAttribute("fill")));
      expect(dots.length).toBeGreaterThan(1);
      for (const fill of dots) expect(legend).toContain(fill);
      expect(dots).not.toEqual(["#bdbdbd"]);
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("a county's gap count is the same on the overview and on its own page", async () => {
    const visit = await site.open("/?w=2026-06");
    const { page } = visit;
    try {
      const items = page.locator("#gap-alerts li[data-code]");
      await items.first().waitFor();
      for (let i = 0; i < Math.min(3, await items.count()); i++) {
        const item = items.nth(i);
        const code = await item.getAttribute("data-code");
        const n = await item.getAttribute("data-gaps");
        const county = await site.open(`/region/${code}?w=2026-06`);
        try {
          await county.page.locator("#region-score [data-figure=gaps]").waitFor();
          expect(await county.page.locator("#region-score [data-figure=gaps]").textContent(), code!).toBe(n);
        } finally {
          await county.close();
        }
      }
    } finally {
      await visit.close();
    }
  });
});

const EVERY_PAGE: [string, string][] = [
  ["overview", "/"],
  ["scorecard", "/scorecard"],
  ["regions", "/regions"],
  ["indicators", "/indicators"],
  ["allocation", "/allocation"],
  ["bulletins", "/bulletin"],
  ["quality", "/quality"],
  ["methodology", "/methodology"],
  ["province", "/region/15"],
  ["city", "/region/1501"],
  ["county", "/region/150102"],
  ["indicator", "/indicator/process.on_time_rate"],
  ["indicator-count", "/indicator/funds.proxy_violations"],
];

describe("phone widths and transfer sizes", () => {
  for (const [name, path] of EVERY_PAGE) {
    it(`${name} is no wider than a 390 px phone`, async () => {
      const visit = await site.open(path, { viewport: { width: 390, height: 844 } });
      try {
        await visit.page.locator("h1").first().waitFor();
        await visit.page.waitForLoadState("networkidle");
        const overflow = await visit.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        await screenshot(visit.page, `${name}-390`);
        expect(visit.errors).toEqual([]);
      } finally {
        await visit.close();
      }
    });
  }

  it("reports the transfer size of every page type (the overview stays under 1 MB)", async () => {
    const sizes: string[] = [];
    for (const [name, path] of EVERY_PAGE) {
      const { bytes } = await measureVisit(site, path, "h1");
      sizes.push(`${name.padEnd(16)} ${(bytes / 1024).toFixed(0).padStart(6)} KB  ${path}`);
      if (name === "overview") expect(bytes).toBeLessThan(1024 * 1024);
    }
    process.stderr.write(`transfer sizes (cold visit, encoded bytes):\n${sizes.join("\n")}\n`);
  });
});
