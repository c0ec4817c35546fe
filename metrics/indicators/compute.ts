// Computes every indicator of the catalogue for counties, cities and the province and for
// every month, quarter, half-year and year window, into mart_indicator. Ratios are ratios of
// sums at every level; percentiles come from rows; survey rates carry Wilson intervals.
// Incremental: a window is recomputed only when its data_version (a hash of the content
// hashes of the deliveries it reads, plus the configuration) has changed.
import { createHash } from "node:crypto";
import { quoteLiteral, type Warehouse } from "../../loaders/db.js";
import { CATALOGUE, type IndicatorDef } from "../catalogue/index.js";
import { CONFIG } from "../config.js";
import { DIM_CALENDAR_DDL, ensureCalendarTable, WorkCalendar, yearSpans } from "../calendar.js";
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
import { buildDeliveryQuality, buildLedgerFreshness, buildOutliers, ensureQualityColumns } from "./quality.js";
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
export const COMPUTE_VERSION = "indicators-2";

const lit = quoteLiteral;

export const MART_INDICATOR_DDL = `
  CREATE TABLE IF NOT EXISTS mart_indicator (
    region_code VARCHAR NOT NULL, region_name VARCHAR, level VARCHAR NOT NULL, "window" VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL, value DOUBLE, numerator DECIMAL(38,4), denominator DECIMAL(38,4), n BIGINT,
    amount DECIMAL(18,2), ci_low DOUBLE, ci_high DOUBLE, status VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL, data_version VARCHAR NOT NULL, months VARCHAR, reason VARCHAR,
    -- unique (region_code, "window", indicator) by construction (tested); no index to maintain
    CHECK (level IN ('county', 'city', 'province')), CHECK (status IN ('ok', 'na', 'gap', 'provisional')))`;

