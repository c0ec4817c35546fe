// The scorecard page: every region's composite, grade, rank change and dimension
// scores in every window; indicator values and points for the latest window of
// each kind are in scorecard-details.json (loaded when asked for); funnel points
// of the rate indicators (county level).
import { DEFAULT_SCORECARD } from "../../metrics/scorecard/config.js";
import { indicatorCatalogue } from "./_catalogue.js";
import { emitJson } from "./_marts.js";
import { funnelBands } from "./_funnel.js";
import { defaultWindow, latestOfEachKind, sortWindows, windowList } from "./_windows.js";
import { provinceTerms } from "./_terms.js";

await emitJson(async (m) => {
  const catalogue = await indicatorCatalogue();
  const info = new Map(catalogue.map((c) => [c.id, c]));
  const cfg = DEFAULT_SCORECARD;
  const scores = await m.rows<{
    code: string; name: string; level: string; window: string; composite: number | null; grade: string | null;
    rank: number | null; rank_change: number | null; dimension_scores: string | null; gaps: string[] | null; na: string[] | null;
  }>(
    "mart_score",
    `SELECT region_code AS code, region_name AS name, level, "window", composite, grade, rank, rank_change,
            dimension_scores, gaps, na_indicators AS na
     FROM mart_score ORDER BY "window", level, rank NULLS LAST`,
  );
  const windows = sortWindows(scores.map((s) => s.window));
  const detailWindows = latestOfEachKind(windows);
  const funnel = detailWindows.length
    ? await m.rows<{ indicator: string; window: string; code: string; value: number; den: number; rate: number; flag: string; l95: number; h95: number; l998: number; h998: number }>(
        "mart_funnel",
        `SELECT indicator, "window", region_code AS code, value, denominator AS den, rate, flag,
                low_95 AS l95, high_95 AS h95, low_998 AS l998, high_998 AS h998 FROM mart_funnel
         WHERE level = 'county' AND list_contains(string_split($w, ','), "window")`,
        { w: detailWindows.join(",") },
      )
    : [];
  const cities = new Map(scores.filter((s) => s.level === "city").map((s) => [s.code, s.name]));
  const regions = new Map<string, { code: string; name: string; level: string; city_code: string | null; city_name: string | null }>();
  for (const s of scores)
    if (!regions.has(s.code))
      regions.set(s.code, { code: s.code, name: s.name, level: s.level, city_code: s.level === "county" ? s.code.slice(0, 4) : null, city_name: s.level === "county" ? cities.get(s.code.slice(0, 4)) ?? null : null });
  const round = (v: number | null, d = 2) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);
  // funnel[window][indicator] = {rate, points: [[code, value, denominator, flag]], bands}
  const funnelMap: Record<string, Record<string, { rate: number; points: [string, number, number, string][]; bands: number[][] }>> = {};
  const byKey = new Map<string, typeof funnel>();
  for (const f of funnel) {
    const entry = ((funnelMap[f.window] ??= {})[f.indicator] ??= { rate: f.rate, points: [], bands: [] });
    entry.points.push([f.code, round(f.value, 4)!, f.den, f.flag]);
    const key = `${f.window}|${f.indicator}`;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(f);
  }
  for (const [key, rows] of byKey) {
    const [w, id] = key.split("|") as [string, string];
    funnelMap[w]![id]!.bands = funnelBands(rows);
  }
  return {
    terms: await provinceTerms(m),
    windowList: windowList(windows),
    defaultWindow: defaultWindow(windows),
    configVersion: cfg.version,
    configTitle: cfg.title,
    grades: cfg.grades,
    windows,
    detailWindows,
    dimensions: cfg.dimensions.map((d) => ({
      id: d.id,
      label: d.label,
      weight: d.weight,
      indicators: d.indicators.map((i) => ({ id: i.id, label: info.get(i.id)?.label ?? i.id, unit: info.get(i.id)?.unit ?? "rate", higherIsBetter: info.get(i.id)?.higherIsBetter ?? true, weight: i.weight, funnel: Boolean(i.funnel) })),
    })),
    regions: [...regions.values()],
    // one row per region and window: [code, window, composite, grade, rank, rank_change, gaps, ...dimension scores]
    scoreColumns: ["code", "window", "composite", "grade", "rank", "rank_change", "gaps", ...cfg.dimensions.map((d) => d.id)],
    scores: scores.map((s) => {
      const dims = s.dimension_scores ? (JSON.parse(s.dimension_scores) as Record<string, number | null>) : {};
      return [s.code, s.window, round(s.composite, 1), s.grade, s.rank, s.rank_change, s.gaps?.length ?? 0, ...cfg.dimensions.map((d) => round(dims[d.id] ?? null, 1))];
    }),
    funnel: funnelMap,
  };
});
