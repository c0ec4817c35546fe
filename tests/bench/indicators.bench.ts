// Benchmark of the indicator computation: every indicator, every level and window.
// Default: a synthetic warehouse shaped like the demo province (Inner Mongolia's 100-odd
// counties, ≈ 900,000 persons at --scale 1, 18 months) built straight in DuckDB, so the
// figure measures computeIndicators and nothing upstream. With `db`, an existing warehouse
// (e.g. the pipeline's) is computed instead.
//   npx tsx tests/bench/indicators.bench.ts [--scale 1] [--months 18] [--db PATH]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createTableSql } from "../../loaders/contracts/sql.js";
import { Warehouse } from "../../loaders/db.js";
import { ensureRegionDimension } from "../../loaders/regions.js";
import { computeIndicators } from "../../metrics/indicators/compute.js";
import { addMonths, windowsOfMonth } from "../../metrics/windows.js";

/** Bump when the synthetic data changes, so cached warehouses are rebuilt. */
const SYNTHETIC_VERSION = "v1";

export interface IndicatorBenchOptions {
  /** Share of the real province (1 = ≈ 900,000 persons). */
  scale?: number;
  months?: number;
  /** First month (default 2025-01). */
  from?: string;
  /** Compute an existing warehouse instead of a synthetic one. */
  db?: string;
  /** Keep the synthetic warehouse in the temp folder and reuse it next time (default true). */
  cache?: boolean;
  log?: (line: string) => void;
}

export interface IndicatorBenchFigures {
  name: "indicators";
  scale: number | null;
  months: number | null;
  inputRows: Record<string, number>;
  martRows: number;
  windows: number;
  seconds: number;
  /** CPU seconds of the process during the computation (user + system; DuckDB's threads included). */
  cpuSeconds: number;
  /** 1-minute load average of the machine when the run ended (other work inflates `seconds`). */
  loadAverage: number;
  /** A second run with no new delivery (every window skipped). */
  incrementalSeconds: number;
  /** Recomputing only the windows a new last month touches (month, quarter, half, year). */
  newMonthSeconds: number;
  /** Peak resident memory of the process during the computation, MB. */
  peakRssMb: number;
  /** Seconds per step of the first run. */
  steps: Record<string, number>;
  buildSeconds: number;
}

