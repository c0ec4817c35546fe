// A small warehouse shaped like the marts of ARCHITECTURE.md, for developing and
// testing the site before (or without) the real pipeline. Deterministic.
//   npx tsx tests/e2e/fixture-warehouse.ts /tmp/fixture.duckdb
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withWarehouse, quoteLiteral } from "../../loaders/db.js";
import { provinceDivisions } from "../../loaders/regions.js";
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";
import { computeScores } from "../../metrics/scorecard/compute.js";

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
  const cases: Record<string, unknown>[] = [];
  for (const c of counties.slice(0, 30)) {
    for (let i = 0; i < 3; i++) {
      cases.push({ indicator: "process.on_time_rate", window: "2026-06", county_code: c.code, case_key: `${c.code}-A${i}`, detail: JSON.stringify({ program: "rural_dibao", applicant: `${c.code}********123X`, accepted_on: "2026-04-01", decided_on: "2026-05-30", working_days: 41, limit_days: 30, extended: false }) });
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
        qualityRows.push({ kind: "delivery", region_code: c.code, level: "county", window: m, subject: e, expected: 1, present: missing ? 0 : 1, on_time: missing || late ? 0 : 1, completeness: missing ? 0 : 1, timeliness: missing || late ? 0 : 1, value: null, median_history: null, z_history: null, median_peers: null, z_peers: null, flagged: missing || late, note: missing ? `missing ${m}` : late ? `late ${m}` : "", computed_at: "2026-07-16T08:00:00" });
        if (e === "roster" && random() < 0.01) qualityRows.push({ kind: "outlier", region_code: c.code, level: "county", window: m, subject: "coverage.persons", expected: null, present: null, on_time: null, completeness: null, timeliness: null, value: 99999, median_history: 5000, z_history: 12.5, median_peers: 8000, z_peers: 6.1, flagged: true, note: "history", computed_at: "2026-07-16T08:00:00" });
      }
    }
  }
  const rejects = deliveries.slice(0, 200).map((d, i) => ({ delivery_id: d.delivery_id, file_name: d.file_name, line: i + 2, column_name: "id_number", value: "***", reason: i % 3 ? "身份证号校验位错误" : "日期格式无法识别" }));
  const files: Record<string, Record<string, unknown>[]> = {
    dim_region: regions,
    mart_indicator: ind,
    mart_case: cases,
    meta_delivery: deliveries,
    meta_reject: rejects,
    // stands in for the core view the allocation reads its fiscal difficulty from
    core_county_profile: counties.map((c) => ({ county_code: c.code, year: 2025, resident_population: 200000, low_income_population: 12000, fiscal_difficulty: Math.round(random() * 1000) / 1000 })),
    mart_quality: qualityRows,
  };
  await withWarehouse(out, async (wh) => {
    for (const [table, rows] of Object.entries(files)) {
      const file = `${tmp}-${table}.json`;
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n"));
      await wh.run(`CREATE TABLE ${table} AS SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', sample_size = -1)`);
      rmSync(file);
    }
    // The real scorecard over the fixture indicators: mart_score, mart_score_dimension, mart_score_detail, mart_funnel.
    await computeScores(wh);
  });
  process.stderr.write(`fixture warehouse ${out}: ${ind.length} indicator rows, ${counties.length} counties\n`);
}

await main(process.argv[2] ?? join(tmpdir(), "jiuzhu-fixture.duckdb"));