/** Indicator statuses: a value (ok, or provisional on a calendar without the year's official schedule), or none (na, gap). */
export const STATUSES = ["ok", "provisional", "na", "gap"] as const;

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
  /** Years whose working days were counted on weekends alone (no official schedule): their values are provisional. */
  provisionalYears?: number[];
  /** Every window the data covers (computed now or before, or not asked for). */
  available?: string[];
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
async function windowVersions(wh: Warehouse, sources: Sources, calendarPrint: string): Promise<Map<string, string>> {
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
  const firsts = await wh.query<{ h: string }>(
    // explicit keys: ORDER BY ALL inside an aggregate does not order it (the hash changed from run to run)
    "SELECT coalesce(string_agg(province_code || ':' || extract_type || ':' || first_month, ',' ORDER BY province_code, extract_type, first_month), '') AS h FROM tmp_first",
  );
  // Which counties a ledger delivery covers at each window's last month (a later delivery can
  // turn a gap into a figure without adding a row of that window's months).
  const coverage = await wh.query<{ win: string; h: string }>(`
    SELECT w.win, coalesce(string_agg(l.county_code || ':' || l.extract_type, ',' ORDER BY l.county_code, l.extract_type), '') AS h
    FROM (SELECT DISTINCT win, eff_last_month FROM tmp_wm) w
    LEFT JOIN (SELECT county_code, extract_type, max(period) AS latest FROM tmp_ledger GROUP BY ALL) l ON l.latest >= w.eff_last_month
    GROUP BY w.win`);
  const covered = new Map(coverage.map((r) => [r.win, r.h]));
  const base = `${COMPUTE_VERSION}|${JSON.stringify(CONFIG)}|${JSON.stringify(CATALOGUE.map((d) => [d.id, d.required]))}|${regions[0]?.h ?? ""}|${firsts[0]?.h ?? ""}|calendar:${calendarPrint}`;
  const out = new Map<string, string>();
  for (const r of rows) {
    out.set(r.win, createHash("sha256").update(`${base}|${r.eff}|${r.months}|${r.h ?? ""}|${covered.get(r.win) ?? ""}`).digest("hex").slice(0, 16));
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
  // A mart of an earlier computation version (no months/reason, no provisional status) is rebuilt.
  const cols = await wh.query<{ n: bigint }>(
    "SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'mart_indicator' AND column_name = 'reason' AND table_catalog <> 'temp'",
  );
  const exists = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'mart_indicator' AND table_catalog <> 'temp'");
  if (Number(exists[0]?.n ?? 0) > 0 && Number(cols[0]?.n ?? 0) === 0) {
    await wh.run("DROP TABLE mart_indicator");
    await wh.run("DROP TABLE IF EXISTS meta_indicator_window");
  }
  await wh.run(MART_INDICATOR_DDL);
  await wh.run(META_WINDOW_DDL);
  await wh.run(`CREATE TABLE IF NOT EXISTS mart_case (
    indicator VARCHAR NOT NULL, "window" VARCHAR NOT NULL, county_code VARCHAR NOT NULL, case_key VARCHAR NOT NULL, detail VARCHAR)`);
  await ensureQualityColumns(wh);
}

export async function computeIndicators(wh: Warehouse, options: ComputeOptions = {}): Promise<ComputeResult> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  await ensureIndicatorMarts(wh);
  const sources = await timed(steps, "prepare", () => prepareSources(wh));
  await timed(steps, "prepare", () => prepareKeys(wh));
  const range = await timed(steps, "prepare", () => dataMonths(wh, sources));
  if (!range) {
    return { rows: 0, windows: [], skipped: [], seconds: (performance.now() - started) / 1000, steps, provisionalYears: [], available: [] };
  }
  const allPlans = planWindows(range);
  const plans = planWindows(range, options.windows);
  await timed(steps, "prepare", async () => {
    await prepareRegions(wh, sources);
    await prepareWindows(wh, range, plans);
    await prepareDelivered(wh, sources);
  });
  // Working-day calendar for the years the applications span; a year without its official
  // schedule counts weekends alone and makes the values that used it provisional.
  const years = await wh.query<{ lo: number | null; hi: number | null }>(`
    SELECT min(year(least(accepted_on, decided_on))) AS lo, max(year(greatest(accepted_on, decided_on))) AS hi
    FROM src_applications WHERE decision IN ('approved', 'rejected') AND decided_on IS NOT NULL`);
  const lo = years[0]?.lo != null ? Number(years[0].lo) : null;
  const hi = years[0]?.hi != null ? Number(years[0].hi) : null;
  const calendar = options.calendar ?? WorkCalendar.load();
  const provisionalYears = lo != null && hi != null ? calendar.provisionalYears(lo, hi) : [];
  const calendarPrint = lo != null && hi != null ? calendar.fingerprint(lo, hi) : "none";
  // Which windows changed since the last run?
  const versions = await timed(steps, "version", () => windowVersions(wh, sources, calendarPrint));
  const stored = new Map(
    (await wh.query<{ window: string; data_version: string }>(`SELECT "window", data_version FROM meta_indicator_window`)).map((r) => [r.window, r.data_version]),
  );
  const todo = plans.filter((p) => options.force || stored.get(p.window.id) !== versions.get(p.window.id));
  const skipped = plans.filter((p) => !todo.includes(p)).map((p) => p.window.id);
  const computedAt = new Date().toISOString().replace("T", " ").replace("Z", "");
  if (todo.length === 0) {
    await timed(steps, "quality", () => buildOutliers(wh, computedAt));
    await timed(steps, "quality", () => buildLedgerFreshness(wh, range.last, computedAt));
    return { rows: 0, windows: [], skipped, seconds: (performance.now() - started) / 1000, steps, provisionalYears, available: allPlans.map((p) => p.window.id) };
  }
  await prepareWindows(wh, range, todo);
  if (todo.length < allPlans.length) {
    // Read only the months the changed windows need (and the month before each).
    const need = new Set<string>();
    for (const p of todo) for (const m of p.allMonths) need.add(m).add(addMonths(m, -1));
    await restrictSources(wh, sources, [...need]);
  }
  await timed(steps, "calendar", async () => {
    if (lo != null && hi != null) await ensureCalendarTable(wh, lo, hi, calendar);
    else {
      await wh.run("DROP TABLE IF EXISTS dim_calendar");
      await wh.run(DIM_CALENDAR_DDL);
    }
  });
  const provisionalNote = provisionalYears.length
    ? `working days of ${yearSpans(provisionalYears)} counted on weekends alone: no official holiday schedule for ${yearSpans(provisionalYears)} (add the year block to data/holidays.json)`
    : null;

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
  await timed(steps, "rollup", () => rollUp(wh, provisionalNote));

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
          CAST(${lit(computedAt)} AS TIMESTAMP), v.data_version, f.months, f.reason
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
  await timed(steps, "quality", () => buildLedgerFreshness(wh, range.last, computedAt));
  await dropTemps(wh);
  return {
    rows,
    windows: todo.map((p) => p.window.id),
    skipped,
    seconds: (performance.now() - started) / 1000,
    steps,
    provisionalYears,
    available: allPlans.map((p) => p.window.id),
  };
}

