// What a bulletin reads from the marts: one query per figure (ARCHITECTURE.md, Marts).
// Only documented columns are selected, so extra columns are tolerated; a missing mart
// yields no rows. The result (`Facts`) is plain data, the input of compose.ts.
import { extractDef, isExtractType } from "../../loaders/contracts/dictionary.js";
import { comparisonPlan, type Plan } from "./periods.js";

/** Run SQL over the marts with named parameters; rows as plain values (numbers, strings, arrays). */
export type Query = <T extends Record<string, unknown>>(sql: string, params?: Record<string, string | number>) => Promise<T[]>;

export interface Figure {
  value: number | null;
  status: string;
  /** Exact yuan behind a count or a money ratio (decimal string), if any. */
  amount: string | null;
}

export type CountyScore = {
  code: string;
  name: string;
  city: string;
  composite: number | null;
  grade: string | null;
  rank: number | null;
  /** The county's rank in the window the ranks are compared with (`Facts.rankComparator`). */
  compareRank: number | null;
};

export interface Facts {
  window: string;
  plan: Plan;
  province: { code: string; name: string };
  /** Province figures by indicator, then window (the window, its comparators, the same month a year earlier). */
  figures: Record<string, Record<string, Figure>>;
  counties: CountyScore[];
  /** The window whose ranks `compareRank` holds, or null. */
  rankComparator: string | null;
  /** Mean composite over the counties scored, rounded to one decimal in SQL. */
  meanComposite: number | null;
  /** Per county, the indicators where it lost most points (at most two). */
  lost: Record<string, { indicator: string; value: number | null }[]>;
  /** Problem cases per indicator, over the counties whose figure is not a gap (the counties the totals cover). */
  cases: Record<string, number>;
  /** Counties with a data gap in the window: which indicators, and which monthly extracts were missing. */
  gaps: { code: string; name: string; city: string; indicators: string[]; missing: { extract: string; label: string; months: string[] }[] }[];
}

const MONTH_WINDOW = "^[0-9]{4}-[0-9]{2}$";

