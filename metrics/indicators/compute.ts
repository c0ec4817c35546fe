// Computes every indicator of the catalogue for counties, cities and the province and for
// every month, quarter, half-year and year window, into mart_indicator. Ratios are ratios of
// sums at every level; percentiles come from rows; survey rates carry Wilson intervals.
// Incremental: a window is recomputed only when its data_version (a hash of the content
// hashes of the deliveries it reads, plus the configuration) has changed.
import { createHash } from "node:crypto";
import { quoteLiteral, type Warehouse } from "../../loaders/db.js";
import { CATALOGUE, type IndicatorDef } from "../catalogue/index.js";
import { CONFIG } from "../config.js";
import { ensureCalendarTable, WorkCalendar } from "../calendar.js";
import { buildCases } from "./cases.js";
import {
  applicationFacts,
  complaintFacts,
  createFactTables,
  fundFacts,
  inspectionFacts,
  paymentFacts,
  reportingFacts,
  rosterFacts,
  surveyFacts,
} from "./facts.js";
import { buildDeliveryQuality, buildOutliers, MART_QUALITY_DDL } from "./quality.js";
import {
  dataMonths,
  planWindows,
  prepareDelivered,
  prepareKeys,
  prepareRegions,
  prepareSources,
  prepareWindows,
  restrictSources,
  type Sources,
} from "./sources.js";
import { addMonths } from "../windows.js";

/** Bump when the computation changes meaning, so stored windows are recomputed. */
export const COMPUTE_VERSION = "indicators-1";

const lit = quoteLiteral;

export const MART_INDICATOR_DDL = `
  CREATE TABLE IF NOT EXISTS mart_indicator (
    region_code VARCHAR NOT NULL, region_name VARCHAR, level VARCHAR NOT NULL, "window" VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL, value DOUBLE, numerator DECIMAL(38,4), denominator DECIMAL(38,4), n BIGINT,
    amount DECIMAL(18,2), ci_low DOUBLE, ci_high DOUBLE, status VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL, data_version VARCHAR NOT NULL,
    -- unique (region_code, "window", indicator) by construction (tested); no index to maintain
    CHECK (level IN ('county', 'city', 'province')), CHECK (status IN ('ok', 'na', 'gap')))`;

const META_WINDOW_DDL = `
  CREATE TABLE IF NOT EXISTS meta_indicator_window (
    "window" VARCHAR PRIMARY KEY, data_version VARCHAR NOT NULL, computed_at TIMESTAMP NOT NULL, rows BIGINT NOT NULL)`;

export interface ComputeOptions {
  /** Only these windows (default: every window the data covers). */
  windows?: string[];
  /** Recompute even windows whose data_version is unchanged. */
  force?: boolean;
  calendar?: WorkCalendar;
}

export interface ComputeResult {
  rows: number;
  /** Windows recomputed in this run. */
  windows: string[];
  /** Windows left as they were (unchanged inputs). */
  skipped: string[];
  seconds: number;
  /** Seconds per step, for the benchmark. */
  steps: Record<string, number>;
}

/** How each indicator's figure is formed from summed components. */
type Formula = "ratio" | "count" | "avg" | "per10k" | "percentile" | "lag";

function formulaOf(def: IndicatorDef): Formula {
  if (def.aggregation === "percentile_of_rows") return "percentile";
  if (def.aggregation === "derived") return "lag";
  if (def.aggregation === "average_of_months") return "avg";
  if (def.aggregation === "sum") return "count";
  if (def.unit === "per_10k") return "per10k";
  return "ratio";
}

/** How a window takes its months' components. */
function windowRuleOf(def: IndicatorDef): "sum" | "last" | "december" | "avg" {
  if (def.aggregation === "average_of_months") return "avg";
  if (def.window === "last_month") return "last";
  if (def.window === "december") return "december";
  return "sum";
}

