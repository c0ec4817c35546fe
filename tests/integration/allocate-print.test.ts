// The allocation XLSX prints as filed: LibreOffice converts it to PDF, and every page of the
// table is one whole page wide with the title and header rows on it; the audit sheet is one
// page. Skipped with a message when `soffice` is absent, unless JIUZHU_REQUIRE_SOFFICE=1 (CI).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { soffice as runSoffice } from "../fixtures/office.js";
import { allocate, allocateTwoLevel, FACTOR_LABELS, type AllocationCountyInput } from "../../metrics/allocation/core.js";
import { DEFAULT_ALLOCATION } from "../../metrics/allocation/config.js";
import { allocationWorkbook, auditPairs } from "../../metrics/allocation/present.js";
import { toXlsx } from "../../metrics/export/xlsx.js";
import { PROVINCE_TERMS } from "../../metrics/terms.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-allocate-print-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sofficeAvailable(): boolean {
  const r = spawnSync("soffice", ["--version"], { encoding: "utf8" });
  if (!r.error && r.status === 0) return true;
  if (process.env.JIUZHU_REQUIRE_SOFFICE) throw new Error("`soffice` is required (JIUZHU_REQUIRE_SOFFICE) but not installed");
  console.warn("SKIPPED the LibreOffice print check: `soffice` is not installed (apt-get install --no-install-recommends libreoffice-calc-nogui)");
  return false;
}

/** XLSX → PDF with LibreOffice; the text of each page (pdftotext). */
export async function pdfPages(file: string, work: string): Promise<string[]> {
  await runSoffice(["--headless", `-env:UserInstallation=file://${join(work, "lo-profile")}`, "--convert-to", "pdf", "--outdir", work, file], { timeout: 180_000 });
  const pdf = join(work, file.replace(/^.*\//, "").replace(/\.\w+$/, ".pdf"));
  const info = execFileSync("pdfinfo", [pdf], { encoding: "utf8" });
  const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
  return Array.from({ length: pages }, (_, i) => execFileSync("pdftotext", ["-layout", "-f", String(i + 1), "-l", String(i + 1), pdf, "-"], { encoding: "utf8" }));
}

// A province the size of Inner Mongolia: 12 cities, 108 counties, long names, some failing, some deducted.
const T = PROVINCE_TERMS["15"]!;
const counties: AllocationCountyInput[] = Array.from({ length: 108 }, (_, i) => ({
  code: String(150100 + Math.floor(i / 9) * 100 + (i % 9) + 2),
  name: i % 7 === 0 ? `第${i}号高新技术产业开发区管理委员会` : `第${i}旗`,
  grade: i % 5 === 0 ? "不合格" : i % 3 === 0 ? "优秀" : "合格",
  composite: i % 5 === 0 ? 55 : 60 + ((i * 37) % 40) + 0.25,
  need: 100 + ((i * 7919) % 2000) + (i % 3) / 3,
  fiscal: 0.1 + ((i * 13) % 90) / 100,
  previous: null,
  rollover: { ratio: i % 11 === 0 ? 0.6 : 0.05, balance: i % 11 === 0 ? 6_000_000 : 50_000, spent: 1_000_000 },
  city_code: String(1501 + Math.floor(i / 9)),
}));
const cities = Array.from({ length: 12 }, (_, k) => ({ code: String(1501 + k), name: `第${k + 1}盟市`, composite: 70 + k, grade: "合格" }));

function workbook(level: "county" | "city"): string {
  const result =
    level === "city"
      ? allocateTwoLevel({ pool: 50_000_000, counties, cities }, DEFAULT_ALLOCATION, T)
      : allocate({ pool: 50_000_000, counties }, DEFAULT_ALLOCATION, T);
  const audit = auditPairs({
    window: "2025",
    pool: 50_000_000,
    total: result.total,
    eligibleCount: result.eligible_count,
    config: DEFAULT_ALLOCATION,
    factorLabels: FACTOR_LABELS,
    scorecardVersion: "2026.1",
    previousRunId: null,
    fiscalYear: 2025,
    rolloverWindow: "2025",
    inputHash: "0".repeat(64),
    softwareVersion: "jiuzhu test",
    warnings: result.warnings,
    level,
    terms: T,
  });
  const file = join(dir, `allocation-${level}.xlsx`);
  writeFileSync(file, toXlsx(allocationWorkbook({ window: "2025", pool: 50_000_000, level, terms: T, counties: result.counties, cities: result.cities, audit })));
  return file;
}

describe("the allocation XLSX on paper (LibreOffice → PDF)", () => {
  it("county level: every table page is whole-width with the title and header; totals on the last; the audit on one page", async () => {
    const file = workbook("county");
    if (!sofficeAvailable()) return;
    const pages = await pdfPages(file, dir);
    const table = pages.filter((p) => p.includes("以奖代补资金分配表"));
    const audit = pages.filter((p) => p.includes("审计信息") && !p.includes("以奖代补资金分配表"));
    console.info(`allocation XLSX (108 counties): ${pages.length} printed pages (${table.length} table + ${audit.length} audit)`);
    expect(table.length + audit.length).toBe(pages.length);
    expect(table.length).toBeGreaterThanOrEqual(2);
    expect(table.length).toBeLessThanOrEqual(4);
    for (const p of table) {
      // One page wide: the first and the last column on every page; the header repeated.
      expect(p).toContain("区划代码");
      expect(p).toMatch(/说明/);
      expect(p).toMatch(/分配金额/);
      expect(p).toMatch(/第 \d+ 页，共 \d+ 页/);
    }
    expect(table.at(-1)).toMatch(/合计/);
    expect(table.slice(0, -1).join("")).not.toMatch(/合计\s+[\d,]/);
    // The audit sheet, 项目 and 内容 side by side on one page, down to its last fact.
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatch(/项目\s+内容/);
    expect(audit[0]).toContain("核对关系");
    expect(audit[0]).toContain("输入数据哈希");
  }, 240_000);

  it("two levels: the cities' sheet, the counties' sheet and the audit all print with their headers", async () => {
    const file = workbook("city");
    if (!sofficeAvailable()) return;
    const pages = await pdfPages(file, dir);
    const first = pages.filter((p) => p.includes("第一级：盟市"));
    const second = pages.filter((p) => p.includes("第二级：旗县"));
    expect(first).toHaveLength(1);
    expect(second.length).toBeGreaterThanOrEqual(2);
    for (const p of [...first, ...second]) expect(p).toContain("区划代码");
    expect(pages.filter((p) => /项目\s+内容/.test(p))).toHaveLength(1);
    expect(first.length + second.length + 1).toBe(pages.length);
  }, 240_000);
});
