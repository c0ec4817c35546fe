// The allocation page recomputes in the browser with the CLI's own code: after a change
// of weights the total still equals the pool, and every amount (and the input hash)
// equals what `jiuzhu allocate` gives for the same inputs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, startSite, type Site } from "./browser.js";

let site: Site;
beforeAll(async () => {
  site = await startSite();
});
afterAll(async () => {
  await site?.close();
});

const DB = resolve(process.env.JIUZHU_DB ?? "data/warehouse.duckdb");

interface CliResult {
  total: number;
  pool: number;
  input_hash: string;
  counties: { code: string; amount: number }[];
}

describe("以奖代补资金分配 allocation", () => {
  it("keeps the total equal to the pool after a change of weights, and matches the CLI", async () => {
    const visit = await site.open("/allocation", { acceptDownloads: true });
    const { page } = visit;
    try {
      await page.locator(".allocation-table tbody tr").first().waitFor();
      const form = page.locator("form.allocation-form");
      const pool = 12_345_679;
      await form.locator("input[name=pool]").fill(String(pool));
      await form.locator("input[name=w_need]").fill("0.5");
      await form.locator("input[name=w_fiscal]").fill("0.1");
      await form.locator("input[name=w_performance]").fill("0.4");
      await form.locator("input[name=w_performance]").dispatchEvent("change");
      const summary = page.locator(`#allocation-summary[data-pool="${pool}"]`);
      await summary.waitFor();
      expect(Number(await summary.getAttribute("data-total"))).toBe(pool);
      const rows = await page.locator(".allocation-table tbody tr").evaluateAll((trs) =>
        trs.map((tr) => ({ code: tr.getAttribute("data-code")!, amount: Number(tr.getAttribute("data-amount")) })),
      );
      expect(rows.reduce((s, r) => s + r.amount, 0)).toBe(pool);
      const windowLabel = (await form.locator("select[name=window] option:checked").textContent()) ?? "";
      const window = /^(\d{4})年度$/.exec(windowLabel)?.[1] ?? windowLabel;
      const pageHash = await page.locator(".audit tr", { hasText: "输入数据哈希" }).locator("td").textContent();
      await screenshot(page, "allocation-changed");

      // The same inputs through the CLI.
      const dir = mkdtempSync(join(tmpdir(), "jiuzhu-alloc-"));
      try {
        const defaults = JSON.parse(readFileSync("metrics/allocation/allocation.default.json", "utf8")) as Record<string, unknown>;
        const config = join(dir, "config.json");
        writeFileSync(config, JSON.stringify({ ...defaults, weights: { need: 0.5, fiscal: 0.1, performance: 0.4 } }));
        const out = execFileSync(
          process.execPath,
          ["bin/jiuzhu.js", "allocate", "--window", window, "--pool", String(pool), "--config", config, "--format", "json", "--no-record", "--db", DB],
          { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
        );
        const cli = JSON.parse(out) as CliResult;
        expect(cli.total).toBe(pool);
        const cliAmounts = Object.fromEntries(cli.counties.map((c) => [c.code, c.amount]));
        expect(Object.fromEntries(rows.map((r) => [r.code, r.amount]))).toEqual(cliAmounts);
        expect(pageHash?.trim()).toBe(cli.input_hash);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      // Downloads: XLSX (with the audit sheet) and CSV.
      const [xlsx] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-xlsx").click()]);
      expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
      const xlsxBytes = readFileSync((await xlsx.path())!);
      expect(xlsxBytes.subarray(0, 2).toString()).toBe("PK");
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsxBytes as unknown as ArrayBuffer);
      expect(book.worksheets.map((w) => w.name)).toEqual([`资金分配 ${window}`, "审计信息"]);
      const sheet = book.worksheets[0]!;
      const header = (sheet.getRow(2).values as unknown[]).map(String);
      const amountColumn = header.indexOf("分配金额（元）");
      expect(amountColumn).toBeGreaterThan(0);
      expect((sheet.getRow(sheet.rowCount).getCell(amountColumn).value as ExcelJS.CellFormulaValue).result).toBe(pool);
      // The page's workbook is the CLI's, byte for byte (same writer, same run).
      const cliXlsx = join(mkdtempSync(join(tmpdir(), "jiuzhu-alloc-x-")), "cli.xlsx");
      const defaults = JSON.parse(readFileSync("metrics/allocation/allocation.default.json", "utf8")) as Record<string, unknown>;
      const cfg = join(tmpdir(), `jiuzhu-alloc-cfg-${process.pid}.json`);
      writeFileSync(cfg, JSON.stringify({ ...defaults, weights: { need: 0.5, fiscal: 0.1, performance: 0.4 } }));
      execFileSync(process.execPath, ["bin/jiuzhu.js", "allocate", "--window", window, "--pool", String(pool), "--config", cfg, "--format", "xlsx", "--out", cliXlsx, "--no-record", "--db", DB], { stdio: "pipe" });
      const cliBook = new ExcelJS.Workbook();
      await cliBook.xlsx.load(readFileSync(cliXlsx) as unknown as ArrayBuffer);
      const amounts = (b: ExcelJS.Workbook) => (b.worksheets[0]!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => [r[1], r[amountColumn]]);
      expect(amounts(book)).toEqual(amounts(cliBook));
      const auditRows = book.worksheets[1]!.getSheetValues().filter(Boolean) as unknown[][];
      expect(auditRows.some((r) => r[1] === "输入数据哈希（SHA-256）" && r[2] === pageHash?.trim())).toBe(true);
      const [csv] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-csv").click()]);
      const csvText = readFileSync((await csv.path())!, "utf8");
      expect(csvText.charCodeAt(0)).toBe(0xfeff);
      expect(csvText).toContain("分配金额（元）");
      expect(csvText).not.toContain("输入数据哈希"); // the table only
      const [auditCsv] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-audit-csv").click()]);
      expect(auditCsv.suggestedFilename()).toMatch(/-audit\.csv$/);
      expect(readFileSync((await auditCsv.path())!, "utf8")).toContain(`输入数据哈希（SHA-256）,${pageHash?.trim()}`);
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("refuses weights that do not add up to 1, in Chinese", async () => {
    const visit = await site.open("/allocation");
    try {
      const form = visit.page.locator("form.allocation-form");
      await visit.page.locator(".allocation-table tbody tr").first().waitFor();
      await form.locator("input[name=w_need]").fill("0.9");
      await form.locator("input[name=w_need]").dispatchEvent("change");
      const error = visit.page.locator("#allocation-error");
      await error.waitFor();
      expect(await error.textContent()).toBe("无法分配：三项因素权重之和须为 1（当前为 1.5）");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("every row reconciles; a county deducted to zero says why", async () => {
    const visit = await site.open("/allocation");
    try {
      await visit.page.locator("#allocation-counties tbody tr").first().waitFor();
      const rows = await visit.page.locator("#allocation-counties tbody tr").evaluateAll((trs) =>
        trs.map((tr) => {
          const n = (k: string) => Number(tr.getAttribute(`data-${k}`));
          return { code: tr.getAttribute("data-code"), factor: n("factor"), adjustment: n("adjustment"), before: n("before"), deduction: n("deduction"), redistribution: n("redistribution"), amount: n("amount"), note: tr.querySelector("td.alloc-note")?.textContent ?? "" };
        }),
      );
      expect(rows.length).toBeGreaterThan(50);
      for (const r of rows) {
        expect(r.factor + r.adjustment, r.code!).toBe(r.before);
        expect(r.before - r.deduction + r.redistribution, r.code!).toBe(r.amount);
        if (r.amount === 0) expect(r.note, r.code!).not.toBe("");
      }
      const zero = rows.filter((r) => r.amount === 0 && r.deduction > 0);
      expect(zero.length).toBeGreaterThan(0);
      for (const r of zero) {
        expect(r.deduction).toBe(r.before);
        expect(r.note).toMatch(/^结余率超限全额扣减：结余率 [\d.]+% 超过上限 10%，应扣 [\d,]+ 元，扣减前金额 [\d,]+ 元全部扣减$/);
      }
      expect(await visit.page.locator("#allocation-summary").getAttribute("data-equal")).toBe("1");
      expect(await visit.page.locator("#allocation-summary").textContent()).toContain("✓ 与资金总额相等");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("an impossible floor is reported at the top, in Chinese, with the amount missing; no pool mark", async () => {
    const visit = await site.open("/allocation");
    const { page } = visit;
    try {
      await page.locator("#allocation-counties tbody tr").first().waitFor();
      const form = page.locator("form.allocation-form");
      await form.locator("select[name=floorKind]").selectOption("absolute");
      await form.locator("input[name=floorValue]").fill("2000000");
      await form.locator("input[name=floorValue]").dispatchEvent("change");
      const error = page.locator("#allocation-error");
      await error.waitFor();
      const item = error.locator("li").first();
      expect(await item.textContent()).toMatch(/^保底：\d+ 个参与分配的旗县下限合计 [\d,]+ 元，超过可分配资金 50,000,000 元，缺口 [\d,]+ 元$/);
      expect(Number(await item.getAttribute("data-missing"))).toBeGreaterThan(0);
      const [e, f] = [await error.boundingBox(), await form.boundingBox()];
      expect(e!.y).toBeLessThan(f!.y); // above the form: the top of the page
      expect(await page.locator("#allocation-summary").count()).toBe(0);
      expect(await page.locator("body").textContent()).not.toContain("✓ 与资金总额相等");
      await screenshot(page, "allocation-infeasible");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  it("two levels: the cities' amounts add up to the pool, each city's counties to the city, as the CLI gives them", async () => {
    const visit = await site.open("/allocation");
    const { page } = visit;
    try {
      await page.locator("#allocation-counties tbody tr").first().waitFor();
      const form = page.locator("form.allocation-form");
      await form.locator("select[name=level]").selectOption("city");
      await page.locator("#allocation-cities tbody tr").first().waitFor();
      const read = (sel: string) => page.locator(`${sel} tbody tr`).evaluateAll((trs) => trs.map((tr) => ({ code: tr.getAttribute("data-code")!, amount: Number(tr.getAttribute("data-amount")) })));
      const cities = await read("#allocation-cities");
      const counties = await read("#allocation-counties");
      expect(cities.length).toBe(12);
      expect(cities.reduce((a, c) => a + c.amount, 0)).toBe(50_000_000);
      for (const c of cities) expect(counties.filter((k) => k.code.startsWith(c.code)).reduce((a, k) => a + k.amount, 0), c.code).toBe(c.amount);
      const windowLabel = (await form.locator("select[name=window] option:checked").textContent()) ?? "";
      const window = /^(\d{4})年度$/.exec(windowLabel)?.[1] ?? windowLabel;
      const out = execFileSync(process.execPath, ["bin/jiuzhu.js", "allocate", "--window", window, "--pool", "50000000", "--level", "city", "--format", "json", "--no-record", "--db", DB], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      const cli = JSON.parse(out) as { cities: { code: string; amount: number }[]; counties: { code: string; amount: number }[] };
      expect(cities).toEqual(cli.cities.map((c) => ({ code: c.code, amount: c.amount })));
      expect(counties).toEqual(cli.counties.map((c) => ({ code: c.code, amount: c.amount })));
      expect(await page.locator(".audit tr", { hasText: "分配层级" }).locator("td").textContent()).toBe("两级分配（先盟市，后旗县）");
      await screenshot(page, "allocation-two-level");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });

  for (const width of [1440, 390]) {
    it(`the chart is horizontal bars sorted by amount, every name legible at ${width} px`, async () => {
      const visit = await site.open("/allocation", { viewport: { width, height: 900 } });
      const { page } = visit;
      try {
        const chart = page.locator("#allocation-chart svg").first();
        await chart.waitFor();
        const box = (await chart.boundingBox())!;
        expect(box.width).toBeLessThanOrEqual(width);
        const ticks = await chart.evaluate((svg) =>
          [...svg.querySelectorAll("[aria-label='y-axis tick label'] text")].map((t) => {
            const r = (t as SVGGraphicsElement).getBoundingClientRect();
            return { text: t.textContent ?? "", top: r.top, bottom: r.bottom, left: r.left, height: r.height };
          }),
        );
        const bars = await chart.evaluate((svg) => [...svg.querySelectorAll("[aria-label='bar'] rect")].map((r) => ({ y: Number(r.getAttribute("y")), w: Number(r.getAttribute("width")) })));
        expect(ticks.length).toBe(bars.length);
        expect(ticks.length).toBeGreaterThan(50);
        // Sorted: longest bar first, top to bottom.
        const byY = [...bars].sort((a, b) => a.y - b.y).map((b) => b.w);
        for (let i = 1; i < byY.length; i++) expect(byY[i]!).toBeLessThanOrEqual(byY[i - 1]! + 1e-6);
        // Legible: labels at least 11 px tall, none overlapping the next, none cut off at the left.
        const sorted = [...ticks].sort((a, b) => a.top - b.top);
        for (let i = 0; i < sorted.length; i++) {
          expect(sorted[i]!.height).toBeGreaterThanOrEqual(11);
          expect(sorted[i]!.left).toBeGreaterThanOrEqual(box.x - 1);
          if (i > 0) expect(sorted[i]!.top).toBeGreaterThanOrEqual(sorted[i - 1]!.bottom - 1);
        }
        await chart.screenshot({ path: join("tests/e2e/screenshots", `allocation-chart-${width}.png`) });
        expect(visit.errors).toEqual([]);
      } finally {
        await visit.close();
      }
    });
  }

  it("prints the whole table with its header on every page", async () => {
    const visit = await site.open("/allocation");
    const { page } = visit;
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-alloc-print-"));
    try {
      await page.locator("#allocation-counties tbody tr").first().waitFor();
      const codes = await page.locator("#allocation-counties tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-code")!));
      await page.emulateMedia({ media: "print" });
      const pdf = join(dir, "allocation.pdf");
      await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))![1]);
      // -raw: in the order drawn, so a header wrapped in its cell reads as one word.
      const text = Array.from({ length: pages }, (_, i) => execFileSync("pdftotext", ["-raw", "-f", String(i + 1), "-l", String(i + 1), pdf, "-"], { encoding: "utf8" }));
      const all = text.join("\n");
      for (const code of codes) expect(all, code).toContain(code);
      // A page of the table: a division code alone on its line (the chart shows names, not codes).
      const tablePages = text.filter((t) => codes.some((c) => new RegExp(`(^|\\s)${c}(\\s|$)`, "m").test(t)));
      expect(tablePages.length).toBeGreaterThan(1);
      for (const t of tablePages) expect(t.replace(/\s+/g, "")).toMatch(/区划代码.*考评等级.*分配金额/s);
      expect(all).toContain("合计");
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await visit.close();
    }
  });

  it("the scorecard prints every county with the header row on every page", async () => {
    const visit = await site.open("/scorecard");
    const { page } = visit;
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-score-print-"));
    try {
      await page.locator(".scorecard-table tbody tr").first().waitFor();
      const rows = await page.locator(".scorecard-table tbody tr").count();
      await page.emulateMedia({ media: "print" });
      const pdf = join(dir, "scorecard.pdf");
      await page.pdf({ path: pdf, preferCSSPageSize: true });
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))![1]);
      const text = Array.from({ length: pages }, (_, i) => execFileSync("pdftotext", ["-raw", "-f", String(i + 1), "-l", String(i + 1), pdf, "-"], { encoding: "utf8" }));
      // The table's pages: those with a rank number starting a line; each has the header.
      const ranks = text.map((t) => [...t.matchAll(/^(\d{1,3}) /gm)].map((m) => Number(m[1])));
      const tablePages = text.filter((_, i) => ranks[i]!.length > 5);
      expect(tablePages.length).toBeGreaterThan(1);
      for (const t of tablePages) expect(t).toMatch(/排名/);
      expect(Math.max(...ranks.flat())).toBeGreaterThanOrEqual(rows - 5); // down to the last ranks
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await visit.close();
    }
  });

  it("a county page offers its 项目支出绩效自评表 for download", async () => {
    const visit = await site.open("/region/150102");
    const { page } = visit;
    try {
      const links = page.locator(".selfeval-download a");
      await links.first().waitFor();
      expect(await links.count()).toBe(2);
      const href = (await links.first().getAttribute("href"))!;
      expect(await links.first().getAttribute("download")).toMatch(/^项目支出绩效自评表_150102_新城区\.xlsx$/);
      const res = await page.request.get(new URL(href, page.url()).href);
      expect(res.status()).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await res.body()) as unknown as ArrayBuffer);
      const ws = book.worksheets[0]!;
      expect(ws.getCell("A1").value).toBe("项目支出绩效自评表");
      const cells = (ws.getSheetValues() as unknown[][]).filter(Boolean).flat().map(String);
      expect(cells.some((c) => c.includes("新城区"))).toBe(true);
      expect(cells).toContain("一级指标");
      expect(cells.some((c) => /^自评等级：[优良中差]$/.test(c))).toBe(true);
      const docx = await page.request.get(new URL((await links.nth(1).getAttribute("href"))!, page.url()).href);
      expect((await docx.body()).subarray(0, 2).toString()).toBe("PK");
      expect(visit.errors).toEqual([]);
      expect(visit.outside).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
