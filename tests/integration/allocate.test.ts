import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { soffice as runSoffice } from "../fixtures/office.js";
import { runCli as cli } from "../fixtures/cli.js";
import { Warehouse, withWarehouse } from "../../loaders/db.js";
import { DEFAULT_ALLOCATION } from "../../metrics/allocation/config.js";
import { loadAllocationInputs, runAllocation } from "../../metrics/allocation/run.js";
import { parsePool } from "../../metrics/scorecard/cli.js";
import { computeScores } from "../../metrics/scorecard/compute.js";
import { createCountyProfile, createMartIndicator, fixtureRows } from "./score.fixture.js";

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-allocate-"));
  db = join(dir, "w.duckdb");
  await withWarehouse(db, async (wh) => {
    await createMartIndicator(wh);
    await createCountyProfile(wh);
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe("parsePool", () => {
  it("reads yuan with separators, 元, 万 and 亿", () => {
    expect(parsePool("50000000")).toBe(50_000_000);
    expect(parsePool("50,000,000元")).toBe(50_000_000);
    expect(parsePool("5000万")).toBe(50_000_000);
    expect(parsePool("1.25亿")).toBe(125_000_000);
    expect(() => parsePool("100.5")).toThrow(/whole number/);
    expect(() => parsePool("-5")).toThrow(/not an amount/);
    expect(() => parsePool("0")).toThrow(/positive/);
  });
});

describe("runAllocation", () => {
  it("allocates the pool exactly, excludes the failing counties with reasons, and records the run", async () => {
    await withWarehouse(db, async (wh) => {
      const run = await runAllocation(wh, { window: "2026", pool: 10_000_001, now: new Date("2027-01-15T08:00:00Z") });
      expect(run.result.counties.reduce((a, c) => a + c.amount, 0)).toBe(10_000_001);
      const failing = run.result.counties.filter((c) => c.grade === "不合格");
      expect(failing.length).toBeGreaterThan(0);
      for (const c of failing) {
        expect(c.amount).toBe(0);
        expect(c.excluded_reason).toMatch(/不合格/);
      }
      expect(run.inputs.fiscalYear).toBe(2026);
      expect(run.inputs.counties.find((c) => c.code === "150103")!.fiscal).toBeCloseTo(0.8, 12);
      expect(run.inputs.counties.find((c) => c.code === "150103")!.need).toBe(300);
      const meta = await wh.query<{ run_id: string; pool: bigint; input_hash: string; software_version: string; scorecard_version: string; weights: string }>(
        "SELECT run_id, pool, input_hash, software_version, scorecard_version, weights FROM meta_allocation WHERE run_id = ?",
        [run.run_id!],
      );
      expect(meta).toHaveLength(1);
      expect(meta[0]!.pool).toBe(10_000_001n);
      expect(meta[0]!.input_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(meta[0]!.software_version).toMatch(/^jiuzhu \d+\.\d+\.\d+/);
      expect(meta[0]!.scorecard_version).toBe("2026.1");
      expect(JSON.parse(meta[0]!.weights)).toEqual({ fiscal: 0.2, need: 0.4, performance: 0.4 });
      const sum = await wh.query<{ s: bigint; n: bigint }>("SELECT sum(amount) AS s, count(*) AS n FROM mart_allocation WHERE run_id = ?", [run.run_id!]);
      expect(sum[0]!.s).toBe(10_000_001n);
      expect(sum[0]!.n).toBe(5n);
    });
  });

  it("the same inputs give the same hash and money; a changed input changes the hash", async () => {
    await withWarehouse(db, async (wh) => {
      const a = await runAllocation(wh, { window: "2026", pool: 3_000_000, record: false });
      const b = await runAllocation(wh, { window: "2026", pool: 3_000_000, record: false });
      expect(b.input_hash).toBe(a.input_hash);
      expect(JSON.stringify(b.result)).toBe(JSON.stringify(a.result));
      const c = await runAllocation(wh, { window: "2026", pool: 3_000_001, record: false });
      expect(c.input_hash).not.toBe(a.input_hash);
      // The inputs are those of mart_allocation_input, which scoring rebuilds from core.
      await wh.run("UPDATE core_county_profile SET fiscal_difficulty = 0.81 WHERE county_code = '150103'");
      expect((await runAllocation(wh, { window: "2026", pool: 3_000_000, record: false })).input_hash).toBe(a.input_hash);
      await computeScores(wh, { windows: ["2026"] });
      const d = await runAllocation(wh, { window: "2026", pool: 3_000_000, record: false });
      expect(d.input_hash).not.toBe(a.input_hash);
      expect(d.inputs.counties.find((c) => c.code === "150103")!.fiscal).toBe(0.81);
      await wh.run("UPDATE core_county_profile SET fiscal_difficulty = 0.8 WHERE county_code = '150103'");
      await computeScores(wh, { windows: ["2026"] });
      const e = await runAllocation(wh, { window: "2026", pool: 3_000_000, record: false });
      expect(e.input_hash).toBe(a.input_hash);
    });
  });

  it("caps the change against the previous window's run and deducts an excess balance", async () => {
    const wh = await Warehouse.open(":memory:");
    try {
      // Three windows in a row; the year before gives the rollover for 2026-06.
      await createMartIndicator(wh, fixtureRows(["2025", "2026-05", "2026-06"]));
      await createCountyProfile(wh);
      const may = await runAllocation(wh, { window: "2026-05", pool: 1_000_000, now: new Date("2026-06-20T00:00:00Z") });
      const capped = { ...DEFAULT_ALLOCATION, changeCap: { ratio: 0.05 }, deduction: null };
      const june = await runAllocation(wh, { window: "2026-06", pool: 1_030_000, config: capped, now: new Date("2026-07-20T00:00:00Z") });
      expect(june.inputs.previousRunId).toBe(may.run_id);
      expect(june.result.warnings).toEqual([]);
      expect(june.result.counties.reduce((a, c) => a + c.amount, 0)).toBe(1_030_000);
      const mayBy = new Map(may.result.counties.map((c) => [c.code, c.amount]));
      let bound = 0;
      for (const c of june.result.counties) {
        expect(c.previous).toBe(mayBy.get(c.code));
        if (c.eligible && c.previous! > 0) expect(Math.abs(c.change!)).toBeLessThanOrEqual(Math.ceil(c.previous! * 0.05));
        if (c.bound === "change_cap" || c.bound === "change_floor") bound++;
      }
      expect(bound).toBeGreaterThan(0);

      // 150103 held 10 % of its 2025 spending (2,000,000): 200,000 − 5 % × 2,000,000 = 100,000 off, shared out again
      const deducting = { ...DEFAULT_ALLOCATION, changeCap: null, deduction: { limit: 0.05, rate: 1 } };
      const plain = await runAllocation(wh, { window: "2026-06", pool: 1_030_000, config: { ...deducting, deduction: null }, record: false });
      const cut = await runAllocation(wh, { window: "2026-06", pool: 1_030_000, config: deducting, record: false });
      expect(cut.inputs.rolloverWindow).toBe("2025");
      expect(cut.result.counties.reduce((a, c) => a + c.amount, 0)).toBe(1_030_000);
      const deducted = cut.result.counties.find((c) => c.code === "150103")!;
      expect(deducted.before_deduction).toBe(plain.result.counties.find((c) => c.code === "150103")!.amount);
      expect(deducted.deduction).toBe(Math.min(100_000, deducted.before_deduction));
      expect(deducted.deduction).toBeGreaterThan(0);
      expect(deducted.amount).toBe(deducted.before_deduction - deducted.deduction);
      expect(deducted.bound).toBe("deducted");
      const other = cut.result.counties.find((c) => c.code === "150102")!;
      expect(other.deduction).toBe(0); // 5 % is not above the limit
      expect(other.amount).toBeGreaterThan(plain.result.counties.find((c) => c.code === "150102")!.amount);
    } finally {
      wh.close();
    }
  });
});

describe("rollover year", () => {
  it("a year window takes its own December, else the year before's while its December is not in", async () => {
    const wh = await Warehouse.open(":memory:");
    try {
      await createMartIndicator(wh, fixtureRows(["2025", "2026"]));
      await createCountyProfile(wh);
      expect((await runAllocation(wh, { window: "2026", pool: 1000, record: false })).inputs.rolloverWindow).toBe("2026");
      await wh.run(`DELETE FROM mart_indicator WHERE "window" = '2026' AND indicator = 'budget.rollover_ratio'`);
      await wh.run("DROP TABLE mart_allocation_input");
      await expect(loadAllocationInputs(wh, "2026", { compute: false })).rejects.toThrow(/run `jiuzhu score --window 2026` first/);
      const run = await runAllocation(wh, { window: "2026", pool: 1000, record: false });
      expect(run.inputs.rolloverWindow).toBe("2025");
      expect(run.inputs.counties.every((c) => c.rollover !== null)).toBe(true);
    } finally {
      wh.close();
    }
  });
});

describe("jiuzhu score and allocate", () => {
  it("score prints the ranked table, csv and json", async () => {
    const t = await cli("score", "--window", "2026-06", "--db", db);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/1 +↑1 +150102 +新城区 +100\.00 +优秀/);
    const csv = await cli("score", "--window", "2026-06", "--format", "csv", "--db", db);
    expect(csv.out.startsWith("\uFEFF排名,名次变化,区划代码,名称,综合得分,等级,规范运行（20）")).toBe(true);
    const json = JSON.parse((await cli("score", "--window", "2026", "--level", "city", "--format", "json", "--db", db)).out) as { region_code: string; grade: string }[];
    expect(json.map((r) => r.region_code)).toEqual(["1501", "1502"]);
    const detail = await cli("score", "--window", "2026-06", "--detail", "150104", "--db", db);
    expect(detail.out).toMatch(/玉泉区（150104）2026-06 +综合得分 \d+\.\d\d/);
    const bad = await cli("score", "--window", "2026-13", "--db", db);
    expect(bad.code).toBe(2); // a mistyped window is a usage error (issue 15)
    expect(bad.err).toMatch(/not a reporting window: "2026-13"/);
  });

  it("allocate gives byte-identical csv and json for the same inputs, and records each run", async () => {
    const args = ["allocate", "--window", "2026", "--pool", "12,345,678", "--db", db];
    const a = await cli(...args, "--format", "csv");
    const b = await cli(...args, "--format", "csv");
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(a.err).toMatch(/recorded allocation run 2026-/);
    const lines = a.out.split("\r\n");
    expect(lines.at(-2)).toMatch(/^合计,.*,12345678,/);
    expect(a.out).not.toContain("审计");
    const j1 = await cli(...args, "--format", "json", "--no-record");
    const j2 = await cli(...args, "--format", "json", "--no-record");
    expect(j2.out).toBe(j1.out);
    const parsed = JSON.parse(j1.out) as { total: number; counties: { amount: number }[] };
    expect(parsed.total).toBe(12_345_678);
    expect(parsed.counties.reduce((s, c) => s + c.amount, 0)).toBe(12_345_678);
    const bad = await cli("allocate", "--window", "2026", "--pool", "12.5", "--db", db);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/whole number of yuan/);
    const noOut = await cli("allocate", "--window", "2026", "--pool", "100", "--format", "xlsx", "--db", db);
    expect(noOut.err).toMatch(/--out/);
  });

  it("--compare tells a recorded run's inputs from today's: same hash, or exactly what changed", async () => {
    const first = await cli("allocate", "--window", "2026", "--pool", "4,000,000", "--format", "json", "--db", db);
    const runId = /recorded allocation run (\S+)/.exec(first.err)![1]!;
    const same = await cli("allocate", "--window", "2026", "--pool", "4,000,000", "--format", "json", "--no-record", "--compare", runId, "--db", db);
    expect(same.err).toMatch(/inputs identical to run .* same money/);
    expect(same.out).toBe(first.out);
    await withWarehouse(db, (wh) => wh.run("UPDATE core_county_profile SET fiscal_difficulty = 0.75 WHERE county_code = '150103'"));
    expect((await cli("score", "--window", "2026", "--db", db)).code).toBe(0);
    try {
      const changed = await cli("allocate", "--window", "2026", "--pool", "4,000,001", "--format", "json", "--no-record", "--compare", runId, "--db", db);
      expect(changed.err).toMatch(/inputs differ/);
      expect(changed.err).toContain("pool: 4000000 → 4000001");
      expect(changed.err).toContain("150103.fiscal: 0.8 → 0.75");
      expect(changed.err.split("\n").filter((l) => l.startsWith("  "))).toHaveLength(2);
    } finally {
      await withWarehouse(db, (wh) => wh.run("UPDATE core_county_profile SET fiscal_difficulty = 0.8 WHERE county_code = '150103'"));
      await cli("score", "--window", "2026", "--db", db);
    }
  });

  it("writes an XLSX with the totals and the audit sheet; LibreOffice reads the same totals", async () => {
    const file = join(dir, "allocation.xlsx");
    const r = await cli("allocate", "--window", "2026", "--pool", "8,000,000", "--format", "xlsx", "--out", file, "--no-record", "--db", db);
    expect(r.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("资金分配 2026");
    expect(String(ws.getRow(1).getCell(1).value)).toMatch(/^以奖代补资金分配表/);
    const header = (ws.getRow(2).values as unknown[]).slice(1);
    const amountCol = header.indexOf("分配金额（元）") + 1;
    const total = ws.getRow(8).getCell(amountCol).value as ExcelJS.CellFormulaValue;
    expect(ws.getRow(8).getCell(1).value).toBe("合计");
    expect(total.result).toBe(8_000_000);
    const audit = wb.getWorksheet("审计信息")!;
    const facts = new Map<string, string>();
    audit.eachRow((row, i) => i > 2 && facts.set(String(row.getCell(1).value), String(row.getCell(2).value)));
    expect(facts.get("资金总额（元）")).toBe("8000000");
    expect(facts.get("输入数据哈希（SHA-256）")).toMatch(/^[0-9a-f]{64}$/);
    expect(facts.get("软件版本")).toMatch(/^jiuzhu /);

    const soffice = spawnSync("soffice", ["--version"], { encoding: "utf8" });
    if (soffice.error || soffice.status !== 0) {
      // CI installs LibreOffice before its second pass and sets this, so there the check cannot be skipped.
      if (process.env.JIUZHU_REQUIRE_SOFFICE) throw new Error("`soffice` is required (JIUZHU_REQUIRE_SOFFICE) but not installed");
      console.warn("SKIPPED the LibreOffice check: `soffice` is not installed (apt-get install --no-install-recommends libreoffice-calc-nogui)");
      return;
    }
    const outDir = join(dir, "lo");
    await runSoffice(["--headless", `-env:UserInstallation=file://${join(dir, "lo-profile")}`, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false", "--outdir", outDir, file],
      { timeout: 120_000 },
    );
    const csv = readFileSync(join(outDir, "allocation.csv"), "utf8").replace(/^\uFEFF/, "");
    const lines = csv.trim().split(/\r?\n/).map((l) => l.split(","));
    const rows = lines.slice(lines.findIndex((r) => r[0] === "区划代码"));
    const col = rows[0]!.indexOf("分配金额（元）");
    expect(col).toBeGreaterThan(0);
    const totalRow = rows.find((r) => r[0] === "合计")!;
    const body = rows.slice(1).filter((r) => r[0] !== "合计");
    expect(body).toHaveLength(5);
    expect(Number(totalRow[col])).toBe(8_000_000);
    expect(body.reduce((s, r) => s + Number(r[col]), 0)).toBe(8_000_000);
  }, 180_000);
});
