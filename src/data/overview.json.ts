// The overview page: the province's headline indicators with their monthly trend
// and control-chart signals, every county's score and headline figures for the
// latest month, and the data gaps to be chased.
import { emitJson, type Row } from "./_marts.js";
import { indicatorCatalogue } from "./_catalogue.js";
import { xmr } from "../components/spc.js";

const HEADLINE = [
  "coverage.persons",
  "process.on_time_rate",
  "funds.paid_rate",
  "accuracy.benefit_rate",
  "satisfaction.rate",
  "complaints.per_10k",
];

const isMonth = (w: string) => /^\d{4}-\d{2}$/.test(w);

await emitJson(async (m) => {
  const catalogue = await indicatorCatalogue();
  const windows = (await m.rows<{ window: string }>("mart_indicator", "SELECT DISTINCT \"window\" FROM mart_indicator ORDER BY 1")).map((r) => r.window);
  const months = windows.filter(isMonth);
  const window = months.at(-1) ?? windows.at(-1) ?? null;
  const province = (await m.rows<{ code: string; name: string }>(
    "mart_indicator",
    "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'province' LIMIT 1",
  ))[0] ?? null;

  const headline = [];
  for (const id of HEADLINE) {
    const info = catalogue.find((c) => c.id === id)!;
    const series = await m.rows<{ window: string; value: number | null }>(
      "mart_indicator",
      `SELECT "window", value FROM mart_indicator WHERE level = 'province' AND indicator = $id AND status = 'ok' ORDER BY "window"`,
      { id },
    );
    const monthly = series.filter((r) => isMonth(r.window));
    const chart = xmr(monthly.map((r) => r.value));
    headline.push({
      id,
      label: info.label,
      unit: info.unit,
      higherIsBetter: info.higherIsBetter,
      target: info.target,
      series: monthly.map((r, i) => ({ window: r.window, value: r.value, signal: chart.signals[i] })),
      centre: chart.centre,
      lower: chart.lower,
      upper: chart.upper,
    });
  }

  const counties = window
    ? await m.rows(
        "mart_indicator",
        `SELECT i.region_code AS code, any_value(i.region_name) AS name,
                max(CASE WHEN indicator = 'coverage.persons' THEN value END) AS persons,
                max(CASE WHEN indicator = 'process.on_time_rate' THEN value END) AS on_time_rate,
                count(*) FILTER (WHERE status = 'gap') AS gaps
         FROM mart_indicator i WHERE level = 'county' AND "window" = $w
         GROUP BY i.region_code ORDER BY i.region_code`,
        { w: window },
      )
    : [];
  const cityNames = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level = 'city'")).map((r) => [r.code, r.name]),
  );
  const scores = window
    ? await m.rows(
        "mart_score",
        `SELECT region_code, composite, grade, rank, previous_rank, rank_change FROM mart_score WHERE level = 'county' AND "window" = $w`,
        { w: window },
      )
    : [];
  const scoreOf = new Map(scores.map((s) => [String(s.region_code), s]));
  const countyRows = counties.map((c: Row) => {
    const s = scoreOf.get(String(c.code));
    const code = String(c.code);
    return {
      code,
      name: c.name,
      city_code: code.slice(0, 4),
      city_name: cityNames.get(code.slice(0, 4)) ?? null,
      persons: c.persons,
      on_time_rate: c.on_time_rate,
      gaps: c.gaps,
      score: s ? (s.composite as number | null) : null,
      grade: s ? (s.grade as string | null) : null,
      rank: s ? (s.rank as number | null) : null,
      rank_change: s ? (s.rank_change as number | null) : null,
    };
  });

  const gaps = window
    ? await m.rows<{ code: string; name: string; indicator: string }>(
        "mart_indicator",
        `SELECT region_code AS code, region_name AS name, indicator FROM mart_indicator
         WHERE level = 'county' AND "window" = $w AND status = 'gap' ORDER BY region_code, indicator`,
        { w: window },
      )
    : [];
  const label = new Map(catalogue.map((c) => [c.id, c.label]));
  return {
    window,
    windows,
    province,
    headline,
    counties: countyRows,
    gaps: gaps.map((g) => ({ ...g, label: label.get(g.indicator) ?? g.indicator })),
  };
});
