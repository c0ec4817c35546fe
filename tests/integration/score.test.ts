import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Warehouse } from "../../loaders/db.js";
import { computeScores } from "../../metrics/scorecard/compute.js";
import { createCountyProfile, createMartIndicator } from "./score.fixture.js";

let wh: Warehouse;
beforeEach(async () => {
  wh = await Warehouse.open(":memory:");
  await createMartIndicator(wh);
});
afterEach(() => wh.close());

describe("computeScores", () => {
  it("writes mart_score, mart_score_dimension, mart_score_detail and mart_funnel for every window", async () => {
    const res = await computeScores(wh, { now: new Date("2026-07-01T00:00:00Z") });
    expect(res.windows).toEqual(["2026-05", "2026-06", "2026"]);
    const scores = await wh.query<{ window: string; level: string; n: bigint }>(
      `SELECT "window", level, count(*) AS n FROM mart_score GROUP BY ALL ORDER BY "window", level`,
    );
    expect(scores.map((r) => [r.window, r.level, Number(r.n)])).toEqual([
      ["2026", "city", 2],
      ["2026", "county", 5],
      ["2026-05", "city", 2],
      ["2026-05", "county", 5],
      ["2026-06", "city", 2],
      ["2026-06", "county", 5],
    ]);
    const june = await wh.query<{ region_code: string; composite: number; grade: string; rank: number; rank_change: number | null; na: string[]; gaps: string[] }>(
      `SELECT region_code, composite, grade, rank, rank_change, na_indicators AS na, gaps FROM mart_score
        WHERE "window" = '2026-06' AND level = 'county' ORDER BY rank`,
    );
    expect(june.map((r) => r.region_code)).toEqual(["150102", "150103", "150104", "150202", "150203"]);
    expect(june[0]!.composite).toBe(100);
    expect(june[0]!.grade).toBe("优秀");
    expect(june[4]!.grade).toBe("不合格");
    // the two best swapped places since May
    expect(june.map((r) => r.rank_change)).toEqual([1, -1, 0, 0, 0]);
    expect(june[4]!.na).toEqual(["accuracy.relative_filed_rate"]);
    expect(june[3]!.gaps).toEqual(["supervision.rectified_rate"]);

    // decomposition: contributed points add up to the composite, lost points to the rest
    const sums = await wh.query<{ region_code: string; composite: number; got: number; lost: number; w: number }>(
      `SELECT s.region_code, s.composite, sum(d.points_contributed) AS got, sum(d.points_lost) AS lost, sum(d.weight_effective) AS w
         FROM mart_score s JOIN mart_score_detail d USING (region_code, level, "window")
        WHERE s."window" = '2026-06' GROUP BY ALL ORDER BY 1`,
    );
    for (const r of sums) {
      expect(r.got).toBeCloseTo(r.composite, 1);
      expect(r.got + r.lost).toBeCloseTo(100, 9);
      expect(r.w).toBeCloseTo(100, 9);
    }
    // the year-only indicator is scored in the year window only
    const rollover = await wh.query<{ window: string; status: string }>(
      `SELECT DISTINCT "window", status FROM mart_score_detail WHERE indicator = 'budget.rollover_ratio' AND level = 'county' ORDER BY 1`,
    );
    expect(rollover).toEqual([
      { window: "2026", status: "scored" },
      { window: "2026-05", status: "not_in_window" },
      { window: "2026-06", status: "not_in_window" },
    ]);
  });

  it("funnel limits around the provincial rate, flags in the detail and the score", async () => {
    await computeScores(wh, { windows: ["2026-06"] });
    const f = await wh.query<{ region_code: string; value: number; denominator: number; rate: number; low_95: number; high_95: number; flag: string }>(
      `SELECT region_code, value, denominator, rate, low_95, high_95, flag FROM mart_funnel
        WHERE indicator = 'process.on_time_rate' AND level = 'county' AND "window" = '2026-06' ORDER BY region_code`,
    );
    const prov = await wh.query<{ numerator: number; denominator: number }>(
      `SELECT numerator, denominator FROM mart_indicator WHERE level = 'province' AND indicator = 'process.on_time_rate' AND "window" = '2026-06'`,
    );
    const p = prov[0]!.numerator / prov[0]!.denominator;
    expect(f).toHaveLength(5);
    for (const r of f) {
      expect(r.rate).toBeCloseTo(p, 12);
      expect(r.high_95 - r.rate).toBeCloseTo(1.959963984540054 * Math.sqrt((p * (1 - p)) / r.denominator), 12);
    }
    // p = 7538 / 8060 = 0.93524: the 95 % county of 300 lies within chance; the large ones far off do not
    expect(p).toBeCloseTo(7538 / 8060, 12);
    expect(f.map((r) => r.flag)).toEqual(["above_998", "within", "below_998", "below_998", "below_998"]);
    const flagged = await wh.query<{ outside: string[] }>(
      `SELECT funnel_outside AS outside FROM mart_score WHERE region_code = '150102' AND "window" = '2026-06'`,
    );
    expect(flagged[0]!.outside).toContain("process.on_time_rate:above_998");
    const detail = await wh.query<{ funnel_flag: string }>(
      `SELECT funnel_flag FROM mart_score_detail WHERE region_code = '150102' AND "window" = '2026-06' AND indicator = 'process.on_time_rate'`,
    );
    expect(detail[0]!.funnel_flag).toBe("above_998");
  });

  it("writes the allocation's inputs beside the scores: one row per county score, from marts and the county profile", async () => {
    await createCountyProfile(wh);
    await computeScores(wh, { now: new Date("2026-07-01T00:00:00Z") });
    const rows = await wh.query<{
      window: string; county_code: string; composite: number; grade: string; persons: number | null; fiscal_difficulty: number | null;
      fiscal_year: number | null; rollover_window: string; rollover_ratio: number | null; rollover_spent: number | null; config_version: string;
    }>(
      `SELECT "window", county_code, composite, grade, persons, fiscal_difficulty, fiscal_year, rollover_window, rollover_ratio, rollover_spent, config_version
         FROM mart_allocation_input ORDER BY "window", county_code`,
    );
    const scores = await wh.query<{ window: string; region_code: string; composite: number; grade: string; config_version: string }>(
      `SELECT "window", region_code, composite, grade, config_version FROM mart_score WHERE level = 'county' ORDER BY "window", region_code`,
    );
    expect(rows.map((r) => [r.window, r.county_code, r.composite, r.grade, r.config_version])).toEqual(
      scores.map((s) => [s.window, s.region_code, s.composite, s.grade, s.config_version]),
    );
    const persons = await wh.query<{ window: string; region_code: string; value: number }>(
      `SELECT "window", region_code, value FROM mart_indicator WHERE indicator = 'coverage.persons' AND level = 'county' AND status = 'ok'`,
    );
    expect(persons.length).toBeGreaterThan(0);
    for (const p of persons) expect(rows.find((r) => r.window === p.window && r.county_code === p.region_code)?.persons).toBe(p.value);
    const year = rows.filter((r) => r.window === "2026");
    expect(year.map((r) => r.fiscal_difficulty)).toEqual([0.2, 0.8, 0.5, 0.35, 0.9]);
    expect(new Set(rows.map((r) => r.fiscal_year))).toEqual(new Set([2026]));
    // the year window takes its own December's rollover; the months the year before's, absent here
    expect(year.every((r) => r.rollover_window === "2026" && r.rollover_ratio !== null && r.rollover_spent! > 0)).toBe(true);
    const june = rows.filter((r) => r.window === "2026-06");
    expect(june.every((r) => r.rollover_window === "2025" && r.rollover_ratio === null)).toBe(true);

    // re-scoring one window replaces its inputs only
    await computeScores(wh, { windows: ["2026-06"] });
    const again = await wh.query<{ window: string; n: bigint }>(`SELECT "window", count(*) AS n FROM mart_allocation_input GROUP BY ALL ORDER BY 1`);
    expect(again.map((r) => [r.window, Number(r.n)])).toEqual([["2026", 5], ["2026-05", 5], ["2026-06", 5]]);
  });

  it("re-scoring one window leaves the others and is reproducible", async () => {
    await computeScores(wh, { now: new Date(0) });
    const before = await wh.query(`SELECT * EXCLUDE (computed_at) FROM mart_score ORDER BY "window", level, region_code`);
    await computeScores(wh, { windows: ["2026-06"], now: new Date(1) });
    const after = await wh.query(`SELECT * EXCLUDE (computed_at) FROM mart_score ORDER BY "window", level, region_code`);
    expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    await expect(computeScores(wh, { windows: ["2025-01"] })).rejects.toThrow(/no rows for window 2025-01/);
  });
});
