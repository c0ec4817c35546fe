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

/**
 * First and last month of the data, from delivery periods only: the load log's monthly and
 * ledger deliveries and the `period` of monthly extract rows (which is their delivery's). Dates
 * inside rows (an application applied for in September) never make a month a data month.
 * Without a load log (hand-made warehouses) the ledgers' event months stand in for their periods.
 */
export async function dataMonths(wh: Warehouse, sources: Sources): Promise<{ first: string; last: string } | null> {
  const periodic = [...CONFIG.monthlyExtracts, ...CONFIG.ledgerExtracts].map(quoteLiteral).join(", ");
  const parts = [`SELECT month FROM tmp_keys WHERE extract_type IN (${CONFIG.monthlyExtracts.map(quoteLiteral).join(", ")})`];
  if (sources.hasMeta) {
    parts.push(`SELECT period FROM meta_delivery WHERE status = 'current' AND length(period) = 7 AND extract_type IN (${periodic})`);
  } else {
    parts.push(`SELECT month FROM tmp_keys WHERE extract_type IN (${CONFIG.ledgerExtracts.map(quoteLiteral).join(", ")})`);
  }
  const rows = await wh.query<{ first: string | null; last: string | null }>(
    `SELECT min(month) AS first, max(month) AS last FROM (${parts.join(" UNION ALL ")}) AS t(month) WHERE month IS NOT NULL AND month ~ '^\\d{4}-\\d{2}$'`,
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
  /**
   * Months of the window up to its effective last month, those before the data range included:
   * a ledger delivered from October holds the events of the year before it too.
   */
  allMonths: string[];
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
      const effLastMonth = inRange[inRange.length - 1]!;
      return { window: w, months: inRange, allMonths: w.months.filter((m) => m <= effLastMonth), effLastMonth };
    });
}

/**
 * tmp_months (every month in the data range) and tmp_wm (win, kind, month, eff_last_month,
 * eff_last_day, eff_month_no, in_range): every month of each window up to its effective last
 * month; `in_range` marks those inside the data range (monthly extracts are expected only there,
 * and from the first month the province has each).
 */
export async function prepareWindows(wh: Warehouse, range: { first: string; last: string }, plans: readonly WindowPlan[]): Promise<void> {
  const months = monthRange(range.first, range.last);
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_months AS SELECT * FROM (VALUES ${months.map((m) => `(${quoteLiteral(m)})`).join(", ")}) AS t(month)`);
  const rows = plans.flatMap((p) => p.allMonths.map((m) => `(${quoteLiteral(p.window.id)}, ${quoteLiteral(p.window.kind)}, ${quoteLiteral(m)}, ${quoteLiteral(p.effLastMonth)})`));
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_wm (win VARCHAR, kind VARCHAR, month VARCHAR, eff_last_month VARCHAR, eff_last_day DATE, eff_month_no INTEGER, in_range BOOLEAN)`);
  if (rows.length) {
    await wh.run(`
      INSERT INTO tmp_wm
      SELECT win, kind, month, eff_last_month, last_day(CAST(eff_last_month || '-01' AS DATE)), CAST(right(eff_last_month, 2) AS INTEGER),
        month >= ${quoteLiteral(range.first)} AND month <= ${quoteLiteral(range.last)}
      FROM (VALUES ${rows.join(", ")}) AS t(win, kind, month, eff_last_month)`);
  }
}

/**
 * tmp_delivered(county_code, extract_type, month): a monthly extract counts as delivered for a
 * county and month when the load log has a current delivery for it, or when rows for it exist.
 * tmp_first(province_code, extract_type, first_month): the first month the province has each
 * monthly extract (a county is expected to deliver it from then on).
 * tmp_ledger(county_code, extract_type, period, scope_code): the ledger deliveries covering each
 * county, its own (scope = the county) or its city's or province's (see ledgerScopes).
 */
export async function prepareDelivered(wh: Warehouse, sources: Sources): Promise<void> {
  const monthly = CONFIG.monthlyExtracts.map(quoteLiteral).join(", ");
  const parts = [`SELECT county_code, extract_type, month FROM tmp_keys WHERE extract_type IN (${monthly})`];
  if (sources.hasMeta) {
    parts.push(`SELECT DISTINCT county_code, extract_type, period FROM meta_delivery
      WHERE status = 'current' AND county_code IS NOT NULL AND length(period) = 7 AND extract_type IN (${monthly})`);
  }
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_delivered AS
    SELECT DISTINCT county_code, extract_type, month FROM (${parts.join(" UNION ALL ")})
    WHERE county_code IS NOT NULL AND month IS NOT NULL`);
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_first AS
    SELECT r.province_code, d.extract_type, min(d.month) AS first_month
    FROM tmp_delivered d JOIN tmp_region r USING (county_code) GROUP BY ALL`);
  await prepareLedgers(wh, sources);
}

