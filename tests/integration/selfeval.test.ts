// `jiuzhu report self-evaluation`: the 项目支出绩效自评表 from the marts, points by the stated
// rule (hand-checked), XLSX and DOCX written, both printed by LibreOffice with the header.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { soffice as runSoffice } from "../fixtures/office.js";
import { runCli as cli } from "../fixtures/cli.js";
import { withWarehouse } from "../../loaders/db.js";
import { DEFAULT_SELFEVAL, parseSelfEvalConfig } from "../../metrics/selfeval/config.js";
import { selfEvaluation } from "../../metrics/selfeval/form.js";
import { CITIES, COUNTIES, createMartIndicator } from "./score.fixture.js";

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-selfeval-"));
  db = join(dir, "w.duckdb");
  await withWarehouse(db, async (wh) => {
    await createMartIndicator(wh);
    await wh.run("CREATE TABLE dim_region (code VARCHAR, name VARCHAR, level VARCHAR, parent_code VARCHAR)");
    await wh.run("INSERT INTO dim_region VALUES ('15', '内蒙古自治区', 'province', NULL)");
    for (const c of CITIES) await wh.run("INSERT INTO dim_region VALUES (?, ?, 'city', '15')", [c.code, c.name]);
    for (const c of COUNTIES) await wh.run("INSERT INTO dim_region VALUES (?, ?, 'county', ?)", [c.code, c.name, c.city]);
    // The year's budget execution of 回民区: 750,000.50 of 1,000,000.00 (75.00005 %).
    await wh.run(
      `INSERT INTO mart_indicator (region_code, region_name, level, "window", indicator, value, numerator, denominator, status, data_version)
       VALUES ('150103', '回民区', 'county', '2026', 'budget.execution_rate', 0.7500005, 750000.5, 1000000, 'ok', 'fixture')`,
    );
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the 项目支出绩效自评表", () => {
  it("the default indicator set adds up to 100 points: 预算执行 10, 产出 50, 效益 30, 满意度 10", () => {
    const by: Record<string, number> = {};
    for (const i of DEFAULT_SELFEVAL.indicators) by[i.level1] = (by[i.level1] ?? 0) + i.points;
    expect([DEFAULT_SELFEVAL.budgetPoints, by["产出指标"], by["效益指标"], by["满意度指标"]]).toEqual([10, 50, 30, 10]);
    expect(DEFAULT_SELFEVAL.indicators.map((i) => i.indicator)).toEqual(
      expect.arrayContaining(["coverage.persons", "accuracy.standard_ok", "funds.paid_rate", "funds.socialized_rate", "coverage.need_rate", "satisfaction.rate"]),
    );
    // Targets not written in the configuration come from the catalogue.
    expect(DEFAULT_SELFEVAL.indicators.find((i) => i.indicator === "satisfaction.rate")!.target).toEqual({ op: ">=", value: 0.9 });
    expect(() => parseSelfEvalConfig({ ...DEFAULT_SELFEVAL, budgetPoints: 11 })).toThrow(/points add up to 101, not 100/);
    expect(() => parseSelfEvalConfig({ ...DEFAULT_SELFEVAL, indicators: [{ level1: "产出指标", level2: "数量指标", indicator: "coverage.nothing", points: 90 }] })).toThrow(/not an indicator/);
  });

  it("reads the year's figures from the marts and scores them by the stated rule (hand-checked)", async () => {
    await withWarehouse(db, async (wh) => {
      const f = await selfEvaluation(wh, "150103", 2026, DEFAULT_SELFEVAL);
      expect(f.region).toEqual({ code: "150103", name: "回民区", level: "county", parentName: "呼和浩特市" });
      const row = (id: string) => f.rows.find((r) => r.indicator === id)!;
      expect([row("coverage.persons").actual, row("coverage.persons").score]).toEqual(["300 人", 10]); // 据实保障
      expect([row("funds.paid_rate").target, row("funds.paid_rate").actual, row("funds.paid_rate").score]).toEqual(["≥100%", "97.00%", 7.76]); // 8 × 0.97
      expect(row("funds.paid_rate").note).toMatch(/^未达到年度指标值，差 3\.00 个百分点；原因及改进措施：/);
      expect(row("accuracy.benefit_rate").score).toBe(5.94); // 6 × 0.97 ÷ 0.98
      expect(row("satisfaction.rate").score).toBe(10); // 0.9 ≥ 0.9
      expect(row("supervision.rectified_rate").score).toBe(6.3); // 7 × 0.9
      expect([row("integrity.duplicate_persons").target, row("integrity.duplicate_persons").actual, row("integrity.duplicate_persons").score]).toEqual(["=0 人", "2 人", 0]);
      expect([row("coverage.need_rate").actual, row("coverage.need_rate").score]).toEqual(["数据缺失", 0]);
      expect(row("coverage.need_rate").note).toMatch(/数据缺失/);
      expect(f.budget).toMatchObject({ planned: "1,000,000.00", executed: "750,000.50", points: 10, score: 7.5 });
      const sum = Math.round((f.rows.reduce((a, r) => a + r.score, 0) + f.budget.score) * 100) / 100;
      expect(f.total).toBe(sum);
      expect(f.grade).toBe(f.total >= 90 ? "优" : f.total >= 80 ? "良" : f.total >= 60 ? "中" : "差");
      expect(f.level1Points).toEqual({ 产出指标: 50, 效益指标: 30, 满意度指标: 10 });
      // A gap in the mart is a missing figure, never a silent zero without a word.
      const gap = await selfEvaluation(wh, "150202", 2026, DEFAULT_SELFEVAL);
      const r = gap.rows.find((x) => x.indicator === "supervision.rectified_rate")!;
      expect([r.status, r.score, r.actual]).toEqual(["gap", 0, "数据缺失"]);
    });
  });

  it("jiuzhu report self-evaluation writes XLSX and DOCX per county; --all every county", async () => {
    const out = join(dir, "one");
    const r = await cli("report", "self-evaluation", "--year", "2026", "--county", "150103", "--out", out, "--db", db);
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["项目支出绩效自评表_2026_150103_回民区.docx", "项目支出绩效自评表_2026_150103_回民区.xlsx"]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, "项目支出绩效自评表_2026_150103_回民区.xlsx"));
    const ws = wb.worksheets[0]!;
    expect(ws.getCell("A1").value).toBe("项目支出绩效自评表");
    expect(ws.getCell("A2").value).toBe("（2026 年度）");
    let header = 0;
    let total: unknown[] = [];
    ws.eachRow((row, i) => {
      const v = (row.values as unknown[]).slice(1);
      if (v[0] === "一级指标") header = i;
      if (v[0] === "总分") total = v;
    });
    expect((ws.getRow(header).values as unknown[]).slice(1)).toEqual(["一级指标", "二级指标", "三级指标", "年度指标值", "全年实际值", "分值", "得分", "未完成原因及改进措施"]);
    expect(total[5]).toBe("100");
    expect(total[7]).toMatch(/^自评等级：[优良中差]$/);
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: "portrait", fitToPage: true, fitToWidth: 1 });
    expect(ws.pageSetup.printTitlesRow).toBe(`${header}:${header}`);

    const all = join(dir, "all");
    expect((await cli("report", "self-evaluation", "--year", "2026", "--all", "--format", "xlsx", "--out", all, "--db", db)).code).toBe(0);
    expect(readdirSync(all)).toHaveLength(COUNTIES.length);
    const bad = await cli("report", "self-evaluation", "--year", "2026", "--out", all, "--db", db);
    expect([bad.code, bad.err]).toEqual([1, "jiuzhu: give either --county CODE or --all\n"]);
    const none = await cli("report", "self-evaluation", "--year", "2019", "--county", "150103", "--out", all, "--db", db);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no indicator figures for 回民区（150103）in 2019/);
  });

  it("LibreOffice prints the XLSX and the DOCX with the header row on every page", async () => {
    const out = join(dir, "one");
    const soffice = spawnSync("soffice", ["--version"], { encoding: "utf8" });
    if (soffice.error || soffice.status !== 0) {
      if (process.env.JIUZHU_REQUIRE_SOFFICE) throw new Error("`soffice` is required (JIUZHU_REQUIRE_SOFFICE) but not installed");
      console.warn("SKIPPED the LibreOffice check: `soffice` is not installed (apt-get install --no-install-recommends libreoffice-calc-nogui libreoffice-writer-nogui)");
      return;
    }
    for (const ext of ["xlsx", "docx"]) {
      const file = join(out, `项目支出绩效自评表_2026_150103_回民区.${ext}`);
      const pdfDir = join(dir, `pdf-${ext}`);
      await runSoffice(["--headless", `-env:UserInstallation=file://${join(dir, "lo-profile")}`, "--convert-to", "pdf", "--outdir", pdfDir, file], { timeout: 180_000 });
      const pdf = join(pdfDir, `项目支出绩效自评表_2026_150103_回民区.pdf`);
      expect(existsSync(pdf)).toBe(true);
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync("pdfinfo", [pdf], { encoding: "utf8" }))![1]);
      console.info(`self-evaluation form (${ext}): ${pages} printed page(s)`);
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(pages).toBeLessThanOrEqual(2);
      let tablePages = 0;
      for (let p = 1; p <= pages; p++) {
        const text = execFileSync("pdftotext", ["-f", String(p), "-l", String(p), pdf, "-"], { encoding: "utf8" }).replace(/\s+/g, "");
        // Every page that carries indicator rows carries the header row.
        if (!DEFAULT_SELFEVAL.indicators.some((i) => text.includes(i.name.replace(/\s+/g, "")))) continue;
        tablePages++;
        expect(text, `${ext} page ${p}`).toMatch(/一级指标/);
        expect(text).toMatch(/未完成原因及改进措施/);
      }
      expect(tablePages).toBeGreaterThanOrEqual(1);
      const all = execFileSync("pdftotext", [pdf, "-"], { encoding: "utf8" });
      expect(all).toContain("项目支出绩效自评表");
      expect(all).toMatch(/困难群众满意度/);
      expect(all).toMatch(/评分规则/);
    }
    writeFileSync(join(dir, "done"), "");
  }, 240_000);
});
