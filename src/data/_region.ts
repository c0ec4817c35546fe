// One region's page (/region/<code>): score history, the decomposition of its score
// into what each indicator added and cost, indicator trends against targets and
// peers, problem counts with their masked case lists, and delivery quality.
import { maskId } from "../../loaders/contracts/mask.js";
import { indicatorCatalogue } from "./_catalogue.js";
import { extractLabels, enumLabels, fieldLabels } from "./_labels.js";
import type { Marts } from "./_marts.js";
import { latestOfEachKind, sortWindows, windowKind } from "./_windows.js";

const CASE_LIMIT = 200;
/** Defence in depth: any 18-character ID number that reached a case list unmasked is masked here. */
const ID = /\b(\d{6})(\d{8})(\d{3}[\dXx])\b/g;
const scrub = (s: string) => s.replace(ID, (m) => maskId(m));

export async function regionData(m: Marts, code: string): Promise<unknown> {
  const catalogue = await indicatorCatalogue();
  const self = (
    await m.rows<{ code: string; name: string; level: string }>(
      "mart_indicator",
      "SELECT region_code AS code, any_value(region_name) AS name, any_value(level) AS level FROM mart_indicator WHERE region_code = $c GROUP BY 1",
      { c: code },
    )
  )[0] ?? { code, name: code, level: code.length === 6 ? "county" : "city" };
  const parentCode = self.level === "county" ? code.slice(0, 4) : code.slice(0, 2);
  const names = new Map(
    (await m.rows<{ code: string; name: string }>(
      "mart_indicator",
      "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE region_code IN ($p, $q)",
      { p: parentCode, q: code.slice(0, 2) },
    )).map((r) => [r.code, r.name]),
  );
  const scores = await m.rows(
    "mart_score",
    `SELECT "window", composite, grade, rank, previous_rank, rank_change, ranked, gaps, na_indicators FROM mart_score WHERE region_code = $c`,
    { c: code },
  );
  const windows = sortWindows(scores.map((s) => String(s.window)));
  const detailWindows = latestOfEachKind(windows);
  const detailList = detailWindows.join(",");
  const decomposition = await m.rows(
    "mart_score_detail",
    `SELECT "window", dimension, indicator, value, status, points, weight_effective, points_contributed, points_lost, funnel_flag
     FROM mart_score_detail WHERE region_code = $c AND list_contains(string_split($w, ','), "window")
     ORDER BY "window", dimension, indicator`,
    { c: code, w: detailList },
  );
  const dimensions = await m.rows(
    "mart_score_dimension",
    `SELECT "window", dimension, label, weight, weight_effective, score, points_contributed FROM mart_score_dimension
     WHERE region_code = $c AND list_contains(string_split($w, ','), "window") ORDER BY "window"`,
    { c: code, w: detailList },
  );
  // Monthly values of every indicator: the region, its parent (city or province) and the province.
  const trends = await m.rows<{ region_code: string; window: string; indicator: string; value: number | null; status: string }>(
    "mart_indicator",
    `SELECT region_code, "window", indicator, value, status FROM mart_indicator
     WHERE region_code IN ($c, $p, $q) AND regexp_matches("window", '^[0-9]{4}-[0-9]{2}$') ORDER BY "window"`,
    { c: code, p: parentCode, q: code.slice(0, 2) },
  );
  const latest = await m.rows(
    "mart_indicator",
    `SELECT "window", indicator, value, numerator, denominator, n, ci_low, ci_high, status FROM mart_indicator
     WHERE region_code = $c AND list_contains(string_split($w, ','), "window")`,
    { c: code, w: detailList },
  );
  const countyFilter = self.level === "county" ? "county_code = $c" : "starts_with(county_code, $c)";
  const caseCounts = await m.rows<{ window: string; indicator: string; n: number }>(
    "mart_case",
    `SELECT "window", indicator, count(*) AS n FROM mart_case WHERE ${countyFilter} AND list_contains(string_split($w, ','), "window") GROUP BY ALL`,
    { c: code, w: detailList },
  );
  const cases = self.level === "county"
    ? await m.rows<{ window: string; indicator: string; case_key: string; detail: string | null }>(
        "mart_case",
        `SELECT "window", indicator, case_key, detail FROM (
           SELECT *, row_number() OVER (PARTITION BY "window", indicator ORDER BY case_key) AS i FROM mart_case
           WHERE county_code = $c AND list_contains(string_split($w, ','), "window"))
         WHERE i <= ${CASE_LIMIT} ORDER BY "window", indicator, case_key`,
        { c: code, w: detailList },
      )
    : [];
  const quality = await m.rows(
    "mart_quality",
    `SELECT kind, region_code, "window", subject, expected, present, on_time, completeness, timeliness, value, z_history, z_peers, flagged, note
     FROM mart_quality WHERE ${self.level === "county" ? "region_code = $c" : "starts_with(region_code, $c)"} AND (kind = 'outlier' AND flagged OR kind = 'delivery' AND list_contains(string_split($w, ','), "window"))`,
    { c: code, w: detailList },
  );
  const trendOf = (region: string) => {
    const out: Record<string, [string, number | null, string][]> = {};
    for (const t of trends) if (t.region_code === region) (out[t.indicator] ??= []).push([t.window, t.value, t.status]);
    return out;
  };
  return {
    region: { ...self, parent_code: parentCode, parent_name: names.get(parentCode) ?? null, province_name: names.get(code.slice(0, 2)) ?? null },
    windows,
    detailWindows,
    indicators: catalogue,
    scores: scores.map((s) => ({ ...s, kind: windowKind(String(s.window)) })),
    decomposition,
    dimensions,
    latest,
    trends: { self: trendOf(code), parent: trendOf(parentCode), province: trendOf(code.slice(0, 2)) },
    caseCounts,
    cases: cases.map((c) => ({ ...c, detail: c.detail ? scrub(c.detail) : null })),
    caseLimit: CASE_LIMIT,
    labels: { fields: fieldLabels(), enums: enumLabels(), extracts: extractLabels() },
    quality,
  };
}
