// The allocation's inputs per county and window, written beside the scores so that the
// CLI (`jiuzhu allocate`) and the allocation page read one mart instead of core views:
// the score and grade (mart_score), the need (coverage.persons), the rollover of the
// year in force (budget.rollover_ratio) and the fiscal difficulty (county_profile).
import type { Warehouse } from "../../loaders/db.js";
import { ensureTable, tableExists, type TableColumn } from "../scorecard/store.js";
import { parseWindow } from "../windows.js";

export const MART_ALLOCATION_INPUT: readonly TableColumn[] = [
  { name: "window", type: "VARCHAR" },
  { name: "county_code", type: "VARCHAR" },
  { name: "county_name", type: "VARCHAR" },
  { name: "city_code", type: "VARCHAR" },
  { name: "composite", type: "DOUBLE" },
  { name: "grade", type: "VARCHAR" },
  { name: "persons", type: "DOUBLE" },
  { name: "fiscal_difficulty", type: "DOUBLE" },
  { name: "fiscal_year", type: "INTEGER" },
  { name: "rollover_window", type: "VARCHAR" },
  { name: "rollover_ratio", type: "DOUBLE" },
  { name: "rollover_balance", type: "DOUBLE" },
  { name: "rollover_spent", type: "DOUBLE" },
  { name: "config_version", type: "VARCHAR" },
  { name: "computed_at", type: "TIMESTAMP" },
];

/**
 * The years whose December rollover may count, in order of preference: for a year window
 * its own year, then the year before (while its December is not in yet); else the year before.
 */
export function rolloverWindowsOf(window: string): string[] {
  const w = parseWindow(window);
  return w.kind === "year" ? [String(w.year), String(w.year - 1)] : [String(w.year - 1)];
}

const NO_PROFILE = "SELECT NULL::VARCHAR AS county_code, NULL::INTEGER AS year, NULL::DOUBLE AS fiscal_difficulty WHERE false";
const NO_REGION = "SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS city_code WHERE false";

/**
 * Write mart_allocation_input for `windows` from the county rows of mart_score (config
 * `configVersion`), replacing nothing: the caller deletes the windows first (computeScores,
 * in the same transaction). Fiscal difficulty is the county's latest profile year up to the
 * window's year; the rollover year is the first of rolloverWindowsOf with any county's figure.
 */
export async function writeAllocationInputs(wh: Warehouse, windows: readonly string[], configVersion: string, now: Date): Promise<void> {
  await ensureTable(wh, "mart_allocation_input", MART_ALLOCATION_INPUT, { replaceIfDifferent: true });
  const profile = (await tableExists(wh, "core_county_profile"))
    ? "SELECT county_code, CAST(year AS INTEGER) AS year, CAST(fiscal_difficulty AS DOUBLE) AS fiscal_difficulty FROM core_county_profile"
    : NO_PROFILE;
  const region = (await tableExists(wh, "dim_region")) ? "SELECT code, city_code FROM dim_region WHERE level = 'county'" : NO_REGION;
  for (const window of windows) {
    const candidates = rolloverWindowsOf(window);
    let rolloverWindow = candidates[candidates.length - 1]!;
    for (const w of candidates) {
      const n = await wh.query<{ n: bigint }>(
        `SELECT count(*) AS n FROM mart_indicator WHERE indicator = 'budget.rollover_ratio' AND "window" = ? AND level = 'county' AND status = 'ok'`,
        [w],
      );
      if (n[0]!.n > 0n) {
        rolloverWindow = w;
        break;
      }
    }
    const year = parseWindow(window).year;
    await wh.run(
      `INSERT INTO mart_allocation_input
       WITH profile AS (${profile}),
       latest AS (
         SELECT county_code, year, fiscal_difficulty FROM profile WHERE year <= ?
         QUALIFY row_number() OVER (PARTITION BY county_code ORDER BY year DESC) = 1
       ),
       region AS (${region}),
       persons AS (
         SELECT region_code, CAST(value AS DOUBLE) AS value FROM mart_indicator
          WHERE indicator = 'coverage.persons' AND "window" = ? AND level = 'county' AND status = 'ok'
       ),
       rollover AS (
         SELECT region_code, CAST(value AS DOUBLE) AS ratio, CAST(numerator AS DOUBLE) AS balance, CAST(denominator AS DOUBLE) AS spent
           FROM mart_indicator
          WHERE indicator = 'budget.rollover_ratio' AND "window" = ? AND level = 'county' AND status = 'ok'
            AND value IS NOT NULL AND numerator IS NOT NULL AND denominator IS NOT NULL
       )
       SELECT s."window", s.region_code, s.region_name, r.city_code, s.composite, s.grade, p.value,
              l.fiscal_difficulty, (SELECT max(year) FROM latest), ?::VARCHAR, ro.ratio, ro.balance, ro.spent, s.config_version, epoch_ms(?::BIGINT)
         FROM mart_score s
         LEFT JOIN region r ON r.code = s.region_code
         LEFT JOIN persons p ON p.region_code = s.region_code
         LEFT JOIN rollover ro ON ro.region_code = s.region_code
         LEFT JOIN latest l ON l.county_code = s.region_code
        WHERE s."window" = ? AND s.level = 'county' AND s.config_version = ?`,
      [year, window, rolloverWindow, rolloverWindow, now.getTime(), window, configVersion],
    );
  }
}
