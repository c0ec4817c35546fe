// The inputs of the computation, prepared once per run as temp objects on the connection:
// src_<type> (the core_<type> view, or an empty table of the same shape when an extract was
// never loaded), tmp_region (the counties in scope), tmp_months, tmp_wm (window × month),
// tmp_delivered (county, extract, month delivered). Metrics read only core_* and dim_region.
import { EXTRACT_TYPES, type ExtractType } from "../../loaders/contracts/dictionary.js";
import { extractColumns } from "../../loaders/contracts/sql.js";
import { quoteIdent, quoteLiteral, type Warehouse } from "../../loaders/db.js";
import { CONFIG } from "../config.js";
import { monthRange, windowsCovering, type Window } from "../windows.js";

export const ROW_EXTRACTS = EXTRACT_TYPES.filter((t) => t !== "regions");

async function relationExists(wh: Warehouse, name: string): Promise<boolean> {
  const rows = await wh.query<{ n: bigint }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ? AND table_catalog <> 'temp'",
    [name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

export interface Sources {
  hasMeta: boolean;
  loaded: Set<ExtractType>;
}

/** Temp views src_<type> over core_<type>; empty temp tables where a core view is missing. */
export async function prepareSources(wh: Warehouse): Promise<Sources> {
  const loaded = new Set<ExtractType>();
  for (const type of ROW_EXTRACTS) {
    const src = quoteIdent(`src_${type}`);
    await wh.run(`DROP VIEW IF EXISTS temp.${src}`);
    await wh.run(`DROP TABLE IF EXISTS temp.${src}`);
    if (await relationExists(wh, `core_${type}`)) {
      await wh.run(`CREATE TEMP VIEW ${src} AS SELECT * FROM ${quoteIdent(`core_${type}`)}`);
      loaded.add(type);
    } else {
      const cols = extractColumns(type).map(([n, t]) => `${quoteIdent(n)} ${t.replace(" NOT NULL", "")}`);
      await wh.run(`CREATE TEMP TABLE ${src} (${cols.join(", ")})`);
    }
  }
  if (!(await relationExists(wh, "dim_region"))) {
    throw new Error("dim_region is missing: load the region dimension (ensureRegionDimension) before computing indicators");
  }
  const hasMeta = await relationExists(wh, "meta_delivery");
  return { hasMeta, loaded };
}

/** The month each periodic extract's rows are judged in (the rows' window rule). */
const JUDGED_MONTH: Partial<Record<ExtractType, string>> = {
  roster: "period",
  payments: "period",
  funds: "period",
  applications: "strftime(decided_on, '%Y-%m')",
  complaints: "strftime(received_on, '%Y-%m')",
  surveys: "strftime(surveyed_on, '%Y-%m')",
  inspections: "strftime(inspected_on, '%Y-%m')",
};

/**
 * Incremental runs: let src_<type> show only the rows judged in `months` (the months of the
 * windows being recomputed and the month before each, for entries and exits).
 */
export async function restrictSources(wh: Warehouse, sources: Sources, months: readonly string[]): Promise<void> {
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_need AS SELECT * FROM (VALUES ${months.map((m) => `(${quoteLiteral(m)})`).join(", ")}) AS t(month)`);
  for (const [type, expr] of Object.entries(JUDGED_MONTH) as [ExtractType, string][]) {
    if (!sources.loaded.has(type)) continue;
    await wh.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdent(`src_${type}`)} AS
      SELECT * FROM ${quoteIdent(`core_${type}`)} WHERE ${expr} IN (SELECT month FROM tmp_need)`);
  }
}

/** How each extract's rows fall in months: its period, or the date of its event. */
const KEY_SQL: Record<string, string> = {
  roster: "SELECT county_code, period AS month, delivery_id FROM src_roster GROUP BY ALL",
  payments: "SELECT county_code, period AS month, delivery_id FROM src_payments GROUP BY ALL",
  funds: "SELECT county_code, period AS month, delivery_id FROM src_funds GROUP BY ALL",
  applications: "SELECT county_code, strftime(applied_on, '%Y-%m') AS month, delivery_id FROM src_applications GROUP BY ALL",
  applications_decided:
    "SELECT county_code, strftime(decided_on, '%Y-%m') AS month, delivery_id FROM src_applications WHERE decided_on IS NOT NULL GROUP BY ALL",
  complaints: "SELECT county_code, strftime(received_on, '%Y-%m') AS month, delivery_id FROM src_complaints GROUP BY ALL",
  surveys: "SELECT county_code, strftime(surveyed_on, '%Y-%m') AS month, delivery_id FROM src_surveys GROUP BY ALL",
  inspections: "SELECT county_code, strftime(inspected_on, '%Y-%m') AS month, delivery_id FROM src_inspections GROUP BY ALL",
  standards: "SELECT county_code, NULL AS month, delivery_id FROM src_standards GROUP BY ALL",
  county_profile: "SELECT county_code, NULL AS month, delivery_id FROM src_county_profile GROUP BY ALL",
};

/**
 * tmp_keys(extract_type, county_code, month, delivery_id): one small scan of each extract,
 * from which the data range, the counties, the deliveries present and the data versions
 * are all derived (so the big tables are read once here, not once per question).
 */