function catalogueTable(): string {
  const rows = CATALOGUE.map((d) => `(${lit(d.id)}, ${lit(formulaOf(d))}, ${lit(windowRuleOf(d))}, ${d.interval ? "true" : "false"})`);
  return `(VALUES ${rows.join(", ")}) AS cat(indicator, formula, rule, has_ci)`;
}

function requiredTable(): string {
  const rows = CATALOGUE.flatMap((d) => d.required.map((x) => `(${lit(d.id)}, ${lit(x)})`));
  return `(VALUES ${rows.join(", ")}) AS req(indicator, extract_type)`;
}

/** Per-window data_version: hash of the content hashes of the deliveries each window reads. */
async function windowVersions(wh: Warehouse, sources: Sources): Promise<Map<string, string>> {
  const tag = sources.hasMeta
    ? "coalesce(md.content_hash, 'delivery:' || s.delivery_id)"
    : "'delivery:' || s.delivery_id";
  const scoped = `
    SELECT month, delivery_id FROM tmp_keys
      WHERE extract_type IN ('roster', 'payments', 'funds', 'applications_decided', 'complaints', 'surveys', 'inspections')
    UNION SELECT strftime(CAST(month || '-01' AS DATE) + INTERVAL 1 MONTH, '%Y-%m'), delivery_id FROM tmp_keys WHERE extract_type = 'roster'
    ${sources.hasMeta ? "UNION SELECT period, delivery_id FROM meta_delivery WHERE length(period) = 7" : ""}`;
  const global = `SELECT DISTINCT delivery_id FROM tmp_keys WHERE extract_type IN ('standards', 'county_profile')`;
  const joinMeta = sources.hasMeta ? "LEFT JOIN meta_delivery md ON md.delivery_id = s.delivery_id" : "";
  const rows = await wh.query<{ win: string; h: string | null; eff: string; months: string }>(`
    WITH s AS (${scoped}), g AS (${global}),
    gh AS (SELECT coalesce(string_agg(DISTINCT ${tag}, ',' ORDER BY ${tag}), '') AS h FROM g s ${joinMeta}),
    wh AS (
      SELECT w.win, string_agg(DISTINCT ${tag}, ',' ORDER BY ${tag}) AS h
      FROM tmp_wm w JOIN s ON s.month = w.month ${joinMeta} GROUP BY w.win)
    SELECT w.win, any_value(w.eff_last_month) AS eff, string_agg(w.month, ',' ORDER BY w.month) AS months,
      any_value(coalesce(wh.h, '')) || '|' || (SELECT h FROM gh) AS h
    FROM tmp_wm w LEFT JOIN wh USING (win) GROUP BY w.win`);
  const regions = await wh.query<{ h: string }>("SELECT coalesce(string_agg(county_code, ',' ORDER BY county_code), '') AS h FROM tmp_region");
  const base = `${COMPUTE_VERSION}|${JSON.stringify(CONFIG)}|${JSON.stringify(CATALOGUE.map((d) => [d.id, d.required]))}|${regions[0]?.h ?? ""}`;
  const out = new Map<string, string>();
  for (const r of rows) {
    out.set(r.win, createHash("sha256").update(`${base}|${r.eff}|${r.months}|${r.h ?? ""}`).digest("hex").slice(0, 16));
  }
  return out;
}

async function timed<T>(steps: Record<string, number>, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    steps[name] = (steps[name] ?? 0) + (performance.now() - t0) / 1000;
  }
}

/** Create the marts if missing (pages and exports may read them before the first run). */
export async function ensureIndicatorMarts(wh: Warehouse): Promise<void> {
  await wh.run(MART_INDICATOR_DDL);
  await wh.run(META_WINDOW_DDL);
  await wh.run(`CREATE TABLE IF NOT EXISTS mart_case (
    indicator VARCHAR NOT NULL, "window" VARCHAR NOT NULL, county_code VARCHAR NOT NULL, case_key VARCHAR NOT NULL, detail VARCHAR)`);
  await wh.run(MART_QUALITY_DDL);
}

