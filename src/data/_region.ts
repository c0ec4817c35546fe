// One region's page (/region/<code>), for the province, a city or a county and for
// every window computed: composite, grade, rank and its change, dimension scores,
// every indicator's value with its 环比/同比 and monthly trend against the parent,
// the units below it ranked, problem counts (the masked case lists themselves are a
// separate file, regionCases, loaded when opened), data gaps and delivery quality.
import { maskId } from "../../loaders/contracts/mask.js";
import { indicatorCatalogue } from "./_catalogue.js";
import { gapRows } from "./_gaps.js";
import { extractLabels, enumLabels, fieldLabels } from "./_labels.js";
import type { Marts } from "./_marts.js";
import { provinceTerms } from "./_terms.js";
import { defaultWindow, sortWindows, windowKind, windowList } from "./_windows.js";

export const CASE_LIMIT = 100;
/** Defence in depth: any 18-character ID number that reached a case list unmasked is masked here. */
const ID = /\b(\d{6})(\d{8})(\d{3}[\dXx])\b/g;
const scrub = (s: string) => s.replace(ID, (m) => maskId(m));
const round = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? null : Math.round(v * 10 ** d) / 10 ** d);

type Level = "province" | "city" | "county";

/** Every region with a page: the province, its cities and counties. */
export async function regionCodes(m: Marts): Promise<string[]> {
  return (await m.rows<{ code: string }>("mart_indicator", "SELECT DISTINCT region_code AS code FROM mart_indicator ORDER BY 1")).map((r) => r.code);
}