/** Region codes (2-digit province, 4-digit city, or their 6-digit forms 150000 / 150100) and names a ledger's file name may carry. */
export function regionTokens(fileName: string): string[] {
  const stem = fileName.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
  // Months and dates first, so that 2026-11 never reads as the code 11.
  const cleaned = stem
    .replace(/\d{4}年\d{1,2}月(\d{1,2}日)?/g, " ")
    .replace(/\d{4}-\d{1,2}(-\d{1,2})?/g, " ")
    .replace(/(?<!\d)(19|20|21)\d{2}(0[1-9]|1[0-2])(?!\d)/g, " ");
  return cleaned.split(/[_\s.\-]+/).filter((t) => t.length > 0);
}

/**
 * The region a ledger delivery without a county covers: a city or province code (or name) in
 * its file name, else the smallest region holding every county of its rows. Null when neither
 * says (a code-less file without rows).
 */
export function ledgerScope(
  fileName: string,
  rowCounties: readonly string[],
  regions: { code: string; name: string; level: string }[],
): string | null {
  const byCode = new Map(regions.filter((r) => r.level === "city" || r.level === "province").map((r) => [r.code, r.code]));
  const byName = new Map(regions.filter((r) => r.level === "city" || r.level === "province").map((r) => [r.name, r.code]));
  for (const tok of regionTokens(fileName)) {
    const code = /^\d{2}0000$/.test(tok) ? tok.slice(0, 2) : /^\d{4}00$/.test(tok) ? tok.slice(0, 4) : tok;
    if (/^\d{2}$|^\d{4}$/.test(code) && byCode.has(code)) return code;
    const named = byName.get(tok);
    if (named) return named;
  }
  if (rowCounties.length === 0) return null;
  const cities = new Set(rowCounties.map((c) => c.slice(0, 4)));
  if (cities.size === 1) return [...cities][0]!;
  const provinces = new Set(rowCounties.map((c) => c.slice(0, 2)));
  return provinces.size === 1 ? [...provinces][0]! : null;
}

async function prepareLedgers(wh: Warehouse, sources: Sources): Promise<void> {
  const ledgers = CONFIG.ledgerExtracts.map(quoteLiteral).join(", ");
  await wh.run(`CREATE OR REPLACE TEMP TABLE tmp_ledger_scope (delivery_id INTEGER, extract_type VARCHAR, period VARCHAR, scope_code VARCHAR)`);
  if (sources.hasMeta) {
    await wh.run(`
      INSERT INTO tmp_ledger_scope
      SELECT delivery_id, extract_type, period, county_code FROM meta_delivery
      WHERE status = 'current' AND county_code IS NOT NULL AND length(period) = 7 AND extract_type IN (${ledgers})`);
    // Ledgers a city or the province delivered for all its counties (county_code NULL in the load log).
    const wide = await wh.query<{ delivery_id: number; extract_type: string; period: string; file_name: string }>(`
      SELECT delivery_id, extract_type, period, file_name FROM meta_delivery
      WHERE status = 'current' AND county_code IS NULL AND length(period) = 7 AND extract_type IN (${ledgers})`);
    if (wide.length) {
      const regions = await wh.query<{ code: string; name: string; level: string }>(
        "SELECT code, name, level FROM dim_region WHERE level IN ('city', 'province')",
      );
      const values: string[] = [];
      for (const d of wide) {
        const counties = (
          await wh.query<{ c: string }>(`SELECT DISTINCT county_code AS c FROM ${quoteIdent(`src_${d.extract_type}`)} WHERE delivery_id = ? AND county_code IS NOT NULL`, [
            d.delivery_id,
          ]).catch(() => [] as { c: string }[])
        ).map((r) => r.c);
        const scope = ledgerScope(d.file_name, counties, regions);
        if (scope) values.push(`(${d.delivery_id}, ${quoteLiteral(d.extract_type)}, ${quoteLiteral(d.period)}, ${quoteLiteral(scope)})`);
      }
      if (values.length) await wh.run(`INSERT INTO tmp_ledger_scope VALUES ${values.join(", ")}`);
    }
  } else {
    // No load log: each county's event months stand for its deliveries.
    await wh.run(`
      INSERT INTO tmp_ledger_scope
      SELECT NULL, extract_type, month, county_code FROM tmp_keys
      WHERE extract_type IN (${ledgers}) AND county_code IS NOT NULL AND month IS NOT NULL GROUP BY ALL`);
  }
  await wh.run(`
    CREATE OR REPLACE TEMP TABLE tmp_ledger AS
    SELECT r.county_code, s.extract_type, s.period, s.scope_code, s.delivery_id
    FROM tmp_ledger_scope s JOIN tmp_region r ON starts_with(r.county_code, s.scope_code)`);
}