export async function prepareKeys(wh: Warehouse): Promise<void> {
  const parts = Object.entries(KEY_SQL).map(([type, sql]) => `SELECT ${quoteLiteral(type)} AS extract_type, county_code, CAST(month AS VARCHAR) AS month, delivery_id FROM (${sql})`);
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_keys AS ${parts.join(" UNION ALL ")}`);
}

/** First and last month with any data (row periods, decisions, receipts, surveys, inspections, deliveries). */
export async function dataMonths(wh: Warehouse, sources: Sources): Promise<{ first: string; last: string } | null> {
  const meta = sources.hasMeta
    ? ` UNION ALL SELECT period FROM meta_delivery WHERE status = 'current' AND length(period) = 7 AND extract_type IN (${CONFIG.monthlyExtracts.map(quoteLiteral).join(", ")})`
    : "";
  const rows = await wh.query<{ first: string | null; last: string | null }>(
    `SELECT min(month) AS first, max(month) AS last FROM (SELECT month FROM tmp_keys${meta}) AS t(month) WHERE month IS NOT NULL`,
  );
  const r = rows[0];
  return r?.first && r.last ? { first: r.first, last: r.last } : null;
}

/** tmp_region: every county of every province that has data (counties without data show as na/gap). */
export async function prepareRegions(wh: Warehouse, sources: Sources): Promise<void> {
  const codes = [
    "SELECT DISTINCT county_code FROM tmp_keys",
    ...(sources.hasMeta ? ["SELECT DISTINCT county_code FROM meta_delivery WHERE county_code IS NOT NULL"] : []),
  ].join(" UNION ");
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_region AS
    WITH data_counties AS (SELECT county_code FROM (${codes}) WHERE county_code IS NOT NULL),
    provinces AS (SELECT DISTINCT left(county_code, 2) AS province_code FROM data_counties)
    SELECT d.code AS county_code, coalesce(d.city_code, left(d.code, 4)) AS city_code, d.province_code
    FROM dim_region d JOIN provinces p ON d.province_code = p.province_code
    WHERE d.level = 'county'
    UNION
    SELECT county_code, left(county_code, 4), left(county_code, 2) FROM data_counties
    WHERE county_code NOT IN (SELECT code FROM dim_region WHERE level = 'county')`);
}

export interface WindowPlan {
  window: Window;
  /** Months of the window inside the data range. */
  months: string[];
  /** The window's last month, or the latest data month when the window is still open. */
  effLastMonth: string;
}

export function planWindows(range: { first: string; last: string }, only?: readonly string[]): WindowPlan[] {
  const months = monthRange(range.first, range.last);
  const wanted = only ? new Set(only) : undefined;
  return windowsCovering(months)
    .filter((w) => !wanted || wanted.has(w.id))
    .map((w) => {
      const inRange = w.months.filter((m) => m >= range.first && m <= range.last);
      return { window: w, months: inRange, effLastMonth: inRange[inRange.length - 1]! };
    });
}

/** tmp_months (every month in the data range) and tmp_wm (win, kind, month, eff_last_month, eff_last_day, eff_month_no). */
export async function prepareWindows(wh: Warehouse, range: { first: string; last: string }, plans: readonly WindowPlan[]): Promise<void> {
  const months = monthRange(range.first, range.last);
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_months AS SELECT * FROM (VALUES ${months.map((m) => `(${quoteLiteral(m)})`).join(", ")}) AS t(month)`);
  const rows = plans.flatMap((p) => p.months.map((m) => `(${quoteLiteral(p.window.id)}, ${quoteLiteral(p.window.kind)}, ${quoteLiteral(m)}, ${quoteLiteral(p.effLastMonth)})`));
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_wm (win VARCHAR, kind VARCHAR, month VARCHAR, eff_last_month VARCHAR, eff_last_day DATE, eff_month_no INTEGER)`);
  if (rows.length) {
    await wh.run(`
      INSERT INTO tmp_wm
      SELECT win, kind, month, eff_last_month, last_day(CAST(eff_last_month || '-01' AS DATE)), CAST(right(eff_last_month, 2) AS INTEGER)
      FROM (VALUES ${rows.join(", ")}) AS t(win, kind, month, eff_last_month)`);
  }
}

/**
 * tmp_delivered(county_code, extract_type, month): a monthly extract counts as delivered for a
 * county and month when the load log has a current delivery for it, or when rows for it exist.
 */
export async function prepareDelivered(wh: Warehouse, sources: Sources): Promise<void> {
  const parts = [
    `SELECT county_code, extract_type, month FROM tmp_keys WHERE extract_type IN (${CONFIG.monthlyExtracts.map(quoteLiteral).join(", ")})`,
  ];
  if (sources.hasMeta) {
    parts.push(`SELECT DISTINCT county_code, extract_type, period FROM meta_delivery WHERE status = 'current' AND county_code IS NOT NULL AND length(period) = 7`);
  }
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_delivered AS
    SELECT DISTINCT county_code, extract_type, month FROM (${parts.join(" UNION ALL ")})
    WHERE county_code IS NOT NULL AND month IS NOT NULL`);
}