export async function computeIndicators(wh: Warehouse, options: ComputeOptions = {}): Promise<ComputeResult> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  await ensureIndicatorMarts(wh);
  const sources = await timed(steps, "prepare", () => prepareSources(wh));
  await timed(steps, "prepare", () => prepareKeys(wh));
  const range = await timed(steps, "prepare", () => dataMonths(wh, sources));
  if (!range) {
    return { rows: 0, windows: [], skipped: [], seconds: (performance.now() - started) / 1000, steps };
  }
  const allPlans = planWindows(range);
  const plans = planWindows(range, options.windows);
  await timed(steps, "prepare", async () => {
    await prepareRegions(wh, sources);
    await prepareWindows(wh, range, plans);
  });
  // Which windows changed since the last run?
  const versions = await timed(steps, "version", () => windowVersions(wh, sources));
  const stored = new Map(
    (await wh.query<{ window: string; data_version: string }>(`SELECT "window", data_version FROM meta_indicator_window`)).map((r) => [r.window, r.data_version]),
  );
  const todo = plans.filter((p) => options.force || stored.get(p.window.id) !== versions.get(p.window.id));
  const skipped = plans.filter((p) => !todo.includes(p)).map((p) => p.window.id);
  const computedAt = new Date().toISOString().replace("T", " ").replace("Z", "");
  if (todo.length === 0) {
    await timed(steps, "quality", () => buildOutliers(wh, computedAt));
    return { rows: 0, windows: [], skipped, seconds: (performance.now() - started) / 1000, steps };
  }
  await prepareWindows(wh, range, todo);
  await timed(steps, "prepare", () => prepareDelivered(wh, sources));
  if (todo.length < allPlans.length) {
    // Read only the months the changed windows need (and the month before each).
    const need = new Set<string>();
    for (const p of todo) for (const m of p.months) need.add(m).add(addMonths(m, -1));
    await restrictSources(wh, sources, [...need]);
  }

  // Working-day calendar for the years the applications span.
  const years = await wh.query<{ lo: number | null; hi: number | null }>(`
    SELECT min(year(least(accepted_on, decided_on))) AS lo, max(year(greatest(accepted_on, decided_on))) AS hi
    FROM src_applications WHERE decision IN ('approved', 'rejected') AND decided_on IS NOT NULL`);
  const lo = years[0]?.lo;
  const hi = years[0]?.hi;
  await timed(steps, "calendar", () =>
    lo != null && hi != null
      ? ensureCalendarTable(wh, Number(lo), Number(hi), options.calendar ?? WorkCalendar.load())
      : wh.run("CREATE TABLE IF NOT EXISTS dim_calendar (date DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL, workday_seq INTEGER NOT NULL)"),
  );

  await createFactTables(wh);
  await timed(steps, "applications", () => applicationFacts(wh));
  await timed(steps, "roster", () => rosterFacts(wh, range.first));
  await timed(steps, "payments", () => paymentFacts(wh));
  await timed(steps, "funds", () => fundFacts(wh));
  await timed(steps, "complaints", () => complaintFacts(wh));
  await timed(steps, "surveys+inspections", async () => {
    await surveyFacts(wh);
    await inspectionFacts(wh);
  });
  await timed(steps, "reporting", () => reportingFacts(wh, sources.hasMeta));
  await timed(steps, "rollup", () => rollUp(wh));

  const versionRows = todo.map((p) => `(${lit(p.window.id)}, ${lit(versions.get(p.window.id) ?? "")})`).join(", ");
  const rows = await timed(steps, "write", () =>
    wh.transaction(async () => {
      await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_names AS
        SELECT code, name FROM dim_region WHERE code IN (SELECT DISTINCT region_code FROM tmp_final)`);
      await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_version AS SELECT * FROM (VALUES ${versionRows}) AS v(win, data_version)`);
      await wh.run(`DELETE FROM mart_indicator WHERE "window" IN (SELECT win FROM tmp_version)`);
      await wh.run(`
        INSERT INTO mart_indicator
        SELECT f.region_code, coalesce(d.name, f.region_code), f.level, f.win, f.indicator, f.value,
          CAST(f.num AS DECIMAL(38,4)), CAST(f.den AS DECIMAL(38,4)), f.n, CAST(f.amount AS DECIMAL(18,2)), f.ci_low, f.ci_high, f.status,
          CAST(${lit(computedAt)} AS TIMESTAMP), v.data_version
        FROM tmp_final f JOIN tmp_version v USING (win) LEFT JOIN tmp_names d ON d.code = f.region_code`);
      await wh.run(`DELETE FROM meta_indicator_window WHERE "window" IN (SELECT win FROM tmp_version)`);
      await wh.run(`
        INSERT INTO meta_indicator_window
        SELECT v.win, v.data_version, CAST(${lit(computedAt)} AS TIMESTAMP), (SELECT count(*) FROM tmp_final f WHERE f.win = v.win)
        FROM tmp_version v`);
      // Windows no longer covered by the data.
      if (!options.windows) {
        const all = plans.map((p) => lit(p.window.id)).join(", ");
        await wh.run(`DELETE FROM mart_indicator WHERE "window" NOT IN (${all})`);
        await wh.run(`DELETE FROM meta_indicator_window WHERE "window" NOT IN (${all})`);
        await wh.run(`DELETE FROM mart_case WHERE "window" NOT IN (${all})`);
        await wh.run(`DELETE FROM mart_quality WHERE "window" NOT IN (${all})`);
      }
      await timed(steps, "cases", () => buildCases(wh));
      await timed(steps, "quality", () => buildDeliveryQuality(wh, computedAt));
      const n = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM tmp_final");
      return Number(n[0]?.n ?? 0);
    }),
  );
  await timed(steps, "quality", () => buildOutliers(wh, computedAt));
  await dropTemps(wh);
  return {
    rows,
    windows: todo.map((p) => p.window.id),
    skipped,
    seconds: (performance.now() - started) / 1000,
    steps,
  };
}

