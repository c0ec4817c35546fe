// The bulletin prints cleanly on A4: no navigation, the ranking appendix on a page of
// its own, a PDF of the expected number of pages; its DOCX is a Word document.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST, startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

/** The latest quarter's bulletin (else the latest of any kind). */
function latestBulletin(): string {
  const windows = readdirSync(join(DIST, "bulletin")).filter((f) => f.endsWith(".html")).map((f) => f.slice(0, -5)).sort();
  return windows.filter((w) => /-Q\d$/.test(w)).at(-1) ?? windows.at(-1)!;
}

function pdfPages(pdf: Buffer): number {
  return (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
}

describe("通报 bulletin", () => {
  it("prints to an A4 PDF of the expected pages, without navigation", async () => {
    const window = latestBulletin();
    const visit = await site.open(`/bulletin/${window}`);
    const { page } = visit;
    try {
      await page.locator(".bulletin .ranking-table tbody tr").first().waitFor();
      const rows = await page.locator(".bulletin .ranking-table tbody tr").count();
      await page.emulateMedia({ media: "print" });
      expect(await page.locator("#observablehq-sidebar").isVisible()).toBe(false);
      expect(await page.locator(".downloads").isVisible()).toBe(false);
      const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
      const dir = resolve("tests/e2e/screenshots");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `bulletin-${window}.pdf`), new Uint8Array(pdf));
      const pages = pdfPages(pdf);
      // The notice itself takes one to three pages; the appendix starts on a new page
      // and holds about 30 ranking rows a page.
      const appendix = Math.ceil(rows / 30);
      expect(pages).toBeGreaterThanOrEqual(1 + Math.max(1, appendix - 1));
      expect(pages).toBeLessThanOrEqual(3 + appendix + 1);
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("offers its DOCX, a Word document in the layout of a notice", async () => {
    const window = latestBulletin();
    const visit = await site.open(`/bulletin/${window}`);
    try {
      const link = visit.page.locator("a.download-docx");
      await link.waitFor();
      const href = await link.getAttribute("href");
      const response = await visit.page.request.get(new URL(href!, visit.page.url()).href);
      expect(response.ok()).toBe(true);
      const body = await response.body();
      expect(body.subarray(0, 2).toString()).toBe("PK");
      expect(body.includes(Buffer.from("word/document.xml"))).toBe(true);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