/** Build a demo-shaped warehouse in DuckDB (core_* as tables, meta_delivery). */
export async function buildSyntheticWarehouse(wh: Warehouse, scale: number, from: string, months: number): Promise<void> {
  await ensureRegionDimension(wh);
  for (const type of ["county_profile", "standards", "applications", "roster", "payments", "funds", "complaints", "surveys", "inspections"] as const) {
    await wh.run(`DROP TABLE IF EXISTS core_${type}`);
    await wh.run(createTableSql(type, `core_${type}`));
  }
  const last = months - 1;
  const monthExpr = (i: string) => `strftime(DATE '${from}-01' + to_months(${i}), '%Y-%m')`;
  await wh.run(`CREATE OR REPLACE TEMP TABLE b_county AS
    SELECT code AS county_code, city_code, row_number() OVER (ORDER BY code) AS k,
      greatest(20, CAST(${scale} * 4400 * (0.4 + (hash(code) % 1000) / 800.0) AS INTEGER)) AS households
    FROM dim_region WHERE level = 'county' AND province_code = '15'`);
  // Households with a start and end month (index; negative = before the data), a program and a size.
  await wh.run(`CREATE OR REPLACE TEMP TABLE b_hh AS
    SELECT c.county_code, c.city_code, h.i AS hh,
      'H' || lpad(CAST(h.i AS VARCHAR), 7, '0') AS household_id,
      CASE WHEN hash(c.k, h.i, 1) % 100 < 35 THEN 'urban_dibao' WHEN hash(c.k, h.i, 1) % 100 < 90 THEN 'rural_dibao' ELSE 'tekun' END AS program,
      1 + CAST(hash(c.k, h.i, 2) % 4 AS INTEGER) AS size,
      CAST(hash(c.k, h.i, 3) % ${months + 24} AS INTEGER) - 24 AS start_i,
      CAST(hash(c.k, h.i, 3) % ${months + 24} AS INTEGER) - 24 + 8 + CAST(hash(c.k, h.i, 4) % 40 AS INTEGER) AS end_i,
      CAST(100 + hash(c.k, h.i, 5) % 400 AS DECIMAL(18,2)) AS income,
      ['A', 'B', 'C'][1 + CAST(hash(c.k, h.i, 6) % 3 AS INTEGER)] AS category
    FROM b_county c, range(c.households) h(i)`);
  await wh.run(`
    INSERT INTO core_standards
    SELECT county_code, p, '2020-01', CASE p WHEN 'urban_dibao' THEN 800 WHEN 'rural_dibao' THEN 600 ELSE 1000 END,
      CASE p WHEN 'urban_dibao' THEN 780 WHEN 'rural_dibao' THEN 590 ELSE 1000 END, 1, k, city_code
    FROM b_county, (VALUES ('urban_dibao'), ('rural_dibao'), ('tekun')) t(p)`);
  await wh.run(`
    INSERT INTO core_county_profile
    SELECT y, county_code, households * 60, households * 3, 0.5, 2, k, city_code
    FROM b_county, (SELECT DISTINCT CAST(left(${monthExpr("i")}, 4) AS INTEGER) AS y FROM range(${months}) r(i))`);
  await wh.run(`
    INSERT INTO core_roster
    SELECT ${monthExpr("m.i")}, h.program, h.household_id, h.county_code || '001001', h.county_code || lpad(CAST(h.hh * 4 + p.j AS VARCHAR), 11, '0') || 'X',
      '张' || CAST(p.j AS VARCHAR), CASE WHEN p.j = 0 THEN 'head' ELSE 'child' END, h.size, h.size, h.income,
      CASE WHEN hash(h.county_code, h.hh, m.i) % 100 = 0 THEN 1.00 ELSE greatest(0, CASE h.program WHEN 'urban_dibao' THEN 800 WHEN 'rural_dibao' THEN 600 ELSE 1000 END - h.income) * h.size END,
      DATE '${from}-01' + to_months(h.start_i), CASE WHEN h.program = 'tekun' THEN 'full_self_care' ELSE h.category END, NULL,
      DATE '${from}-01' + to_months(m.i) + INTERVAL (hash(h.hh) % 20) DAY,
      hash(h.hh, p.j) % 50 = 0, hash(h.hh, p.j) % 200 <> 0,
      1000 + m.i, 0, h.county_code, h.city_code
    FROM b_hh h, range(${months}) m(i), range(4) p(j)
    WHERE m.i BETWEEN h.start_i AND h.end_i AND p.j < h.size`);
  // A few persons also on a household of another county (duplicates to find).
  await wh.run(`
    INSERT INTO core_roster
    SELECT period, program, 'HDUP', (SELECT min(county_code) FROM b_county) || '001001', person_id, person_name, 'other', 1, 1, 0, 0,
      approved_on, category, care_mode, last_review_on, false, false, 1999, 0, (SELECT min(county_code) FROM b_county), (SELECT min(city_code) FROM b_county)
    FROM core_roster WHERE hash(person_id) % 5000 = 0 AND relation <> 'head'`);
  await wh.run(`
    INSERT INTO core_payments
    SELECT period, program, household_id, region_code, person_id,
      CASE WHEN hash(household_id, period, 7) % 100 = 0 THEN monthly_benefit + 10 ELSE monthly_benefit END + 0.01,
      CAST(period || '-01' AS DATE) + INTERVAL (4 + hash(household_id, period) % 8) DAY,
      CASE WHEN hash(household_id, period, 8) % 20 = 0 THEN 'cash' ELSE 'bank' END,
      hash(household_id, period, 9) % 30 = 0, NULL, hash(household_id, period, 10) % 300 = 0, hash(household_id, period, 11) % 3 <> 0,
      2000 + CAST(right(period, 2) AS INTEGER), 0, county_code, city_code
    FROM core_roster WHERE relation = 'head' AND hash(household_id, period, 12) % 50 <> 0`);
  await wh.run(`
    INSERT INTO core_funds
    SELECT ${monthExpr("m.i")}, c.county_code, p, s, 1000000, 50000,
      1000000 * (1 + m.i % 12) / 12, 900000 * (1 + m.i % 12) / 12, 3000 + m.i, 0, c.city_code
    FROM b_county c, range(${months}) m(i), (VALUES ('urban_dibao'), ('rural_dibao'), ('tekun')) t(p),
      (VALUES ('central'), ('provincial'), ('municipal'), ('county')) u(s)`);
  // Applications: the entering households, accepted 20–60 days before their first month; a third more rejected.
  await wh.run(`
    INSERT INTO core_applications
    SELECT 'A' || household_id || '-' || CAST(x AS VARCHAR), program, county_code || '001001', county_code || lpad(CAST(hh * 4 AS VARCHAR), 11, '0') || 'X', size,
      d - INTERVAL 3 DAY, d, hash(hh, 1) % 20 = 0, CASE WHEN hash(hh, 2) % 50 = 0 THEN NULL ELSE d + INTERVAL 5 DAY END, d + INTERVAL 10 DAY, d + INTERVAL 12 DAY,
      d + INTERVAL 14 DAY, d + INTERVAL (19 + hash(hh, 3) % 3) DAY, hash(hh, 4) % 3 = 0,
      d + INTERVAL (25 + hash(hh, 5) % 35) DAY, CASE WHEN x = 1 THEN 'rejected' ELSE 'approved' END, NULL,
      4000 + CAST(month(d) AS INTEGER), 0, county_code, city_code
    FROM (SELECT *, DATE '${from}-01' + to_months(start_i) - INTERVAL (20 + hash(hh, 6) % 40) DAY AS d FROM b_hh WHERE start_i BETWEEN 2 AND ${last}) h,
      (VALUES (0), (1)) t(x)
    WHERE x = 0 OR hash(hh, 7) % 3 = 0`);
  await wh.run(`
    INSERT INTO core_complaints
    SELECT 'C' || CAST(k AS VARCHAR) || '-' || CAST(i AS VARCHAR), county_code || '001001', 'urban_dibao', d, 'hotline', 'other',
      CASE WHEN hash(k, i, 1) % 10 = 0 THEN NULL ELSE d + INTERVAL (5 + hash(k, i, 2) % 70) DAY END,
      ['substantiated', 'partly', 'unfounded', 'pending'][1 + CAST(hash(k, i, 3) % 4 AS INTEGER)], hash(k, i, 4) % 20 = 0,
      5000, 0, county_code, city_code
    FROM (SELECT c.*, r.i, DATE '${from}-01' + INTERVAL (hash(c.k, r.i) % ${months * 30}) DAY AS d FROM b_county c, range(c.households // 60) r(i))`);
  await wh.run(`
    INSERT INTO core_surveys
    SELECT 'S' || CAST(k AS VARCHAR) || '-' || CAST(i AS VARCHAR), DATE '${from}-01' + INTERVAL (hash(k, i) % ${months * 30}) DAY, county_code || '001001', 'recipient',
      ['very_satisfied', 'satisfied', 'fairly_satisfied', 'dissatisfied', 'very_dissatisfied'][1 + CAST(hash(k, i, 1) % 5 AS INTEGER)],
      ['aware', 'partly_aware', 'unaware'][1 + CAST(hash(k, i, 2) % 3 AS INTEGER)], 6000, 0, county_code, city_code
    FROM b_county, range(300) r(i)`);
  await wh.run(`
    INSERT INTO core_inspections
    SELECT 'I' || CAST(k AS VARCHAR) || '-' || CAST(i AS VARCHAR), DATE '${from}-01' + INTERVAL (hash(k, i) % ${months * 30}) DAY, 'city', county_code || '001001',
      30, CAST(hash(k, i, 1) % 3 AS INTEGER), 0, 0, hash(k, i, 2) % 2 = 0, 7000, 0, county_code, city_code
    FROM b_county, range(6) r(i)`);
  await wh.run(`
    CREATE OR REPLACE TABLE meta_delivery AS
    SELECT CAST(row_number() OVER () AS INTEGER) AS delivery_id, t || '_' || ${monthExpr("m.i")} || '_' || county_code || '.csv' AS file_name,
      md5(county_code || t || CAST(m.i AS VARCHAR)) AS content_hash, t AS extract_type, county_code, ${monthExpr("m.i")} AS period,
      'csv' AS format, 'utf-8' AS encoding,
      CAST(DATE '${from}-01' + to_months(m.i + 1) + INTERVAL (hash(county_code, t, m.i) % 20) DAY AS TIMESTAMP) AS received_at,
      now()::TIMESTAMP AS loaded_at, 0 AS rows_read, 0 AS rows_loaded, 0 AS rows_rejected, 'current' AS status, NULL::INTEGER AS superseded_by, NULL::VARCHAR AS warnings
    FROM b_county, range(${months}) m(i), (VALUES ('roster'), ('payments'), ('funds'), ('applications'), ('complaints')) x(t)
    WHERE hash(county_code, t, m.i) % 100 <> 0`);
}