/** County-window components → every level, values by formula, intervals, status. */
async function rollUp(wh: Warehouse): Promise<void> {
  const z = CONFIG.wilsonZ;
  // Window aggregation of county-month components.
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT c.indicator, c.county_code, w.win,
      CASE WHEN cat.rule = 'avg' THEN CAST(sum(c.num) AS DECIMAL(38,4)) ELSE sum(c.num) END,
      CASE WHEN cat.rule = 'avg' THEN count(*) ELSE sum(c.den) END,
      sum(c.n), sum(c.amount),
      CASE WHEN cat.rule = 'avg' THEN CAST(sum(c.num) AS DOUBLE) / count(*) END
    FROM tmp_cm c
    JOIN (SELECT indicator, rule FROM ${catalogueTable()} UNION ALL SELECT 'complaints.received', 'sum') AS cat ON cat.indicator = c.indicator
    JOIN tmp_wm w ON w.month = c.month
    WHERE cat.rule IN ('sum', 'avg') OR (cat.rule = 'last' AND w.month = w.eff_last_month)
       OR (cat.rule = 'december' AND w.month = w.eff_last_month AND right(w.month, 2) = '12')
    GROUP BY c.indicator, c.county_code, w.win, cat.rule`);
  // complaints.received is an internal component: count for per_10k.
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT 'complaints.per_10k', c.county_code, c.win, c.num, p.value, c.n, NULL, NULL
    FROM tmp_cw c JOIN tmp_cw p ON p.indicator = 'coverage.persons' AND p.county_code = c.county_code AND p.win = c.win
    WHERE c.indicator = 'complaints.received' AND p.value > 0`);
  // Coverage rates: persons over the population of the window's year (else the latest earlier year).
  await wh.run(`
    INSERT INTO tmp_cw
    WITH prof AS (
      SELECT w.win, cp.county_code, arg_max(cp.resident_population, cp.year) AS resident, arg_max(cp.low_income_population, cp.year) AS low_income
      FROM (SELECT DISTINCT win, CAST(left(eff_last_month, 4) AS INTEGER) AS y FROM tmp_wm) w
      JOIN src_county_profile cp ON cp.year <= w.y GROUP BY w.win, cp.county_code)
    SELECT UNNEST(['coverage.rate', 'coverage.need_rate']), p.county_code, p.win,
      CAST(p.value AS DECIMAL(38,4)), UNNEST([prof.resident, prof.low_income]), p.n, NULL, NULL
    FROM tmp_cw p JOIN prof ON prof.county_code = p.county_code AND prof.win = p.win
    WHERE p.indicator = 'coverage.persons'`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator = 'complaints.received'`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator IN ('coverage.rate', 'coverage.need_rate') AND (den IS NULL OR den = 0)`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator = 'coverage.persons' AND value IS NULL`);

  // Gaps: a required monthly extract not delivered in a month the indicator reads.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_gap AS
    SELECT DISTINCT req.indicator, r.county_code, w.win
    FROM ${requiredTable()} JOIN ${catalogueTable()} ON cat.indicator = req.indicator
    CROSS JOIN tmp_region r JOIN tmp_wm w
      ON cat.rule IN ('sum', 'avg') OR w.month = w.eff_last_month
    WHERE NOT EXISTS (SELECT 1 FROM tmp_delivered d WHERE d.county_code = r.county_code AND d.extract_type = req.extract_type AND d.month = w.month)`);

  // A county-window with a required extract missing is a gap: no value, and not summed into its city.
  await wh.run(`DELETE FROM tmp_cw USING tmp_gap g WHERE tmp_cw.indicator = g.indicator AND tmp_cw.county_code = g.county_code AND tmp_cw.win = g.win`);

  // Every level: sums of county components.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_res AS
    SELECT indicator, win,
      CASE WHEN grouping(county_code) = 0 THEN county_code WHEN grouping(city_code) = 0 THEN city_code ELSE province_code END AS region_code,
      CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END AS level,
      sum(num) AS num, sum(den) AS den, sum(n) AS n, sum(amount) AS amount, sum(value) AS value_sum
    FROM tmp_cw JOIN tmp_region USING (county_code)
    GROUP BY GROUPING SETS ((indicator, win, county_code), (indicator, win, city_code), (indicator, win, province_code))`);

  // Cities and the province: persons (mean of monthly distinct persons) and duplicates (persons on
  // more than one household within the region) from the rows, not sums of counties.
  await wh.run(`DELETE FROM tmp_res WHERE indicator IN ('coverage.persons', 'integrity.duplicate_persons') AND level <> 'county'`);
  await wh.run(`
    INSERT INTO tmp_res
    SELECT UNNEST(['coverage.persons', 'integrity.duplicate_persons']), w.win, l.region_code, l.level,
      UNNEST([sum(l.persons), sum(l.dups)]), UNNEST([count(*), NULL]), sum(l.persons), NULL,
      UNNEST([sum(l.persons) / count(*), NULL])
    FROM tmp_lvl_month l JOIN tmp_wm w ON w.month = l.month
    GROUP BY w.win, l.region_code, l.level`);

  // Percentiles from rows at every level.
  await wh.run(`
    INSERT INTO tmp_res
    SELECT UNNEST(['process.median_days', 'process.p90_days']), win,
      CASE WHEN grouping(a.county_code) = 0 THEN a.county_code WHEN grouping(city_code) = 0 THEN city_code ELSE province_code END,
      CASE WHEN grouping(a.county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END,
      NULL, NULL, count(wd), NULL, UNNEST([quantile_cont(wd, 0.5), quantile_cont(wd, 0.9)])
    FROM tmp_app a JOIN tmp_wm w ON w.month = a.month JOIN tmp_region r ON r.county_code = a.county_code
    WHERE wd IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM tmp_gap g WHERE g.indicator = 'process.median_days' AND g.county_code = a.county_code AND g.win = w.win)
    GROUP BY GROUPING SETS ((win, a.county_code), (win, city_code), (win, province_code))`);

  // Values by formula; Wilson intervals; derived budget lag.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_val AS
    SELECT r.*,
      CASE cat.formula
        WHEN 'ratio' THEN CASE WHEN r.den <> 0 THEN CAST(r.num AS DOUBLE) / CAST(r.den AS DOUBLE) END
        WHEN 'per10k' THEN CASE WHEN r.den <> 0 THEN CAST(r.num AS DOUBLE) / CAST(r.den AS DOUBLE) * 10000 END
        WHEN 'count' THEN CAST(r.num AS DOUBLE)
        WHEN 'avg' THEN r.value_sum
        WHEN 'percentile' THEN r.value_sum
      END AS value,
      cat.has_ci
    FROM tmp_res r JOIN ${catalogueTable()} ON cat.indicator = r.indicator`);
  await wh.run(`
    INSERT INTO tmp_val
    SELECT 'budget.execution_lag', v.win, v.region_code, v.level, v.num, v.den, v.n, v.amount, NULL,
      (m.eff_month_no / 12.0 - v.value) * 100, false
    FROM tmp_val v JOIN (SELECT DISTINCT win, eff_month_no FROM tmp_wm) m USING (win)
    WHERE v.indicator = 'budget.execution_rate' AND v.value IS NOT NULL`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_ci AS
    SELECT *,
      CASE WHEN has_ci AND den > 0 THEN
        (value + ${z}^2 / (2 * CAST(den AS DOUBLE)) - ${z} * sqrt(value * (1 - value) / CAST(den AS DOUBLE) + ${z}^2 / (4 * CAST(den AS DOUBLE)^2)))
        / (1 + ${z}^2 / CAST(den AS DOUBLE)) END AS ci_low,
      CASE WHEN has_ci AND den > 0 THEN
        (value + ${z}^2 / (2 * CAST(den AS DOUBLE)) + ${z} * sqrt(value * (1 - value) / CAST(den AS DOUBLE) + ${z}^2 / (4 * CAST(den AS DOUBLE)^2)))
        / (1 + ${z}^2 / CAST(den AS DOUBLE)) END AS ci_high
    FROM tmp_val`);

  // Every region × window × indicator, with status.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_final AS
    WITH regions AS (
      SELECT county_code AS region_code, 'county' AS level, county_code FROM tmp_region
      UNION ALL SELECT DISTINCT city_code, 'city', county_code FROM tmp_region
      UNION ALL SELECT DISTINCT province_code, 'province', county_code FROM tmp_region),
    gaps AS (
      SELECT g.indicator, g.win, x.region_code FROM tmp_gap g JOIN regions x ON x.county_code = g.county_code GROUP BY ALL),
    grid AS (
      SELECT DISTINCT x.region_code, x.level, w.win, cat.indicator
      FROM regions x CROSS JOIN (SELECT DISTINCT win FROM tmp_wm) w CROSS JOIN ${catalogueTable()})
    SELECT g.region_code, g.level, g.win, g.indicator, c.value, c.num, c.den, c.n, c.amount, c.ci_low, c.ci_high,
      CASE WHEN c.value IS NOT NULL THEN 'ok' WHEN gp.indicator IS NOT NULL THEN 'gap' ELSE 'na' END AS status
    FROM grid g
    LEFT JOIN tmp_ci c ON c.region_code = g.region_code AND c.win = g.win AND c.indicator = g.indicator
    LEFT JOIN gaps gp ON gp.region_code = g.region_code AND gp.win = g.win AND gp.indicator = g.indicator`);
  await wh.run(`UPDATE tmp_final SET num = NULL, den = NULL, n = coalesce(n, 0), amount = NULL, ci_low = NULL, ci_high = NULL WHERE value IS NULL`);
}

async function dropTemps(wh: Warehouse): Promise<void> {
  const rows = await wh.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_catalog = 'temp' AND table_type = 'BASE TABLE' AND table_name LIKE 'tmp\\_%' ESCAPE '\\'",
  );
  for (const r of rows) await wh.run(`DROP TABLE IF EXISTS temp."${r.name}"`);
}
