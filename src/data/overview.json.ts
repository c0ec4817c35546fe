// The overview page, for every window computed: the province's headline indicators
// (value of the window, 环比/同比, the monthly trend with its control chart), every
// county's score, rank and headline figures, and the data gaps to be chased.
// Per-window figures are columns (one array per field, in county order) to keep the file small.
import { emitJson } from "./_marts.js";
import { indicatorCatalogue } from "./_catalogue.js";
import { gapRows } from "./_gaps.js";
import { provinceTerms } from "./_terms.js";
import { defaultWindow, sortWindows, windowKind, windowList } from "./_windows.js";
import { xmr } from "../components/spc.js";

const HEADLINE = [
  "coverage.persons",
  "process.on_time_rate",
  "funds.paid_rate",
  "accuracy.benefit_rate",
  "satisfaction.rate",
  "complaints.per_10k",
];

await emitJson(async (m) => {
  const catalogue = await indicatorCatalogue();
  const windows = sortWindows(
    (await m.rows<{ window: string }>("mart_indicator", 'SELECT DISTINCT "window" FROM mart_indicator')).map((r) => r.window),
  );
  const province = (await m.rows<{ code: string; name: string }>(
    "mart_indicator",
    "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'province' LIMIT 1",
  ))[0] ?? null;

  const headline = [];
  for (const id of HEADLINE) {
    const info = catalogue.find((c) => c.id === id)!;
    const rows = await m.rows<{ window: string; value: number | null; status: string }>(
      "mart_indicator",
      `SELECT "window", value, status FROM mart_indicator WHERE level = 'province' AND indicator = $id`,
      { id },
    );
    const monthly = sortWindows(rows.filter((r) => windowKind(r.window) === "month").map((r) => r.window)).map((w) => {
      const r = rows.find((x) => x.window === w)!;
      return { window: w, value: r.status === "ok" ? r.value : null };
    });
    const chart = xmr(monthly.map((r) => r.value));
    headline.push({
      id,
      label: info.label,
      unit: info.unit,
      higherIsBetter: info.higherIsBetter,
      context: info.context,
      target: info.target,
      targetValue: info.targetValue,
      legendTarget: info.legendTarget,
      legendBand: info.legendBand,
      unitLabel: info.unitLabel,
      values: Object.fromEntries(rows.map((r) => [r.window, [r.status === "ok" ? r.value : null, r.status]])),
      series: monthly.map((r, i) => ({ window: r.window, value: r.value, signal: chart.signals[i], rule: chart.rules[i] })),
      centre: chart.centre,
      lower: chart.lower,
      upper: chart.upper,
    });
  }

  const counties = await m.rows<{ code: string; name: string }>(
    "mart_indicator",
    "SELECT region_code AS code, any_value(region_name) AS name FROM mart_indicator WHERE level = 'county' GROUP BY 1 ORDER BY 1",
  );
  const index = new Map(counties.map((c, i) => [c.code, i]));
  const cityNames = Object.fromEntries(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'city'")).map((r) => [r.code, r.name]),
  );
  const figures = await m.rows<{ code: string; window: string; persons: number | null; on_time_rate: number | null }>(
    "mart_indicator",
    `SELECT region_code AS code, "window",
            max(CASE WHEN indicator = 'coverage.persons' AND status = 'ok' THEN value END) AS persons,
            max(CASE WHEN indicator = 'process.on_time_rate' AND status = 'ok' THEN value END) AS on_time_rate
     FROM mart_indicator WHERE level = 'county' GROUP BY ALL`,
  );
  const scores = await m.rows<{ code: string; window: string; composite: number | null; grade: string | null; rank: number | null; rank_change: number | null }>(
    "mart_score",
    `SELECT region_code AS code, "window", composite, grade, rank, rank_change FROM mart_score WHERE level = 'county'`,
  );
  const gaps = await gapRows(m);
  const round = (v: number | null, d: number) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);
  const empty = () => ({
    score: counties.map(() => null as number | null),
    grade: counties.map(() => null as string | null),
    rank: counties.map(() => null as number | null),
    rank_change: counties.map(() => null as number | null),
    persons: counties.map(() => null as number | null),
    on_time_rate: counties.map(() => null as number | null),
    /** [county index, indicator id] per gap */
    gaps: [] as [number, string][],
  });
  const byWindow: Record<string, ReturnType<typeof empty>> = Object.fromEntries(windows.map((w) => [w, empty()]));
  for (const f of figures) {
    const col = byWindow[f.window];
    const i = index.get(f.code);
    if (!col || i === undefined) continue;
    col.persons[i] = round(f.persons, 1);
    col.on_time_rate[i] = round(f.on_time_rate, 4);
  }
  for (const s of scores) {
    const col = byWindow[s.window];
    const i = index.get(s.code);
    if (!col || i === undefined) continue;
    col.score[i] = round(s.composite, 2);
    col.grade[i] = s.grade;
    col.rank[i] = s.rank;
    col.rank_change[i] = s.rank_change;
  }
  for (const g of gaps) {
    const i = index.get(g.code);
    if (i !== undefined) byWindow[g.window]?.gaps.push([i, g.indicator]);
  }
  return {
    terms: await provinceTerms(m),
    /** Window ids, oldest first (the bulletin index reads these). */
    windows,
    /** Every window with its 环比 and 同比 windows, for the picker. */
    windowList: windowList(windows),
    defaultWindow: defaultWindow(windows),
    province,
    headline,
    counties: counties.map((c) => ({ code: c.code, name: c.name, city_code: c.code.slice(0, 4), city_name: cityNames[c.code.slice(0, 4)] ?? null })),
    labels: Object.fromEntries(catalogue.map((c) => [c.id, c.label])),
    byWindow,
  };
});