export async function regionData(m: Marts, code: string): Promise<unknown> {
  const catalogue = await indicatorCatalogue();
  const names = new Map(
    (await m.rows<{ code: string; name: string; level: Level }>(
      "mart_indicator",
      "SELECT region_code AS code, any_value(region_name) AS name, any_value(level) AS level FROM mart_indicator GROUP BY 1",
    )).map((r) => [r.code, r]),
  );
  const self = names.get(code) ?? { code, name: code, level: (code.length === 6 ? "county" : code.length === 4 ? "city" : "province") as Level };
  const level = self.level;
  const provinceCode = code.slice(0, 2);
  const parentCode = level === "county" ? code.slice(0, 4) : level === "city" ? provinceCode : null;
  const crumbs = [provinceCode, code.length >= 4 ? code.slice(0, 4) : null, code.length === 6 ? code : null]
    .filter((c): c is string => c !== null)
    .map((c) => ({ code: c, name: names.get(c)?.name ?? c, level: names.get(c)?.level ?? null }));
  const childLevel: Level | null = level === "province" ? "city" : level === "city" ? "county" : null;
  const children = childLevel
    ? [...names.values()].filter((r) => r.level === childLevel && r.code.startsWith(code)).sort((a, b) => (a.code < b.code ? -1 : 1))
    : [];

  // The region's own figures in every window.
  const own = await m.rows<{ window: string; indicator: string; value: number | null; numerator: number | null; denominator: number | null; n: number | null; ci_low: number | null; ci_high: number | null; status: string }>(
    "mart_indicator",
    `SELECT "window", indicator, value, numerator, denominator, n, ci_low, ci_high, status FROM mart_indicator WHERE region_code = $c`,
    { c: code },
  );
  const windows = sortWindows(own.map((r) => r.window));
  const values: Record<string, Record<string, (number | string | null)[]>> = {};
  for (const r of own)
    (values[r.indicator] ??= {})[r.window] = [round(r.value), r.status, round(r.numerator, 2), round(r.denominator, 2), r.n, round(r.ci_low), round(r.ci_high)];
  // The parent's monthly values (the trend's comparison line).
  const parentMonthly: Record<string, Record<string, number | null>> = {};
  if (parentCode)
    for (const r of await m.rows<{ window: string; indicator: string; value: number | null; status: string }>(
      "mart_indicator",
      `SELECT "window", indicator, value, status FROM mart_indicator WHERE region_code = $p AND regexp_matches("window", '^[0-9]{4}-[0-9]{2}$')`,
      { p: parentCode },
    ))
      (parentMonthly[r.indicator] ??= {})[r.window] = r.status === "ok" ? round(r.value) : null;

  // Scores (cities and counties; the province itself is not scored).
  const scoreRows = await m.rows<{ window: string; composite: number | null; grade: string | null; rank: number | null; ranked: number | null; rank_change: number | null; tied: number; gaps: string[] | null; na: string[] | null }>(
    "mart_score",
    `SELECT * FROM (
       SELECT region_code, "window", composite, grade, rank, ranked, rank_change, gaps, na_indicators AS na,
              count(*) OVER (PARTITION BY level, "window", rank) AS tied
       FROM mart_score WHERE level = $l) WHERE region_code = $c`,
    { c: code, l: level },
  );
  const scores = Object.fromEntries(scoreRows.map((s) => [s.window, { composite: round(s.composite, 2), grade: s.grade, rank: s.rank, ranked: s.ranked, rank_change: s.rank_change, tied: s.rank === null ? 0 : s.tied, gaps_scored: s.gaps ?? [], na: s.na ?? [] }]));
  const dimensionRows = await m.rows<{ window: string; dimension: string; label: string; weight: number; score: number | null; points_contributed: number | null }>(
    "mart_score_dimension",
    `SELECT "window", dimension, label, weight, score, points_contributed FROM mart_score_dimension WHERE region_code = $c ORDER BY dimension`,
    { c: code },
  );
  const dimensions: Record<string, (string | number | null)[][]> = {};
  for (const d of dimensionRows) (dimensions[d.window] ??= []).push([d.dimension, d.label, d.weight, round(d.score, 2), round(d.points_contributed, 2)]);
  const detailRows = await m.rows<{ window: string; dimension: string; indicator: string; status: string; points: number | null; weight_effective: number | null; points_contributed: number | null; points_lost: number | null; funnel_flag: string | null }>(
    "mart_score_detail",
    `SELECT "window", dimension, indicator, status, points, weight_effective, points_contributed, points_lost, funnel_flag
     FROM mart_score_detail WHERE region_code = $c`,
    { c: code },
  );
  // detail[window][indicator] = [dimension, status, points, weight_effective, points_contributed, points_lost, funnel_flag]
  const detail: Record<string, Record<string, (string | number | null)[]>> = {};
  for (const d of detailRows)
    (detail[d.window] ??= {})[d.indicator] = [d.dimension, d.status, round(d.points, 2), round(d.weight_effective, 3), round(d.points_contributed, 3), round(d.points_lost, 3), d.funnel_flag];

  // Data gaps: the same mart_indicator rows the overview counts.
  const gaps: Record<string, string[]> = {};
  for (const g of await gapRows(m, code)) (gaps[g.window] ??= []).push(g.indicator);

  // The units below, ranked within their level, with their gaps and problem counts.
  const below = childLevel
    ? await belowUnits(m, code, childLevel, children.map((c) => c.code))
    : null;

  // Problem counts of the region (all counties within it).
  const countyFilter = level === "county" ? "county_code = $c" : "starts_with(county_code, $c)";
  const caseCounts: Record<string, Record<string, number>> = {};
  for (const r of await m.rows<{ window: string; indicator: string; n: number }>(
    "mart_case",
    `SELECT "window", indicator, count(*) AS n FROM mart_case WHERE ${countyFilter} GROUP BY ALL`,
    { c: code },
  ))
    (caseCounts[r.window] ??= {})[r.indicator] = r.n;

  // Delivery quality per window and extract (summed over the region's counties), and flagged outliers.
  const delivery: Record<string, (string | number | null)[][]> = {};
  for (const q of await m.rows<{ window: string; subject: string; expected: number; present: number; on_time: number; note: string | null }>(
    "mart_quality",
    `SELECT "window", subject, sum(expected) AS expected, sum(present) AS present, sum(on_time) AS on_time,
            ${level === "county" ? "any_value(note)" : "NULL"} AS note
     FROM mart_quality WHERE kind = 'delivery' AND ${level === "county" ? "region_code = $c" : "starts_with(region_code, $c) AND level = 'county'"}
     GROUP BY ALL ORDER BY subject`,
    { c: code },
  ))
    (delivery[q.window] ??= []).push([q.subject, q.expected, q.present, q.on_time, q.note]);
  const outliers = await m.rows<{ code: string; window: string; subject: string; value: number | null; z_history: number | null; z_peers: number | null }>(
    "mart_quality",
    `SELECT region_code AS code, "window", subject, value, z_history, z_peers FROM mart_quality
     WHERE kind = 'outlier' AND flagged AND ${level === "county" ? "region_code = $c" : "starts_with(region_code, $c)"}
     ORDER BY "window" DESC LIMIT 200`,
    { c: code },
  );

  return {
    terms: await provinceTerms(m),
    region: { code, name: self.name, level, parent_code: parentCode },
    crumbs,
    windows: windowList(windows),
    defaultWindow: defaultWindow(windows),
    months: windows.filter((w) => windowKind(w) === "month"),
    indicators: catalogue.map(({ definition: _d, formula: _f, source: _s, ...i }) => i),
    values,
    parentMonthly,
    scores,
    dimensions,
    detail,
    gaps,
    below,
    caseCounts,
    caseLimit: CASE_LIMIT,
    hasCases: level === "county",
    delivery,
    outliers: outliers.map((o) => ({ ...o, name: names.get(o.code)?.name ?? o.code, value: round(o.value), z_history: round(o.z_history, 1), z_peers: round(o.z_peers, 1) })),
    names: Object.fromEntries(children.map((c) => [c.code, c.name])),
    labels: { extracts: extractLabels() },
  };
}

