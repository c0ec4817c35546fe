// Finance-grade allocation through the CLI: every amount recomputed from the exported XLSX
// alone with exact (bigint rational) arithmetic, the CSV holds the table only with its audit
// beside it, an impossible floor fails in Chinese, a deduction to zero says why, and the
// two-level run adds up at both levels.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli as cli } from "../fixtures/cli.js";
import { withWarehouse } from "../../loaders/db.js";
import { computeScores } from "../../metrics/scorecard/compute.js";
import { createCountyProfile, createMartIndicator } from "./score.fixture.js";

let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-allocate-exact-"));
  db = join(dir, "w.duckdb");
  await withWarehouse(db, async (wh) => {
    await createMartIndicator(wh);
    await createCountyProfile(wh);
    await computeScores(wh, { windows: ["2026"] });
    // A monthly average that is no whole number (257 ÷ 3 = 85.666…), a county whose
    // rollover takes its whole amount, and one that loses part of it.
    // Four of the five counties take part (the fixture fails three of them).
    await wh.run(`UPDATE mart_allocation_input SET grade = '合格', composite = 65.5 WHERE county_code = '150104' AND "window" = '2026'`);
    await wh.run(`UPDATE mart_allocation_input SET grade = '合格', composite = 61.25 WHERE county_code = '150202' AND "window" = '2026'`);
    await wh.run(`UPDATE mart_allocation_input SET persons = 257.0 / 3 WHERE county_code = '150103' AND "window" = '2026'`);
    await wh.run(`UPDATE mart_allocation_input SET rollover_ratio = 5, rollover_balance = 50000000.5, rollover_spent = 10000000.1 WHERE county_code = '150104' AND "window" = '2026'`);
    await wh.run(`UPDATE mart_allocation_input SET rollover_ratio = 0.2, rollover_balance = 400000.25, rollover_spent = 2000000 WHERE county_code = '150102' AND "window" = '2026'`);
    await wh.run(`UPDATE mart_allocation_input SET rollover_ratio = 0.01, rollover_balance = 1000, rollover_spent = 100000 WHERE county_code NOT IN ('150104', '150102') AND "window" = '2026'`);
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- an independent exact recomputation, from what the file states ----
type Q = [bigint, bigint];
const g = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : g(b, a % b));
const Q = (n: bigint, d = 1n): Q => {
  if (d < 0n) [n, d] = [-n, -d];
  const k = g(n, d) || 1n;
  return [n / k, d / k];
};
const plus = (a: Q, b: Q) => Q(a[0] * b[1] + b[0] * a[1], a[1] * b[1]);
const minus = (a: Q, b: Q) => Q(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
const times = (a: Q, b: Q) => Q(a[0] * b[0], a[1] * b[1]);
const over = (a: Q, b: Q) => Q(a[0] * b[1], a[1] * b[0]);
const less = (a: Q, b: Q) => a[0] * b[1] < b[0] * a[1];
const floor = (a: Q) => (a[0] >= 0n ? a[0] / a[1] : -((-a[0] + a[1] - 1n) / a[1]));
/** A cell's number as the decimal it is written as. */
function dec(v: unknown): Q {
  if (v === null || v === undefined || v === "") return Q(0n);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(v))!;
  expect(m, `not a decimal: ${String(v)}`).toBeTruthy();
  const f = m[3] ?? "";
  let n = BigInt(m[2]! + f);
  let d = 10n ** BigInt(f.length);
  const e = Number(m[4] ?? 0);
  if (e > 0) n *= 10n ** BigInt(e);
  if (e < 0) d *= 10n ** BigInt(-e);
  return Q(m[1] ? -n : n, d);
}

/** Largest remainder of R whole units over amounts ∝ w (ties: larger w, then lower code). */
function largestRemainder(codes: string[], w: Q[], R: bigint): bigint[] {
  const S = w.reduce(plus, Q(0n));
  const real = w.map((x) => (S[0] === 0n ? Q(R, BigInt(w.length)) : over(times(Q(R), x), S)));
  const out = real.map(floor);
  let left = R - out.reduce((a, b) => a + b, 0n);
  const order = codes
    .map((_, i) => i)
    .sort((a, b) => {
      const ra = minus(real[a]!, Q(out[a]!));
      const rb = minus(real[b]!, Q(out[b]!));
      if (less(rb, ra)) return -1;
      if (less(ra, rb)) return 1;
      if (less(w[b]!, w[a]!)) return -1;
      if (less(w[a]!, w[b]!)) return 1;
      return codes[a]! < codes[b]! ? -1 : 1;
    });
  for (const i of order) if (left > 0n) (out[i]! += 1n), left--;
  return out;
}

interface Sheet {
  header: string[];
  rows: Record<string, unknown>[];
}
function readSheet(ws: ExcelJS.Worksheet, headerRow: number): Sheet {
  const header = (ws.getRow(headerRow).values as unknown[]).slice(1).map(String);
  const rows: Record<string, unknown>[] = [];
  ws.eachRow((row, i) => {
    if (i <= headerRow) return;
    const values = (row.values as unknown[]).slice(1);
    if (values[0] === "合计") return;
    rows.push(Object.fromEntries(header.map((h, k) => [h, values[k] ?? null])));
  });
  return { header, rows };
}
function readAudit(ws: ExcelJS.Worksheet): Map<string, string> {
  const facts = new Map<string, string>();
  ws.eachRow((row, i) => i > 2 && facts.set(String(row.getCell(1).value), String(row.getCell(2).value)));
  return facts;
}

/** Recompute a county-level allocation (no floors or caps) from the sheet and the audit facts alone. */
function recompute(sheet: Sheet, facts: Map<string, string>, pool: bigint) {
  const weights = Object.fromEntries(
    facts
      .get("因素权重")!
      .split("；")
      .map((p) => p.split(" ") as [string, string]),
  );
  const w = [dec(weights["救助需求"]), dec(weights["财力困难"]), dec(weights["工作绩效"])];
  const line = dec(facts.get("合格线"));
  const ded = /结余率超过 ([\d.]+)% 的部分 × ([\d.]+)/.exec(facts.get("结余扣减")!);
  const eligible = sheet.rows.filter((r) => r["说明（未参与分配、0 元、扣减、约束）"] === null || !/不参与分配|未达到分配资格/.test(String(r["说明（未参与分配、0 元、扣减、约束）"])));
  const codes = eligible.map((r) => String(r["区划代码"]));
  const x = eligible.map((r) => [
    dec(r["救助需求（月均在保人数）"]),
    dec(r["财力困难系数"]),
    ((v: Q) => (less(v, Q(0n)) ? Q(0n) : v))(minus(dec(r["综合得分"]), line)),
  ]);
  const totals = [0, 1, 2].map((f) => x.reduce((a, xi) => plus(a, xi[f]!), Q(0n)));
  const share = x.map((xi) => [0, 1, 2].reduce((a, f) => plus(a, times(w[f]!, totals[f]![0] === 0n ? Q(1n, BigInt(x.length)) : over(xi[f]!, totals[f]!))), Q(0n)));
  const before = largestRemainder(codes, share, pool);
  const deduction = codes.map(() => 0n);
  if (ded) {
    const limit = over(dec(ded[1]), Q(100n));
    const rate = dec(ded[2]);
    eligible.forEach((r, i) => {
      const excess = times(rate, minus(dec(r["年末结余（元）"]), times(limit, dec(r["全年支出（元）"]))));
      if (!less(Q(0n), excess)) return;
      const units = floor(plus(excess, Q(1n, 2n)));
      deduction[i] = units < before[i]! ? units : before[i]!;
    });
  }
  const rest = codes.map((_, i) => i).filter((i) => deduction[i] === 0n);
  const D = deduction.reduce((a, b) => a + b, 0n);
  const again = largestRemainder(
    rest.map((i) => codes[i]!),
    rest.map((i) => share[i]!),
    D,
  );
  const redistribution = codes.map(() => 0n);
  rest.forEach((i, k) => (redistribution[i] = again[k]!));
  return new Map(codes.map((c, i) => [c, { before: before[i]!, deduction: deduction[i]!, redistribution: redistribution[i]!, amount: before[i]! - deduction[i]! + redistribution[i]! }]));
}

describe("jiuzhu allocate: reproducible from the file alone", () => {
  it("every amount recomputes from the XLSX's own columns and audit sheet, to the yuan", async () => {
    const file = join(dir, "a.xlsx");
    const r = await cli("allocate", "--window", "2026", "--pool", "10,000,003", "--format", "xlsx", "--out", file, "--no-record", "--db", db);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const sheet = readSheet(wb.worksheets[0]!, 2);
    const facts = readAudit(wb.getWorksheet("审计信息")!);
    expect(facts.get("公式 2 分配系数")).toMatch(/分配系数ᵢ = 0\.4 × x₁ᵢ\/Σx₁/);
    expect(sheet.rows).toHaveLength(5);
    // The average the run used, written with the decimals it has.
    expect(sheet.rows.find((row) => row["区划代码"] === "150103")!["救助需求（月均在保人数）"]).toBe(85.6667);
    const expected = recompute(sheet, facts, 10_000_003n);
    let checked = 0;
    for (const row of sheet.rows) {
      const e = expected.get(String(row["区划代码"]));
      if (!e) {
        expect(row["分配金额（元）"]).toBe(0);
        continue;
      }
      expect([row["扣减前金额（元）"], row["结余扣减（元）"], row["再分配（元）"], row["分配金额（元）"]].map((v) => BigInt(v as number)), String(row["区划代码"])).toEqual([
        e.before,
        e.deduction,
        e.redistribution,
        e.amount,
      ]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    // Every row reconciles and the totals equal the pool.
    for (const row of sheet.rows) {
      const n = (k: string) => Number(row[k] ?? 0);
      expect(n("因素测算金额（元）") + n("约束调整（元）")).toBe(n("扣减前金额（元）"));
      expect(n("扣减前金额（元）") - n("结余扣减（元）") + n("再分配（元）")).toBe(n("分配金额（元）"));
    }
    expect(sheet.rows.reduce((a, row) => a + Number(row["分配金额（元）"]), 0)).toBe(10_000_003);
    expect(facts.get("分配合计等于资金总额")).toBe("是");
  });

  it("a deduction to zero says why, in Chinese", async () => {
    const r = await cli("allocate", "--window", "2026", "--pool", "10,000,003", "--format", "json", "--no-record", "--db", db);
    const json = JSON.parse(r.out) as { counties: { code: string; amount: number; before_deduction: number; deduction: number; note: string | null }[] };
    const zero = json.counties.find((c) => c.code === "150104")!;
    expect(zero.before_deduction).toBeGreaterThan(0);
    expect(zero.deduction).toBe(zero.before_deduction);
    expect(zero.amount).toBe(0);
    expect(zero.note).toMatch(/^结余率超限全额扣减：结余率 500% 超过上限 10%，应扣 49,000,000 元，扣减前金额 [\d,]+ 元全部扣减$/);
    for (const c of json.counties) if (c.amount === 0) expect(c.note, c.code).toBeTruthy();
  });

  it("the CSV is the table only (BOM, exact decimals); the audit facts go to …-audit.csv", async () => {
    const file = join(dir, "a.csv");
    const r = await cli("allocate", "--window", "2026", "--pool", "10,000,003", "--format", "csv", "--out", file, "--no-record", "--db", db);
    expect(r.code, r.err).toBe(0);
    const csv = readFileSync(file, "utf8");
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trimEnd().split("\r\n");
    expect(lines).toHaveLength(1 + 5 + 1);
    expect(lines.at(-1)).toMatch(/^合计,/);
    expect(csv).not.toContain("输入数据哈希");
    expect(csv).toContain(",85.6667,");
    expect(csv).toContain(",50000000.50,10000000.10,");
    expect(csv).not.toMatch(/\d\.\d{9,}/); // no float noise
    const audit = readFileSync(join(dir, "a-audit.csv"), "utf8");
    expect(audit.startsWith("\uFEFF项目,内容\r\n")).toBe(true);
    expect(audit).toMatch(/输入数据哈希（SHA-256）,[0-9a-f]{64}/);
    expect(audit).toContain("公式 3 因素测算金额");
  });

  it("an impossible floor fails in Chinese, naming the constraint and the amount missing (exit 1, nothing recorded)", async () => {
    const config = join(dir, "floor.json");
    const defaults = JSON.parse(readFileSync("metrics/allocation/allocation.default.json", "utf8")) as Record<string, unknown>;
    writeFileSync(config, JSON.stringify({ ...defaults, floor: { kind: "absolute", amount: 4_000_000 } }));
    const r = await cli("allocate", "--window", "2026", "--pool", "10,000,000", "--config", config, "--db", db);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^jiuzhu: 约束无法同时满足，未分配：保底：\d 个参与分配的旗县下限合计 [\d,]+ 元，超过可分配资金 10,000,000 元，缺口 [\d,]+ 元\n$/);
    expect(r.out).toBe("");
    await withWarehouse(db, async (wh) => {
      const n = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta_allocation'");
      if (n[0]!.n > 0n) expect((await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM meta_allocation WHERE pool = 10000000"))[0]!.n).toBe(0n);
    });
  });

  it("--level city: cities by their counties' sums and their own scores, then each city's amount over its counties, recorded", async () => {
    const file = join(dir, "city.xlsx");
    const x = await cli("allocate", "--window", "2026", "--pool", "7,777,777", "--level", "city", "--format", "xlsx", "--out", file, "--db", db);
    expect(x.code, x.err).toBe(0);
    const runId = /recorded allocation run (\S+)/.exec(x.err)![1]!;
    expect(runId).toMatch(/^2026-city-/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(["盟市分配 2026", "资金分配 2026", "审计信息"]);
    const cities = readSheet(wb.worksheets[0]!, 2);
    const counties = readSheet(wb.worksheets[1]!, 2);
    expect(cities.rows.map((r) => r["区划代码"])).toEqual(["1501", "1502"]);
    expect(cities.rows.reduce((a, r) => a + Number(r["分配金额（元）"]), 0)).toBe(7_777_777);
    for (const city of cities.rows) {
      const mine = counties.rows.filter((r) => String(r["区划代码"]).startsWith(String(city["区划代码"])));
      expect(mine.reduce((a, r) => a + Number(r["分配金额（元）"]), 0)).toBe(city["分配金额（元）"]);
      expect(new Set(mine.map((r) => r["盟市"]))).toEqual(new Set([city["盟市"]]));
    }
    // The city level recomputes from its own sheet: need and fiscal are the sums of the eligible counties.
    const facts = readAudit(wb.getWorksheet("审计信息")!);
    expect(facts.get("分配层级")).toBe("两级分配（先盟市，后旗县）");
    expect(facts.get("两级分配")).toMatch(/第一级/);
    expect([...facts.keys()].filter((k) => k.startsWith("盟市核对"))).toHaveLength(2);
    const cityFacts = new Map([...facts, ["结余扣减", "无"]]);
    const cityRows = cities.rows.map((r) => ({ ...r, "说明（未参与分配、0 元、扣减、约束）": null }));
    const e = recompute({ header: cities.header, rows: cityRows }, cityFacts, 7_777_777n);
    for (const r of cities.rows) expect(BigInt(r["分配金额（元）"] as number)).toBe(e.get(String(r["区划代码"]))!.amount);

    await withWarehouse(db, async (wh) => {
      const meta = await wh.query<{ level: string; total: bigint }>("SELECT level, total FROM meta_allocation WHERE run_id = ?", [runId]);
      expect(meta).toEqual([{ level: "city", total: 7_777_777n }]);
      const rows = await wh.query<{ region_level: string; s: bigint }>(
        "SELECT region_level, sum(amount) AS s FROM mart_allocation WHERE run_id = ? GROUP BY 1 ORDER BY 1",
        [runId],
      );
      expect(rows).toEqual([
        { region_level: "city", s: 7_777_777n },
        { region_level: "county", s: 7_777_777n },
      ]);
    });
  });
});

describe("demo warehouse (when present)", () => {
  const demo = process.env.JIUZHU_DEMO_DB ?? "data/warehouse.duckdb";
  it.skipIf(!existsSync(demo))("recomputes all of the demo province's amounts from the XLSX, and every 0 元 says why", async () => {
    const copy = join(dir, "demo.duckdb");
    copyFileSync(demo, copy);
    const file = join(dir, "demo.xlsx");
    const r = await cli("allocate", "--window", "2025", "--pool", "50,000,000", "--format", "xlsx", "--out", file, "--no-record", "--db", copy);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const sheet = readSheet(wb.worksheets[0]!, 2);
    const expected = recompute(sheet, readAudit(wb.getWorksheet("审计信息")!), 50_000_000n);
    expect(expected.size).toBeGreaterThan(50);
    for (const row of sheet.rows) {
      const e = expected.get(String(row["区划代码"]));
      expect(BigInt(row["分配金额（元）"] as number), String(row["区划代码"])).toBe(e ? e.amount : 0n);
      if (row["分配金额（元）"] === 0) expect(row["说明（未参与分配、0 元、扣减、约束）"]).toBeTruthy();
    }
  }, 120_000);
});
