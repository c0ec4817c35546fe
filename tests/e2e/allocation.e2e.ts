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
      expect(book.worksheets.map((w) => w.name)).toEqual(["资金分配", "审计信息"]);
      const sheet = book.worksheets[0]!;
      const header = (sheet.getRow(2).values as unknown[]).map(String);
      const amountColumn = header.indexOf("分配金额（元）");
      expect(amountColumn).toBeGreaterThan(0);
      expect(sheet.getRow(sheet.rowCount).getCell(amountColumn).value).toBe(pool);
      const auditRows = book.worksheets[1]!.getSheetValues().filter(Boolean) as unknown[][];
      expect(auditRows.some((r) => r[1] === "输入数据哈希（SHA-256）" && r[2] === pageHash?.trim())).toBe(true);
      const [csv] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-csv").click()]);
      const csvText = readFileSync((await csv.path())!, "utf8");
      expect(csvText.charCodeAt(0)).toBe(0xfeff);
      expect(csvText).toContain("分配金额（元）");
      expect(csvText).toContain("输入数据哈希（SHA-256）");
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
      expect(await error.textContent()).toContain("权重之和须为 1");
      expect(visit.errors).toEqual([]);
    } finally {
      await visit.close();
    }
  });
});