/** Why a figure is not applicable, by indicator (status na); the default is generic. */
const NA_REASONS: Record<string, string> = {
  "process.publicity_rate": "no application approved in the window",
  "process.": "no application decided in the window",
  "coverage.rate": "no population (county_profile) for the window's year or before",
  "coverage.need_rate": "no low-income population (county_profile) for the window's year or before",
  "coverage.entries": "the previous month's roster was not delivered",
  "coverage.exits": "the previous month's roster was not delivered",
  "coverage.": "no roster rows",
  "accuracy.benefit_rate": "no dibao household with a standard in force",
  "accuracy.standard_ok": "no standard in force",
  "accuracy.review_on_time_rate": "no household with a review interval",
  "accuracy.relative_filed_rate": "no cadre relative on the roster",
  "integrity.": "no roster rows",
  "funds.socialized_rate": "no payment in the window",
  "funds.proxy_violations": "no payment in the window",
  "funds.": "no month with both roster and payments to judge",
  "budget.rollover_ratio": "no December in the window, or nothing spent",
  "budget.": "no funds row to judge",
  "satisfaction.": "no survey response in the window",
  "complaints.per_10k": "no persons covered",
  "complaints.on_time_rate": "no complaint closed or past its time limit in the window",
  "complaints.substantiated_rate": "no complaint concluded in the window",
  "complaints.": "no complaint received in the window",
  "supervision.rectified_rate": "no inspection found problems in the window",
  "supervision.": "no inspection in the window",
  "reporting.": "no monthly extract expected yet",
};

export function naReason(indicator: string): string {
  if (NA_REASONS[indicator]) return NA_REASONS[indicator]!;
  const family = `${indicator.split(".")[0]}.`;
  return NA_REASONS[family] ?? "nothing to judge in the window";
}

/** Indicators whose city and province figures are counted from the rows (distinct persons), not summed. */
const LEVEL_FROM_ROWS = ["coverage.persons", "coverage.rate", "coverage.need_rate", "complaints.per_10k", "integrity.duplicate_persons"];

