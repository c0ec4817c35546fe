// Data gaps, read from one mart for every page: the indicators of mart_indicator with
// status 'gap' (a required monthly extract missing in a month the indicator reads).
// The overview, the region pages and the quality page count these same rows.
import type { Marts } from "./_marts.js";

export type GapRow = {
  code: string;
  window: string;
  indicator: string;
};

/** Gap rows of one region (any level) or of every county, in every window. */
export async function gapRows(m: Marts, region?: string): Promise<GapRow[]> {
  return m.rows<GapRow>(
    "mart_indicator",
    `SELECT region_code AS code, "window", indicator FROM mart_indicator
     WHERE status = 'gap' AND ${region ? "region_code = $r" : "level = 'county'"} ORDER BY region_code, "window", indicator`,
    region ? { r: region } : undefined,
  );
}
