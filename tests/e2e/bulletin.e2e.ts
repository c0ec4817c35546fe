// The bulletin page: prints cleanly on A4 (no navigation, attachments on pages of their
// own), says what its DOCX says paragraph for paragraph, and fits a 390 px phone with its
// wide tables scrolling inside their own box.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import JSZip from "jszip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DIST, screenshot, startSite, type Site } from "./browser.js";

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

/** The text of every paragraph of a DOCX body. */
async function docxParagraphs(body: Buffer): Promise<string[]> {
  const xml = await (await JSZip.loadAsync(new Uint8Array(body))).file("word/document.xml")!.async("string");
  return (xml.match(/<w:p[ >][\s\S]*?<\/w:p>/g) ?? []).map((p) => (p.match(/<w:t[^>]*>([^<]*)<\/w:t>/g) ?? []).map((t) => t.replace(/<[^>]+>/g, "")).join(""));
}

const unescape = (s: string) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");

describe("通报 bulletin", () => {
  it("prints to an A4 PDF of the expected pages, without navigation", async () => {
    const window = latestBulletin();
    const visit = await site.open(`/bulletin/${window}`);
    const { page } = visit;
    try {
      await page.locator(".bulletin .ranking tbody tr").first().waitFor();
      const rows = await page.locator(".bulletin .ranking tbody tr").count();
      await page.emulateMedia({ media: "print" });
      expect(await page.locator("#observablehq-sidebar").isVisible()).toBe(false);
      expect(await page.locator(".downloads").isVisible()).toBe(false);
      const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
      const dir = resolve("tests/e2e/screenshots");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `bulletin-${window}.pdf`), new Uint8Array(pdf));
      const pages = pdfPages(pdf);
      // the notice takes two to six pages, the headline table one, the ranking ~25 rows a page
      const appendix = Math.ceil(rows / 25);
      expect(pages).toBeGreaterThanOrEqual(2 + 1 + Math.max(1, appendix - 1));
      expect(pages).toBeLessThanOrEqual(6 + 1 + appendix + 1);
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("says what its DOCX says, paragraph for paragraph", async () => {
    const window = latestBulletin();
    const visit = await site.open(`/bulletin/${window}`);
    try {
      await visit.page.locator(".bulletin p.para").first().waitFor();
      const web = (await visit.page.locator(".bulletin h1.bulletin-title, .bulletin h2, .bulletin p.para").allTextContents()).map((t) => t.trim());
      const link = visit.page.locator("a.download-docx");
      const href = await link.getAttribute("href");
      const response = await visit.page.request.get(new URL(href!, visit.page.url()).href);
      expect(response.ok()).toBe(true);
      const body = await response.body();
      expect(body.subarray(0, 2).toString()).toBe("PK");
      const docx = new Set((await docxParagraphs(body)).map(unescape));
      const missing = web.filter((t) => !docx.has(t));
      expect(missing).toEqual([]);
      expect(web.length).toBeGreaterThan(10);
      // the headline table's cells and the ranking's are the DOCX's too
      const cells = (await visit.page.locator(".bulletin table.bt td").allTextContents()).map((t) => t.trim());
      expect(cells.filter((t) => !docx.has(t))).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("fits a 390 px phone; its wide tables scroll inside their own box", async () => {
    const id = latestBulletin();
    const visit = await site.open(`/bulletin/${id}`, { viewport: { width: 390, height: 844 } });
    try {
      await visit.page.locator(".bulletin .ranking tbody tr").first().waitFor();
      const overflow = await visit.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const box = await visit.page.locator(".bulletin .ranking .table-scroll").evaluate((el) => ({ client: el.clientWidth, scroll: el.scrollWidth }));
      expect(box.client).toBeLessThanOrEqual(390);
      await screenshot(visit.page, "bulletin-phone");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
