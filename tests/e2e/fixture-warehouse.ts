// A small warehouse shaped like the marts of ARCHITECTURE.md, for developing and
// testing the site before (or without) the real pipeline. Deterministic.
//   npx tsx tests/e2e/fixture-warehouse.ts /tmp/fixture.duckdb
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withWarehouse, quoteLiteral } from "../../loaders/db.js";
import { provinceDivisions } from "../../loaders/regions.js";
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";

const PROVINCE = "15";
const MONTHS = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"];
const WINDOWS = [...MONTHS, "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2025-H2", "2026-H1", "2025"];

/** Mulberry32: a tiny seeded generator so the fixture is the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COUNT_IDS = new Set(["coverage.persons", "coverage.entries", "coverage.exits", "integrity.duplicate_persons", "funds.unlisted_payments", "funds.proxy_violations"]);
const DAYS_IDS = new Set(["process.median_days", "process.p90_days", "budget.execution_lag", "complaints.per_10k"]);

async function main(out: string): Promise<void> {
  rmSync(out, { force: true });
  rmSync(`${out}.wal`, { force: true });
  const random = rng(42);
  const div = await provinceDivisions(PROVINCE);
  const cities = div.cities;
  const counties = div.counties;
  const regions = [
    { code: div.province.code, name: div.province.name, level: "province", parent_code: null, city_code: null },
    ...cities.map((c) => ({ code: c.code, name: c.name, level: "city", parent_code: PROVINCE, city_code: c.code })),
    ...counties.map((c) => ({ code: c.code, name: c.name, level: "county", parent_code: c.cityCode, city_code: c.cityCode })),
  ];
  const quality = new Map(counties.map((c) => [c.code, 0.75 + random() * 0.25]));
  const persons = new Map(counties.map((c) => [c.code, Math.round(3000 + random() * 30000)]));
  const tmp = join(tmpdir(), `jiuzhu-fixture-${process.pid}`);
  const ind: Record<string, unknown>[] = [];
  const valueOf = (id: string, q: number, size: number): { value: number | null; numerator: number | null; denominator: number | null } => {
    if (COUNT_IDS.has(id)) {
      const v = id === "coverage.persons" ? size : Math.round((1 - q) * 40 * random());
      return { value: v, numerator: null, denominator: null };
    }
    if (DAYS_IDS.has(id)) return { value: Math.round((10 + (1 - q) * 40 + random() * 5) * 10) / 10, numerator: null, denominator: null };
    const den = Math.round(size / 20) + 5;
    const num = Math.min(den, Math.round(den * Math.min(1, q + random() * 0.08)));
    return { value: num / den, numerator: num, denominator: den };
  };
  for (const window of WINDOWS) {
    for (const id of INDICATOR_IDS) {
      const byCounty: { code: string; v: ReturnType<typeof valueOf> }[] = [];
      for (const c of counties) {
        const gap = id === "reporting.timeliness" && random() < 0.02;
        const v = valueOf(id, quality.get(c.code)!, persons.get(c.code)!);
        byCounty.push({ code: c.code, v });
        ind.push({ region_code: c.code, region_name: c.name, level: "county", window, indicator: id, ...(gap ? { value: null, numerator: null, denominator: null } : v), n: v.denominator ?? 1, ci_low: null, ci_high: null, status: gap ? "gap" : "ok", computed_at: "2026-07-16T08:00:00", data_version: "fixture" });
      }
      const agg = (list: typeof byCounty, code: string, name: string, level: string) => {
        const num = list.reduce((s, x) => s + (x.v.numerator ?? 0), 0);
        const den = list.reduce((s, x) => s + (x.v.denominator ?? 0), 0);
        const sum = list.reduce((s, x) => s + (x.v.value ?? 0), 0);
        const value = COUNT_IDS.has(id) ? sum : DAYS_IDS.has(id) ? sum / list.length : den ? num / den : null;
        ind.push({ region_code: code, region_name: name, level, window, indicator: id, value, numerator: den ? num : null, denominator: den || null, n: den || list.length, ci_low: null, ci_high: null, status: "ok", computed_at: "2026-07-16T08:00:00", data_version: "fixture" });
      };
      for (const city of cities) agg(byCounty.filter((x) => x.code.startsWith(city.code)), city.code, city.name, "city");
      agg(byCounty, div.province.code, div.province.name, "province");
    }
  }
  const DIMENSIONS = [
    { dimension: "process", label: "规范运行", weight: 20, indicators: ["process.on_time_rate", "process.home_visit_rate", "process.county_check_rate", "process.publicity_rate"] },
    { dimension: "accuracy", label: "对象精准", weight: 25, indicators: ["accuracy.benefit_rate", "accuracy.review_on_time_rate", "accuracy.relative_filed_rate", "integrity.duplicate_persons", "supervision.error_rate"] },
    { dimension: "funds", label: "资金安全", weight: 25, indicators: ["funds.paid_rate", "funds.amount_match_rate", "funds.socialized_rate", "funds.proxy_violations"] },
    { dimension: "people", label: "群众满意", weight: 20, indicators: ["satisfaction.rate", "satisfaction.awareness_rate", "complaints.per_10k", "complaints.on_time_rate"] },
    { dimension: "oversight", label: "监督管理", weight: 10, indicators: ["supervision.rectified_rate", "reporting.completeness", "reporting.timeliness", "accuracy.standard_ok"] },
  ];
  const scores: Record<string, unknown>[] = [];
  const details: Record<string, unknown>[] = [];
  const grade = (s: number) => (s >= 90 ? "优秀" : s >= 80 ? "良好" : s >= 60 ? "合格" : "不合格");
  for (const window of WINDOWS) {
    for (const level of ["county", "city"] as const) {
      const list = level === "county" ? counties : cities;
      const rows = list.map((r) => {
        const q = level === "county" ? quality.get(r.code)! : 0.85;
        let score = 0;
        for (const d of DIMENSIONS) {
          const per = d.weight / d.indicators.length;
          for (const id of d.indicators) {
            const s = Math.max(0, Math.min(100, (q - 0.6) * 250 + random() * 20));
            details.push({ region_code: r.code, level, window, dimension: d.dimension, dimension_label: d.label, indicator: id, value: q, indicator_score: s, weight: per, points: (per * s) / 100, points_lost: per - (per * s) / 100, status: "ok" });
            score += (per * s) / 100;
          }
        }
        return { region_code: r.code, region_name: r.name, level, parent_code: level === "county" ? r.code.slice(0, 4) : PROVINCE, window, score, grade: grade(score) };
      });
      rows.sort((a, b) => b.score - a.score);
      rows.forEach((r, i) => scores.push({ ...r, rank: i + 1, rank_prev: Math.max(1, i + 1 + Math.round((random() - 0.5) * 6)), scorecard_version: "fixture-1" }));
    }
  }
  const cases: Record<string, unknown>[] = [];
  for (const c of counties.slice(0, 30)) {
    for (let i = 0; i < 3; i++) {
      cases.push({ indicator: "process.on_time_rate", window: "2026-06", county_code: c.code, case_key: `${c.code}-A${i}`, detail: JSON.stringify({ 身份证号: `${c.code}********123X`, 姓名: "张*", 受理日期: "2026-04-01", 审批日期: "2026-05-30", 工作日: 41 }) });
    }
  }
  const deliveries: Record<string, unknown>[] = [];
  const qualityRows: Record<string, unknown>[] = [];
  const EXTRACTS = ["roster", "payments", "applications", "funds", "complaints"];
  for (const c of counties) {
    for (const m of MONTHS) {
      for (const e of EXTRACTS) {
        const missing = random() < 0.02;
        const late = random() < 0.08;
        if (!missing) deliveries.push({ delivery_id: `${c.code}-${e}-${m}`, file_name: `${c.code}_${e}_${m}.csv`, content_hash: "x", extract_type: e, county_code: c.code, period: m, format: "csv", encoding: "utf-8", received_at: `${m}-${late ? "20" : "10"}T10:00:00`, loaded_at: "2026-07-16T08:00:00", rows_read: 100, rows_loaded: 98, rows_rejected: 2, status: "current", superseded_by: null, warnings: null });
        qualityRows.push({ county_code: c.code, extract_type: e, period: m, expected: 1, delivered: missing ? 0 : 1, on_time: missing || late ? 0 : 1, rows_loaded: missing ? 0 : 98, rows_rejected: missing ? 0 : 2, outliers: random() < 0.05 ? 1 : 0 });
      }
    }
  }
  const rejects = deliveries.slice(0, 200).map((d, i) => ({ delivery_id: d.delivery_id, file_name: d.file_name, line: i + 2, column_name: "id_number", value: "***", reason: i % 3 ? "身份证号校验位错误" : "日期格式无法识别" }));
  const files: Record<string, Record<string, unknown>[]> = {
    dim_region: regions,
    mart_indicator: ind,
    mart_score: scores,
    mart_score_detail: details,
    mart_case: cases,
    meta_delivery: deliveries,
    meta_reject: rejects,
    mart_quality: qualityRows,
  };
  await withWarehouse(out, async (wh) => {
    for (const [table, rows] of Object.entries(files)) {
      const file = `${tmp}-${table}.json`;
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
      await wh.run(`CREATE TABLE ${table} AS SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', sample_size = -1)`);
      rmSync(file);
    }
  });
  process.stderr.write(`fixture warehouse ${out}: ${ind.length} indicator rows, ${counties.length} counties\n`);
}

await main(process.argv[2] ?? join(tmpdir(), "jiuzhu-fixture.duckdb"));
