// One indicator's page (/indicator/<id>): definition, formula, policy clause and
// scoring rule; its distribution across counties, funnel plot and trend.
import { indicatorDef } from "../../metrics/catalogue/index.js";
import { DEFAULT_SCORECARD } from "../../metrics/scorecard/config.js";
import { indicatorInfo } from "./_catalogue.js";
import type { Marts } from "./_marts.js";
import { funnelBands } from "./_funnel.js";
import { latestOfEachKind, sortWindows } from "./_windows.js";

export async function indicatorData(m: Marts, id: string): Promise<unknown> {
  const info = indicatorInfo(indicatorDef(id));
  const dimension = DEFAULT_SCORECARD.dimensions.find((d) => d.indicators.some((i) => i.id === id));
  const scoring = dimension?.indicators.find((i) => i.id === id);
  const windows = sortWindows(
    (await m.rows<{ w: string }>("mart_indicator", `SELECT DISTINCT "window" AS w FROM mart_indicator WHERE indicator = $id`, { id })).map((r) => r.w),
  );
  const detailWindows = latestOfEachKind(windows);
  const list = detailWindows.join(",");
  const counties = await m.rows<{ window: string; code: string; name: string; value: number | null; numerator: number | null; denominator: number | null; ci_low: number | null; ci_high: number | null; status: string }>(
    "mart_indicator",
    `SELECT "window", region_code AS code, region_name AS name, value, numerator, denominator, ci_low, ci_high, status FROM mart_indicator
     WHERE indicator = $id AND level = 'county' AND list_contains(string_split($w, ','), "window") ORDER BY region_code`,
    { id, w: list },
  );
  const cities = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'city'")).map((r) => [r.code, r.name]),
  );
  const funnel = await m.rows<{ window: string; code: string; value: number; den: number; rate: number; flag: string; l95: number; h95: number; l998: number; h998: number }>(
    "mart_funnel",
    `SELECT "window", region_code AS code, value, denominator AS den, rate, flag,
            low_95 AS l95, high_95 AS h95, low_998 AS l998, high_998 AS h998 FROM mart_funnel
     WHERE indicator = $id AND level = 'county' AND list_contains(string_split($w, ','), "window")`,
    { id, w: list },
  );
  const province = await m.rows<{ window: string; value: number | null; numerator: number | null; denominator: number | null; n: number | null }>(
    "mart_indicator",
    `SELECT "window", value, numerator, denominator, n FROM mart_indicator WHERE indicator = $id AND level = 'province' ORDER BY "window"`,
    { id },
  );
  const spread = await m.rows<{ window: string; p10: number; p50: number; p90: number }>(
    "mart_indicator",
    `SELECT "window", quantile_cont(value, 0.1) AS p10, quantile_cont(value, 0.5) AS p50, quantile_cont(value, 0.9) AS p90
     FROM mart_indicator WHERE indicator = $id AND level = 'county' AND status = 'ok' AND regexp_matches("window", '^[0-9]{4}-[0-9]{2}$')
     GROUP BY 1 ORDER BY 1`,
    { id },
  );
  return {
    info,
    scoring: scoring ? { dimension: dimension!.label, dimensionWeight: dimension!.weight, weight: scoring.weight, rule: scoring.rule, funnel: Boolean(scoring.funnel), windows: scoring.windows ?? null } : null,
    configVersion: DEFAULT_SCORECARD.version,
    windows,
    detailWindows,
    counties: counties.map((c) => ({ ...c, city_code: c.code.slice(0, 4), city_name: cities.get(c.code.slice(0, 4)) ?? null })),
    funnel: funnel.map(({ l95: _a, h95: _b, l998: _c, h998: _d, ...f }) => f),
    funnelBands: Object.fromEntries(detailWindows.map((w) => [w, funnelBands(funnel.filter((f) => f.window === w))])),
    province,
    spread,
  };
}