/** County-window components → every level, values by formula, intervals, status, reason and months covered. */
async function rollUp(wh: Warehouse, provisionalNote: string | null): Promise<void> {
  const z = CONFIG.wilsonZ;
  const monthly = CONFIG.monthlyExtracts.map(lit).join(", ");
  const ledgers = CONFIG.ledgerExtracts.map(lit).join(", ");
  // Window aggregation of county-month components; averages keep their person-months (pm) and months (mm).
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT c.indicator, c.county_code, w.win,
      sum(c.num),
      CASE WHEN cat.rule = 'avg' THEN count(*) ELSE sum(c.den) END,
      sum(c.n), sum(c.amount),
      CASE WHEN cat.rule = 'avg' THEN CAST(sum(c.num) AS DOUBLE) / count(*) END,
      CASE WHEN cat.rule = 'avg' THEN sum(c.num) END,
      CASE WHEN cat.rule = 'avg' THEN count(*) END
    FROM tmp_cm c
    JOIN ${catalogueTable()} ON cat.indicator = c.indicator
    JOIN tmp_wm w ON w.month = c.month
    WHERE cat.rule IN ('sum', 'avg') OR (cat.rule = 'last' AND w.month = w.eff_last_month)
       OR (cat.rule = 'december' AND w.month = w.eff_last_month AND right(w.month, 2) = '12')
    GROUP BY c.indicator, c.county_code, w.win, cat.rule`);
  // complaints.received (complaintFacts) is an internal component: complaints per 10,000 persons,
  // the average persons kept as person-months ÷ months until the final division.
  await wh.run(`
    INSERT INTO tmp_cw
    SELECT 'complaints.per_10k', c.county_code, c.win, c.num, CAST(p.pm / p.mm AS DECIMAL(38,4)), c.n, NULL, NULL, p.pm, p.mm
    FROM tmp_cw c JOIN tmp_cw p ON p.indicator = 'coverage.persons' AND p.county_code = c.county_code AND p.win = c.win
    WHERE c.indicator = 'complaints.received' AND p.pm > 0`);
  // Coverage rates: persons over the population of the window's year (else the latest earlier year).
  await wh.run(`
    INSERT INTO tmp_cw
    WITH prof AS (
      SELECT w.win, cp.county_code, arg_max(cp.resident_population, cp.year) AS resident, arg_max(cp.low_income_population, cp.year) AS low_income
      FROM (SELECT DISTINCT win, CAST(left(eff_last_month, 4) AS INTEGER) AS y FROM tmp_wm) w
      JOIN src_county_profile cp ON cp.year <= w.y GROUP BY w.win, cp.county_code)
    SELECT UNNEST(['coverage.rate', 'coverage.need_rate']), p.county_code, p.win,
      CAST(p.pm / p.mm AS DECIMAL(38,4)), UNNEST([prof.resident, prof.low_income]), p.n, NULL, NULL, p.pm, p.mm
    FROM tmp_cw p JOIN prof ON prof.county_code = p.county_code AND prof.win = p.win
    WHERE p.indicator = 'coverage.persons'`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator = 'complaints.received'`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator IN ('coverage.rate', 'coverage.need_rate') AND (den IS NULL OR den = 0)`);
  await wh.run(`DELETE FROM tmp_cw WHERE indicator = 'coverage.persons' AND value IS NULL`);

  // Gaps. A monthly extract: not delivered in a month the indicator reads, from the first month the
  // province has it. A ledger: no delivery (the county's own, or its city's or province's) for the
  // window's last month or a later one — a month without events is not missing data.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_gap AS
    SELECT indicator, county_code, win, string_agg(reason, '; ' ORDER BY reason) AS reason FROM (
      SELECT req.indicator, r.county_code, w.win,
        req.extract_type || ' missing ' || string_agg(w.month, ', ' ORDER BY w.month) AS reason
      FROM ${requiredTable()} JOIN ${catalogueTable()} ON cat.indicator = req.indicator
      CROSS JOIN tmp_region r
      JOIN tmp_wm w ON w.in_range AND (cat.rule IN ('sum', 'avg') OR w.month = w.eff_last_month)
      JOIN tmp_first f ON f.province_code = r.province_code AND f.extract_type = req.extract_type AND w.month >= f.first_month
      WHERE req.extract_type IN (${monthly})
        AND NOT EXISTS (SELECT 1 FROM tmp_delivered d WHERE d.county_code = r.county_code AND d.extract_type = req.extract_type AND d.month = w.month)
      GROUP BY req.indicator, r.county_code, w.win, req.extract_type
      UNION ALL
      SELECT req.indicator, r.county_code, w.win,
        'no ' || req.extract_type || ' delivery covering ' || w.eff_last_month || coalesce(' (latest ' || max(l.period) || ')', '') AS reason
      FROM ${requiredTable()} CROSS JOIN tmp_region r CROSS JOIN (SELECT DISTINCT win, eff_last_month FROM tmp_wm) w
      LEFT JOIN tmp_ledger l ON l.county_code = r.county_code AND l.extract_type = req.extract_type
      WHERE req.extract_type IN (${ledgers})
      GROUP BY req.indicator, r.county_code, w.win, w.eff_last_month, req.extract_type
      HAVING NOT coalesce(max(l.period) >= w.eff_last_month, false))
    GROUP BY indicator, county_code, win`);

  // A county-window with a required extract missing is a gap: no value, and not summed into its city.
  await wh.run(`DELETE FROM tmp_cw USING tmp_gap g WHERE tmp_cw.indicator = g.indicator AND tmp_cw.county_code = g.county_code AND tmp_cw.win = g.win`);

  // Every level: sums of county components.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_res AS
    SELECT indicator, win,
      CASE WHEN grouping(county_code) = 0 THEN county_code WHEN grouping(city_code) = 0 THEN city_code ELSE province_code END AS region_code,
      CASE WHEN grouping(county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END AS level,
      sum(num) AS num, sum(den) AS den, sum(n) AS n, sum(amount) AS amount, sum(value) AS value_sum, sum(pm) AS pm, sum(mm) AS mm
    FROM tmp_cw JOIN tmp_region USING (county_code)
    GROUP BY GROUPING SETS ((indicator, win, county_code), (indicator, win, city_code), (indicator, win, province_code))`);

  // Cities and the province count persons from the rows, over the counties that have the figure
  // (non-gap): person-months less the extra months of persons on several of those counties'
  // rosters, and duplicates as distinct persons on more than one household among them.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_lvl AS
    WITH s AS (
      SELECT DISTINCT t.indicator, t.win, t.county_code, r.city_code, r.province_code
      FROM tmp_cw t JOIN tmp_region r USING (county_code) WHERE t.indicator IN (${LEVEL_FROM_ROWS.map(lit).join(", ")})),
    lv AS (
      SELECT indicator, win, county_code, city_code AS region_code, 'city' AS level FROM s
      UNION ALL SELECT indicator, win, county_code, province_code, 'province' FROM s),
    base AS (
      SELECT lv.indicator, lv.win, lv.region_code, lv.level, rc.month, sum(rc.persons) AS persons
      FROM lv JOIN tmp_wm w ON w.win = lv.win JOIN tmp_roster_cm rc ON rc.county_code = lv.county_code AND rc.month = w.month
      GROUP BY ALL),
    -- only persons on several households or counties can change a region's count
    multi AS (SELECT p.* FROM tmp_cpm p WHERE p.nh > 1 OR EXISTS (SELECT 1 FROM tmp_multi m WHERE m.month = p.month AND m.person_id = p.person_id)),
    cpm AS (
      SELECT lv.indicator, lv.win, lv.region_code, lv.level, p.month, p.person_id, count(*) AS k, sum(p.nh) AS nh
      FROM lv JOIN tmp_wm w ON w.win = lv.win JOIN multi p ON p.county_code = lv.county_code AND p.month = w.month
      GROUP BY ALL),
    corr AS (
      SELECT indicator, win, region_code, level, month, sum(k - 1) AS extra, count(*) FILTER (WHERE nh > 1) AS dups
      FROM cpm GROUP BY ALL)
    SELECT b.indicator, b.win, b.region_code, b.level, sum(b.persons - coalesce(c.extra, 0)) AS pm, count(*) AS mm,
      sum(coalesce(c.dups, 0)) AS dups
    FROM base b LEFT JOIN corr c USING (indicator, win, region_code, level, month)
    GROUP BY ALL`);
  await wh.run(`
    UPDATE tmp_res SET
      pm = CASE WHEN tmp_res.indicator = 'integrity.duplicate_persons' THEN NULL ELSE l.pm END,
      mm = CASE WHEN tmp_res.indicator = 'integrity.duplicate_persons' THEN NULL ELSE l.mm END,
      num = CASE tmp_res.indicator
        WHEN 'coverage.persons' THEN l.pm
        WHEN 'integrity.duplicate_persons' THEN l.dups
        WHEN 'complaints.per_10k' THEN tmp_res.num
        ELSE CAST(l.pm / l.mm AS DECIMAL(38,4)) END,
      den = CASE tmp_res.indicator
        WHEN 'coverage.persons' THEN l.mm
        WHEN 'complaints.per_10k' THEN CAST(l.pm / l.mm AS DECIMAL(38,4))
        ELSE tmp_res.den END,
      value_sum = CASE WHEN tmp_res.indicator = 'coverage.persons' THEN CAST(l.pm AS DOUBLE) / l.mm END
    FROM tmp_lvl l
    WHERE l.indicator = tmp_res.indicator AND l.win = tmp_res.win AND l.region_code = tmp_res.region_code AND l.level = tmp_res.level`);

  // Percentiles from rows at every level.
  await wh.run(`
    INSERT INTO tmp_res
    SELECT UNNEST(['process.median_days', 'process.p90_days']), win,
      CASE WHEN grouping(a.county_code) = 0 THEN a.county_code WHEN grouping(city_code) = 0 THEN city_code ELSE province_code END,
      CASE WHEN grouping(a.county_code) = 0 THEN 'county' WHEN grouping(city_code) = 0 THEN 'city' ELSE 'province' END,
      NULL, NULL, count(wd), NULL, UNNEST([quantile_cont(wd, 0.5), quantile_cont(wd, 0.9)]), NULL, NULL
    FROM tmp_app a JOIN tmp_wm w ON w.month = a.month JOIN tmp_region r ON r.county_code = a.county_code
    WHERE wd IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM tmp_gap g WHERE g.indicator = 'process.median_days' AND g.county_code = a.county_code AND g.win = w.win)
    GROUP BY GROUPING SETS ((win, a.county_code), (win, city_code), (win, province_code))`);

  // Values by formula, one division at the end: rates over persons divide person-months by
  // months × population; per 10,000 multiplies by months before dividing by person-months.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_val AS
    SELECT r.indicator, r.win, r.region_code, r.level, r.num, r.den, r.n, r.amount,
      CASE cat.formula
        WHEN 'ratio' THEN CASE
          WHEN r.pm IS NOT NULL THEN CASE WHEN r.den <> 0 AND r.mm > 0 THEN CAST(r.pm AS DOUBLE) / (CAST(r.mm AS DOUBLE) * CAST(r.den AS DOUBLE)) END
          WHEN r.den <> 0 THEN CAST(r.num AS DOUBLE) / CAST(r.den AS DOUBLE) END
        WHEN 'per10k' THEN CASE
          WHEN r.pm IS NOT NULL THEN CASE WHEN r.pm > 0 THEN CAST(r.num AS DOUBLE) * CAST(r.mm AS DOUBLE) * 10000 / CAST(r.pm AS DOUBLE) END
          WHEN r.den <> 0 THEN CAST(r.num AS DOUBLE) / CAST(r.den AS DOUBLE) * 10000 END
        WHEN 'count' THEN CAST(r.num AS DOUBLE)
        WHEN 'avg' THEN r.value_sum
        WHEN 'percentile' THEN r.value_sum
      END AS value,
      cat.has_ci
    FROM tmp_res r JOIN ${catalogueTable()} ON cat.indicator = r.indicator`);
  await wh.run(`
    INSERT INTO tmp_val
    SELECT 'budget.execution_lag', v.win, v.region_code, v.level, v.num, v.den, v.n, v.amount,
      (CAST(m.eff_month_no AS DOUBLE) / 12 - v.value) * 100, false
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

  // Values that counted working days in a year without its official schedule.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_prov AS
    SELECT DISTINCT UNNEST(['process.median_days', 'process.p90_days', 'process.on_time_rate']) AS indicator, a.county_code, w.win
    FROM tmp_app a JOIN tmp_wm w ON w.month = a.month WHERE a.provisional`);

  // The months each figure covers: a monthly extract's from the first month its province has it
  // (a window that starts before the data covers the months with data), the last month for
  // cumulative extracts, the whole window up to its last month for ledgers.
  const na = CATALOGUE.map((d) => `(${lit(d.id)}, ${lit(naReason(d.id))})`).join(", ");
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_cover AS
    WITH w AS (SELECT win, min(month) AS first_month, any_value(eff_last_month) AS eff_last_month FROM tmp_wm GROUP BY win),
    p AS (SELECT DISTINCT province_code FROM tmp_region),
    firsts AS (
      SELECT cat.indicator, p.province_code,
        CASE WHEN cat.indicator LIKE 'reporting.%' THEN (SELECT min(first_month) FROM tmp_first f WHERE f.province_code = p.province_code)
             ELSE max(f.first_month) END AS first_expected,
        CASE WHEN cat.indicator LIKE 'reporting.%' THEN 'monthly extracts' ELSE arg_max(f.extract_type, f.first_month) END AS first_extract
      FROM ${catalogueTable()} CROSS JOIN p
      LEFT JOIN ${requiredTable()} ON req.indicator = cat.indicator AND req.extract_type IN (${monthly})
      LEFT JOIN tmp_first f ON f.province_code = p.province_code AND f.extract_type = req.extract_type
      GROUP BY cat.indicator, p.province_code)
    SELECT f.indicator, w.win, f.province_code, f.first_expected, f.first_extract,
      CASE WHEN cat.rule IN ('last', 'december') THEN w.eff_last_month ELSE greatest(w.first_month, coalesce(f.first_expected, w.first_month)) END AS from_month,
      w.eff_last_month AS to_month,
      f.first_expected IS NULL OR w.eff_last_month >= f.first_expected AS covered
    FROM firsts f JOIN ${catalogueTable()} ON cat.indicator = f.indicator CROSS JOIN w`);

  // Every region × window × indicator, with status, reason and months covered.
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_final AS
    WITH regions AS (
      SELECT county_code AS region_code, 'county' AS level, county_code, province_code FROM tmp_region
      UNION ALL SELECT DISTINCT city_code, 'city', county_code, province_code FROM tmp_region
      UNION ALL SELECT DISTINCT province_code, 'province', county_code, province_code FROM tmp_region),
    gaps AS (
      SELECT g.indicator, g.win, x.region_code, x.level, count(*) AS k,
        min(CASE WHEN x.level = 'county' THEN g.reason ELSE g.county_code || ' ' || g.reason END) AS reason
      FROM tmp_gap g JOIN regions x ON x.county_code = g.county_code GROUP BY ALL),
    prov AS (SELECT DISTINCT p.indicator, p.win, x.region_code FROM tmp_prov p JOIN regions x ON x.county_code = p.county_code),
    grid AS (
      SELECT DISTINCT x.region_code, x.level, x.province_code, w.win, cat.indicator
      FROM regions x CROSS JOIN (SELECT DISTINCT win FROM tmp_wm) w CROSS JOIN ${catalogueTable()}),
    nar AS (SELECT * FROM (VALUES ${na}) AS t(indicator, reason))
    SELECT g.region_code, g.level, g.win, g.indicator, c.value, c.num, c.den, c.n, c.amount, c.ci_low, c.ci_high,
      CASE WHEN c.value IS NOT NULL AND pv.indicator IS NOT NULL THEN 'provisional'
           WHEN c.value IS NOT NULL THEN 'ok' WHEN gp.indicator IS NOT NULL THEN 'gap' ELSE 'na' END AS status,
      CASE WHEN c.value IS NOT NULL AND pv.indicator IS NOT NULL THEN ${lit(provisionalNote ?? "working days counted on weekends alone")}
           WHEN c.value IS NOT NULL THEN NULL
           WHEN gp.indicator IS NOT NULL AND g.level = 'county' THEN gp.reason
           WHEN gp.indicator IS NOT NULL THEN 'no county with a value; ' || gp.k || CASE WHEN gp.k = 1 THEN ' county' ELSE ' counties' END || ' a gap (' || gp.reason || CASE WHEN gp.k > 1 THEN ', …' ELSE '' END || ')'
           WHEN NOT cv.covered THEN cv.first_extract || ' not expected before ' || cv.first_expected || ' (the province''s first delivery)'
           ELSE nar.reason END AS reason,
      CASE WHEN cv.covered THEN CASE WHEN cv.from_month = cv.to_month THEN cv.from_month ELSE cv.from_month || '..' || cv.to_month END END AS months
    FROM grid g
    LEFT JOIN tmp_ci c ON c.region_code = g.region_code AND c.win = g.win AND c.indicator = g.indicator
    LEFT JOIN gaps gp ON gp.region_code = g.region_code AND gp.win = g.win AND gp.indicator = g.indicator
    LEFT JOIN prov pv ON pv.region_code = g.region_code AND pv.win = g.win AND pv.indicator = g.indicator
    LEFT JOIN tmp_cover cv ON cv.indicator = g.indicator AND cv.win = g.win AND cv.province_code = g.province_code
    LEFT JOIN nar ON nar.indicator = g.indicator`);
  await wh.run(`UPDATE tmp_final SET num = NULL, den = NULL, n = coalesce(n, 0), amount = NULL, ci_low = NULL, ci_high = NULL WHERE value IS NULL`);
}

async function dropTemps(wh: Warehouse): Promise<void> {
  const rows = await wh.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_catalog = 'temp' AND table_type = 'BASE TABLE' AND table_name LIKE 'tmp\\_%' ESCAPE '\\'",
  );
  for (const r of rows) await wh.run(`DROP TABLE IF EXISTS temp."${r.name}"`);
}