/** Every figure a bulletin of `window` states, read from the marts. */
export async function readFacts(q: Query, window: string): Promise<Facts> {
  const windows = await q<{ w: string }>(`SELECT DISTINCT "window" AS w FROM mart_indicator`);
  if (windows.length === 0) throw new Error("mart_indicator is empty: run `jiuzhu indicators` and `jiuzhu score` first");
  const available = new Set(windows.map((r) => r.w));
  if (!available.has(window)) {
    const near = [...available].sort().slice(-6).join(", ");
    throw new Error(`window ${window} is not in the marts (latest: ${near})`);
  }
  const latestMonth = [...available].filter((w) => new RegExp(MONTH_WINDOW).test(w)).sort().at(-1)!;
  const plan = comparisonPlan(window, latestMonth, available);

  const [province] = await q<{ code: string; name: string }>(
    `SELECT region_code AS code, any_value(region_name) AS name FROM mart_indicator WHERE level = 'province' GROUP BY 1 ORDER BY 1 LIMIT 1`,
  );
  if (!province) throw new Error("mart_indicator has no province rows");

  const wanted = [window, ...plan.comparators.map((c) => c.window), plan.sameMonthYearAgo].filter((w) => available.has(w));
  const figureRows = await q<{ w: string; indicator: string; value: number | null; status: string; amount: string | null }>(
    `SELECT "window" AS w, indicator, value, status, CAST(amount AS VARCHAR) AS amount FROM mart_indicator
     WHERE level = 'province' AND region_code = $p AND list_contains(string_split($ws, ','), "window")`,
    { p: province.code, ws: wanted.join(",") },
  );
  const figures: Facts["figures"] = {};
  for (const r of figureRows) (figures[r.indicator] ??= {})[r.w] = { value: r.value, status: r.status, amount: r.amount };

  // Ranks are compared like for like: the previous window of the same kind when the window is
  // closed, the same months a year earlier when it is still running.
  const rankComparator =
    (plan.open ? plan.comparators.find((c) => c.relation === "year_ago") : plan.comparators.find((c) => c.relation === "prior") ?? plan.comparators[0])?.window ?? null;
  const counties = await q<CountyScore>(
    `SELECT s.region_code AS code, s.region_name AS name, coalesce(c.region_name, '') AS city, s.composite, s.grade,
            s.rank, p.rank AS "compareRank"
     FROM mart_score s
     LEFT JOIN mart_score p ON p.level = 'county' AND p.region_code = s.region_code AND p."window" = $c
     LEFT JOIN (SELECT DISTINCT region_code, region_name FROM mart_indicator WHERE level = 'city') c ON c.region_code = substr(s.region_code, 1, 4)
     WHERE s.level = 'county' AND s."window" = $w
     ORDER BY s.rank NULLS LAST, s.region_code`,
    { w: window, c: rankComparator ?? "" },
  );
  const [mean] = await q<{ mean: number | null }>(
    `SELECT round(avg(composite), 1) AS mean FROM mart_score WHERE level = 'county' AND "window" = $w AND composite IS NOT NULL`,
    { w: window },
  );
  const lostRows = await q<{ code: string; indicator: string; value: number | null }>(
    `SELECT region_code AS code, indicator, value FROM mart_score_detail
     WHERE level = 'county' AND "window" = $w AND status = 'scored' AND points_lost > 0
     QUALIFY row_number() OVER (PARTITION BY region_code ORDER BY points_lost DESC, indicator) <= 2
     ORDER BY code, points_lost DESC, indicator`,
    { w: window },
  );
  const lost: Facts["lost"] = {};
  for (const r of lostRows) (lost[r.code] ??= []).push({ indicator: r.indicator, value: r.value });

  const caseRows = await q<{ indicator: string; n: number }>(
    `SELECT c.indicator, CAST(count(*) AS INTEGER) AS n FROM mart_case c
     JOIN mart_indicator i ON i.level = 'county' AND i.region_code = c.county_code AND i.indicator = c.indicator AND i."window" = c."window"
     WHERE c."window" = $w AND i.status <> 'gap'
     GROUP BY 1 ORDER BY 1`,
    { w: window },
  );
  const cases = Object.fromEntries(caseRows.map((r) => [r.indicator, r.n]));

  const gapRows = await q<{ code: string; name: string; indicators: string[] }>(
    `SELECT region_code AS code, any_value(region_name) AS name, list(indicator ORDER BY indicator) AS indicators
     FROM mart_indicator WHERE level = 'county' AND "window" = $w AND status = 'gap' GROUP BY 1 ORDER BY 1`,
    { w: window },
  );
  const missingRows = await q<{ code: string; subject: string; note: string | null }>(
    `SELECT region_code AS code, subject, note FROM mart_quality
     WHERE kind = 'delivery' AND "window" = $w AND present < expected ORDER BY 1, 2`,
    { w: window },
  );
  const cityName = new Map(counties.map((c) => [c.code, c.city]));
  const gaps: Facts["gaps"] = gapRows.map((g) => ({
    ...g,
    city: cityName.get(g.code) ?? "",
    missing: missingRows
      .filter((m) => m.code === g.code)
      .map((m) => ({
        extract: m.subject,
        label: isExtractType(m.subject) ? extractDef(m.subject).label : m.subject,
        months: missingMonths(m.note),
      })),
  }));
  return { window, plan, province, figures, counties, rankComparator, meanComposite: mean?.mean ?? null, lost, cases, gaps };
}

/** The months a delivery note names as missing: "missing 2026-04, 2026-05; late 2026-06" → [2026-04, 2026-05]. */
export function missingMonths(note: string | null): string[] {
  const m = /missing ([0-9, -]+)/.exec(note ?? "");
  return m ? m[1]!.split(",").map((s) => s.trim()).filter((s) => /^\d{4}-\d{2}$/.test(s)) : [];
}