/** The direct children of a region, every window: score, grade, rank (ties counted), rank change, gaps, problem count. */
async function belowUnits(m: Marts, code: string, level: Level, codes: string[]) {
  const scores = await m.rows<{ code: string; window: string; composite: number | null; grade: string | null; rank: number | null; rank_change: number | null; tied: number }>(
    "mart_score",
    `SELECT * FROM (
       SELECT region_code AS code, "window", composite, grade, rank, rank_change,
              count(*) OVER (PARTITION BY "window", rank) AS tied
       FROM mart_score WHERE level = $l) WHERE starts_with(code, $c)`,
    { l: level, c: code },
  );
  const gapCounts = await m.rows<{ code: string; window: string; n: number }>(
    "mart_indicator",
    `SELECT region_code AS code, "window", count(*) AS n FROM mart_indicator WHERE level = $l AND status = 'gap' AND starts_with(region_code, $c) GROUP BY ALL`,
    { l: level, c: code },
  );
  const caseCounts = await m.rows<{ code: string; window: string; n: number }>(
    "mart_case",
    `SELECT substr(county_code, 1, ${level === "county" ? 6 : 4}) AS code, "window", count(*) AS n FROM mart_case WHERE starts_with(county_code, $c) GROUP BY ALL`,
    { c: code },
  );
  const index = new Map(codes.map((c, i) => [c, i]));
  // byWindow[window] = [[composite, grade, rank, rank_change, tied, gaps, cases] per unit, in `codes` order]
  const byWindow: Record<string, (string | number | null)[][]> = {};
  const row = (w: string, c: string) => {
    const i = index.get(c);
    if (i === undefined) return null;
    const list = (byWindow[w] ??= codes.map(() => [null, null, null, null, 0, 0, 0]));
    return list[i]!;
  };
  for (const s of scores) {
    const r = row(s.window, s.code);
    if (r) [r[0], r[1], r[2], r[3], r[4]] = [round(s.composite, 2), s.grade, s.rank, s.rank_change, s.rank === null ? 0 : s.tied];
  }
  for (const g of gapCounts) {
    const r = row(g.window, g.code);
    if (r) r[5] = g.n;
  }
  for (const c of caseCounts) {
    const r = row(c.window, c.code);
    if (r) r[6] = c.n;
  }
  return { level, codes, byWindow };
}

/** The masked case lists of a county, every window (at most CASE_LIMIT per indicator and window); {} for other levels. */
export async function regionCases(m: Marts, code: string): Promise<unknown> {
  if (code.length !== 6) return { cases: {}, labels: null };
  const rows = await m.rows<{ window: string; indicator: string; case_key: string; detail: string | null }>(
    "mart_case",
    `SELECT "window", indicator, case_key, detail FROM (
       SELECT *, row_number() OVER (PARTITION BY "window", indicator ORDER BY case_key) AS i FROM mart_case WHERE county_code = $c)
     WHERE i <= ${CASE_LIMIT} ORDER BY "window", indicator, case_key`,
    { c: code },
  );
  // cases[window][indicator] = [[case_key, detail JSON (masked)]]
  const cases: Record<string, Record<string, [string, string | null][]>> = {};
  for (const r of rows) ((cases[r.window] ??= {})[r.indicator] ??= []).push([scrub(r.case_key), r.detail ? scrub(r.detail) : null]);
  return { cases, labels: { fields: fieldLabels(), enums: enumLabels() } };
}
