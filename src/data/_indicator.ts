// One indicator's page (/indicator/<id>), for every window computed: definition,
// formula, policy clause and scoring rule; every county's value (with 环比/同比 and
// its problem count, linked to the county's case list), the province's value,
// the funnel plot and the monthly trend of the province against the counties' spread.
// Per-window county figures are columns in county order to keep the file small.
import { indicatorDef } from "../../metrics/catalogue/index.js";
import { DEFAULT_SCORECARD } from "../../metrics/scorecard/config.js";
import { indicatorInfo } from "./_catalogue.js";
import type { Marts } from "./_marts.js";
import { funnelBands } from "./_funnel.js";
import { provinceTerms } from "./_terms.js";
import { defaultWindow, sortWindows, windowList } from "./_windows.js";

const round = (v: number | null | undefined, d = 4) => (v === null || v === undefined ? null : Math.round(v * 10 ** d) / 10 ** d);

export async function indicatorData(m: Marts, id: string): Promise<unknown> {
  const info = indicatorInfo(indicatorDef(id));
  const dimension = DEFAULT_SCORECARD.dimensions.find((d) => d.indicators.some((i) => i.id === id));
  const scoring = dimension?.indicators.find((i) => i.id === id);
  const windows = sortWindows(
    (await m.rows<{ w: string }>("mart_indicator", `SELECT DISTINCT "window" AS w FROM mart_indicator WHERE indicator = $id`, { id })).map((r) => r.w),
  );
  const counties = await m.rows<{ code: string; name: string }>(
    "mart_indicator",
    "SELECT region_code AS code, any_value(region_name) AS name FROM mart_indicator WHERE level = 'county' GROUP BY 1 ORDER BY 1",
  );
  const index = new Map(counties.map((c, i) => [c.code, i]));
  const cities = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'city'")).map((r) => [r.code, r.name]),
  );
  const rows = await m.rows<{ window: string; code: string; value: number | null; numerator: number | null; denominator: number | null; ci_low: number | null; ci_high: number | null; status: string }>(
    "mart_indicator",
    `SELECT "window", region_code AS code, value, numerator, denominator, ci_low, ci_high, status FROM mart_indicator
     WHERE indicator = $id AND level = 'county'`,
    { id },
  );
  const cases = info.cases
    ? await m.rows<{ window: string; code: string; n: number }>(
        "mart_case",
        `SELECT "window", county_code AS code, count(*) AS n FROM mart_case WHERE indicator = $id GROUP BY ALL`,
        { id },
      )
    : [];
  // byWindow[window] = [[value, status, numerator, denominator, ci_low, ci_high, cases] per county]
  const byWindow: Record<string, (number | string | null)[][]> = {};
  const cell = (w: string, code: string) => {
    const i = index.get(code);
    if (i === undefined) return null;
    return (byWindow[w] ??= counties.map(() => [null, null, null, null, null, null, 0]))[i]!;
  };
  for (const r of rows) {
    const c = cell(r.window, r.code);
    if (c) [c[0], c[1], c[2], c[3], c[4], c[5]] = [round(r.value), r.status, round(r.numerator, 2), round(r.denominator, 2), round(r.ci_low), round(r.ci_high)];
  }
  for (const r of cases) {
    const c = cell(r.window, r.code);
    if (c) c[6] = r.n;
  }
  const funnel = await m.rows<{ window: string; code: string; value: number; den: number; rate: number; flag: string; l95: number; h95: number; l998: number; h998: number }>(
    "mart_funnel",
    `SELECT "window", region_code AS code, value, denominator AS den, rate, flag,
            low_95 AS l95, high_95 AS h95, low_998 AS l998, high_998 AS h998 FROM mart_funnel
     WHERE indicator = $id AND level = 'county'`,
    { id },
  );
  const funnelByWindow: Record<string, { rate: number; points: (string | number)[][]; bands: number[][] }> = {};
  for (const w of new Set(funnel.map((f) => f.window))) {
    const list = funnel.filter((f) => f.window === w);
    funnelByWindow[w] = { rate: round(list[0]!.rate)!, points: list.map((f) => [f.code, round(f.value)!, f.den, f.flag]), bands: funnelBands(list) };
  }
  const province = await m.rows<{ window: string; value: number | null; numerator: number | null; denominator: number | null; n: number | null; status: string }>(
    "mart_indicator",
    `SELECT "window", value, numerator, denominator, n, status FROM mart_indicator WHERE indicator = $id AND level = 'province' ORDER BY "window"`,
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
    terms: await provinceTerms(m),
    info,
    scoring: scoring ? { dimension: dimension!.label, dimensionWeight: dimension!.weight, weight: scoring.weight, rule: scoring.rule, funnel: Boolean(scoring.funnel), windows: scoring.windows ?? null } : null,
    configVersion: DEFAULT_SCORECARD.version,
    windows: windowList(windows),
    defaultWindow: defaultWindow(windows),
    counties: counties.map((c) => ({ code: c.code, name: c.name, city_code: c.code.slice(0, 4), city_name: cities.get(c.code.slice(0, 4)) ?? null })),
    byWindow,
    funnel: funnelByWindow,
    province: province.map((p) => ({ ...p, value: p.status === "ok" ? round(p.value) : null })),
    spread,
  };
}