async function countRows(wh: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["roster", "payments", "applications", "funds", "complaints", "surveys", "inspections"]) {
    const r = await wh.query<{ n: bigint }>(`SELECT count(*) AS n FROM core_${t}`);
    out[t] = Number(r[0]?.n ?? 0);
  }
  return out;
}

export async function benchIndicators(opts: IndicatorBenchOptions = {}): Promise<IndicatorBenchFigures> {
  const log = opts.log ?? (() => {});
  const scale = opts.scale ?? 1;
  const months = opts.months ?? 18;
  const from = opts.from ?? "2025-01";
  const cache = opts.cache ?? true;
  let dir: string | undefined;
  let path = opts.db;
  let build = !opts.db;
  if (!path) {
    if (cache) {
      path = join(tmpdir(), `jiuzhu-bench-indicators-${SYNTHETIC_VERSION}-s${scale}-m${months}-${from}.duckdb`);
      build = !existsSync(path);
    } else {
      dir = mkdtempSync(join(tmpdir(), "jiuzhu-bench-ind-"));
      path = join(dir, "bench.duckdb");
    }
  }
  try {
    const wh = await Warehouse.open(path);
    let buildSeconds = 0;
    try {
      if (!build && !opts.db) {
        const done = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'bench_built'");
        build = Number(done[0]?.n ?? 0) === 0; // an interrupted build is redone
      }
      if (build) {
        const t0 = performance.now();
        log(`indicators bench: building a synthetic province at scale ${scale}, ${months} months from ${from} (to ${addMonths(from, months - 1)}) in ${path}`);
        await buildSyntheticWarehouse(wh, scale, from, months);
        await wh.run("CREATE OR REPLACE TABLE bench_built AS SELECT now() AS built_at");
        await wh.run("CHECKPOINT");
        buildSeconds = (performance.now() - t0) / 1000;
      } else if (!opts.db) {
        log(`indicators bench: reusing ${path}`);
      }
      const inputRows = await countRows(wh);
      log(`indicators bench: input rows ${JSON.stringify(inputRows)}`);
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
      let result;
      const cpu0 = process.cpuUsage();
      try {
        result = await computeIndicators(wh, { force: true });
      } finally {
        clearInterval(timer);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      const cpu = process.cpuUsage(cpu0);
      const again = await computeIndicators(wh);
      const lastMonth = [...result.windows, ...result.skipped].filter((w) => /^\d{4}-\d{2}$/.test(w)).sort().pop()!;
      const touched = windowsOfMonth(lastMonth);
      const partial = await computeIndicators(wh, { windows: touched, force: true });
      const mart = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM mart_indicator");
      const figures: IndicatorBenchFigures = {
        name: "indicators",
        scale: opts.db ? null : scale,
        months: opts.db ? null : months,
        inputRows,
        martRows: Number(mart[0]?.n ?? 0),
        windows: result.windows.length,
        seconds: Math.round(result.seconds * 100) / 100,
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
        loadAverage: Math.round(loadavg()[0]! * 10) / 10,
        incrementalSeconds: Math.round(again.seconds * 100) / 100,
        newMonthSeconds: Math.round(partial.seconds * 100) / 100,
        peakRssMb: Math.round(peak / 1e6),
        steps: Object.fromEntries(Object.entries(result.steps).map(([k, v]) => [k, Math.round(v * 100) / 100])),
        buildSeconds: Math.round(buildSeconds * 10) / 10,
      };
      log(`indicators bench: ${figures.martRows} mart rows, ${figures.windows} windows in ${figures.seconds} s (CPU ${figures.cpuSeconds} s, load ${figures.loadAverage}, peak RSS ${figures.peakRssMb} MB); no-change rerun ${figures.incrementalSeconds} s; the windows of a new month ${figures.newMonthSeconds} s`);
      return figures;
    } finally {
      wh.close();
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const figures = await benchIndicators({
    scale: arg("scale") ? Number(arg("scale")) : undefined,
    months: arg("months") ? Number(arg("months")) : undefined,
    db: arg("db"),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
