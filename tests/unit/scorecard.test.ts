import { describe, expect, it } from "vitest";
import {
  ConfigError,
  DEFAULT_SCORECARD,
  configuredIndicators,
  parseScorecardConfig,
  passingGrades,
  type ScorecardConfig,
} from "../../metrics/scorecard/config.js";
import { gradeOf, rankScores, roundTo, scoreRule, scoreWindow, type Observation } from "../../metrics/scorecard/core.js";
import { previousWindow, parseWindow } from "../../metrics/windows.js";
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("scorecard configuration", () => {
  it("the default follows the spec's dimensions and weights", () => {
    expect(DEFAULT_SCORECARD.dimensions.map((d) => [d.id, d.weight])).toEqual([
      ["process", 20],
      ["accuracy", 25],
      ["funds", 25],
      ["people", 20],
      ["oversight", 10],
    ]);
    expect(configuredIndicators(DEFAULT_SCORECARD)).toHaveLength(23);
    for (const id of configuredIndicators(DEFAULT_SCORECARD)) expect(INDICATOR_IDS).toContain(id);
    const rollover = DEFAULT_SCORECARD.dimensions[2]!.indicators.find((i) => i.id === "budget.rollover_ratio");
    expect(rollover?.windows).toEqual(["year"]);
    expect(passingGrades(DEFAULT_SCORECARD)).toEqual(["优秀", "良好", "合格"]);
  });

  const broken = (mutate: (c: ScorecardConfig) => void) => {
    const c = clone(DEFAULT_SCORECARD);
    mutate(c);
    return () => parseScorecardConfig(c);
  };

  it("rejects dimension weights that do not add up to 100", () => {
    expect(broken((c) => (c.dimensions[0]!.weight = 21))).toThrow(/dimension weights add up to 101, not 100/);
  });
  it("rejects indicator weights that do not add up to 100 within a dimension", () => {
    expect(broken((c) => (c.dimensions[1]!.indicators[0]!.weight = 5))).toThrow(
      /dimensions\.1\.indicators: indicator weights of dimension "accuracy" add up to 80, not 100/,
    );
  });
  it("rejects an unknown indicator", () => {
    expect(broken((c) => ((c.dimensions[0]!.indicators[0] as { id: string }).id = "process.magic_rate"))).toThrow(
      /unknown indicator "process\.magic_rate"/,
    );
  });
  it("rejects an indicator listed twice", () => {
    expect(broken((c) => ((c.dimensions[4]!.indicators[3] as { id: string }).id = "process.on_time_rate"))).toThrow(/appears twice/);
  });
  it("rejects a rule without its parameters", () => {
    expect(broken((c) => (c.dimensions[0]!.indicators[0]!.rule = { type: "linear", worst: 0.8 } as never))).toThrow(
      /dimensions\.0\.indicators\.0\.rule\.best/,
    );
    expect(broken((c) => (c.dimensions[1]!.indicators[3]!.rule = { type: "deduct", per: 5 } as never))).toThrow(/rule\.max/);
    expect(broken((c) => (c.dimensions[3]!.indicators[2]!.rule = { type: "relative" } as never))).toThrow(/rule\.direction/);
    expect(broken((c) => (c.dimensions[0]!.indicators[0]!.rule = { type: "stepwise" } as never))).toThrow(ConfigError);
    expect(broken((c) => (c.dimensions[0]!.indicators[0]!.rule = { type: "linear", worst: 1, best: 1 }))).toThrow(/must differ/);
  });
  it("rejects a rule that rewards the wrong direction", () => {
    expect(broken((c) => (c.dimensions[0]!.indicators[0]!.rule = { type: "linear", worst: 1, best: 0.8 }))).toThrow(
      /rule rewards lower values of process\.on_time_rate, but higher better/,
    );
    expect(broken((c) => (c.dimensions[3]!.indicators[2]!.rule = { type: "relative", direction: "higher" }))).toThrow(/complaints\.per_10k/);
    expect(broken((c) => (c.dimensions[2]!.indicators[5]!.rule = { type: "threshold", target: 0.1, direction: "higher" }))).toThrow(/budget\.rollover_ratio/);
  });
  it("rejects grade bands out of order or not starting at 0", () => {
    expect(broken((c) => (c.grades[1]!.min = 95))).toThrow(/falling minimums/);
    expect(broken((c) => (c.grades[3]!.min = 10))).toThrow(/lowest grade band must start at 0/);
    expect(broken((c) => (c.passingGrade = "及格"))).toThrow(/passing grade/);
  });
  it("rejects a missing version", () => {
    expect(broken((c) => delete (c as { version?: string }).version)).toThrow(/version/);
  });
});

describe("scoring rules", () => {
  it("linear: clamped straight line, either direction", () => {
    const up = { type: "linear", worst: 0.8, best: 1 } as const;
    expect(scoreRule(up, 0.8)).toBe(0);
    expect(scoreRule(up, 0.7)).toBe(0);
    expect(scoreRule(up, 0.9)).toBeCloseTo(50, 10);
    expect(scoreRule(up, 1)).toBe(100);
    expect(scoreRule(up, 1.2)).toBe(100);
    const down = { type: "linear", worst: 0.1, best: 0.02 } as const;
    expect(scoreRule(down, 0.02)).toBe(100);
    expect(scoreRule(down, 0)).toBe(100);
    expect(scoreRule(down, 0.06)).toBeCloseTo(50, 10);
    expect(scoreRule(down, 0.1)).toBe(0);
    expect(scoreRule(down, 0.5)).toBe(0);
  });
  it("threshold: 100 when met (at the target exactly), else 0", () => {
    const hi = { type: "threshold", target: 0.3, direction: "higher" } as const;
    expect(scoreRule(hi, 0.3)).toBe(100);
    expect(scoreRule(hi, 0.1 + 0.2)).toBe(100); // 0.30000000000000004
    expect(scoreRule(hi, 0.2999)).toBe(0);
    const lo = { type: "threshold", target: 0.1, direction: "lower" } as const;
    expect(scoreRule(lo, 0.1)).toBe(100);
    expect(scoreRule(lo, 0.1001)).toBe(0);
    expect(scoreRule(lo, 0)).toBe(100);
  });
  it("deduct: per case, at most max off", () => {
    const r = { type: "deduct", per: 10, max: 60 } as const;
    expect(scoreRule(r, 0)).toBe(100);
    expect(scoreRule(r, 1)).toBe(90);
    expect(scoreRule(r, 6)).toBe(40);
    expect(scoreRule(r, 7)).toBe(40);
    expect(scoreRule(r, 1000)).toBe(40);
  });
  it("relative: best county 100, worst 0, linear between; all equal → 100", () => {
    const r = { type: "relative", direction: "lower" } as const;
    const range = { min: 2, max: 12 };
    expect(scoreRule(r, 2, range)).toBe(100);
    expect(scoreRule(r, 12, range)).toBe(0);
    expect(scoreRule(r, 7, range)).toBe(50);
    expect(scoreRule({ type: "relative", direction: "higher" }, 7, range)).toBe(50);
    expect(scoreRule({ type: "relative", direction: "higher" }, 12, range)).toBe(100);
    expect(scoreRule(r, 5, { min: 5, max: 5 })).toBe(100);
    expect(() => scoreRule(r, 5)).toThrow(/range/);
  });
});

describe("grades and ranks", () => {
  it("grades at the band edges", () => {
    const g = (x: number) => gradeOf(x, DEFAULT_SCORECARD);
    expect(g(100)).toBe("优秀");
    expect(g(90)).toBe("优秀");
    expect(g(89.99)).toBe("良好");
    expect(g(89.995)).toBe("优秀"); // shown as 90.00, graded as shown
    expect(g(89.994)).toBe("良好");
    expect(g(80)).toBe("良好");
    expect(g(79.99)).toBe("合格");
    expect(g(60)).toBe("合格");
    expect(g(59.99)).toBe("不合格");
    expect(g(0)).toBe("不合格");
    expect(g(0.1 * 3 * 300)).toBe("优秀"); // 90.00000000000001
    expect(g(0.7 * 100 + 0.1 * 100 + 0.1 * 100 - 1e-12)).toBe("优秀");
  });
  it("rounds half away from zero after removing float noise", () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(89.9949, 2)).toBe(89.99);
    expect(roundTo(-2.5, 0)).toBe(-3);
  });
  it("ties share a rank (competition ranking)", () => {
    const r = rankScores([
      { code: "b", composite: 90 },
      { code: "a", composite: 95 },
      { code: "c", composite: 90 },
      { code: "d", composite: 80 },
      { code: "e", composite: null },
    ]);
    expect([...r.entries()]).toEqual([
      ["a", 1],
      ["b", 2],
      ["c", 2],
      ["d", 4],
    ]);
  });
});

describe("windows", () => {
  it("previous windows of every kind", () => {
    expect(previousWindow("2026-06")).toBe("2026-05");
    expect(previousWindow("2026-01")).toBe("2025-12");
    expect(previousWindow("2026-Q1")).toBe("2025-Q4");
    expect(previousWindow("2026-H2")).toBe("2026-H1");
    expect(previousWindow("2026-H1")).toBe("2025-H2");
    expect(previousWindow("2026")).toBe("2025");
    expect(() => parseWindow("2026-13")).toThrow(/not a reporting window/);
  });
});

// A small two-dimension configuration for hand-checkable composites.
const SMALL: ScorecardConfig = parseScorecardConfig({
  version: "t1",
  passingGrade: "合格",
  grades: [
    { label: "优秀", min: 90 },
    { label: "良好", min: 80 },
    { label: "合格", min: 60 },
    { label: "不合格", min: 0 },
  ],
  dimensions: [
    {
      id: "process",
      label: "规范运行",
      weight: 60,
      indicators: [
        { id: "process.on_time_rate", weight: 50, rule: { type: "linear", worst: 0.8, best: 1 } },
        { id: "process.home_visit_rate", weight: 30, rule: { type: "threshold", target: 1 } },
        { id: "budget.rollover_ratio", weight: 20, rule: { type: "threshold", target: 0.1, direction: "lower" }, windows: ["year"] },
      ],
    },
    {
      id: "people",
      label: "群众满意",
      weight: 40,
      indicators: [
        { id: "complaints.per_10k", weight: 50, rule: { type: "relative", direction: "lower" } },
        { id: "integrity.duplicate_persons", weight: 50, rule: { type: "deduct", per: 25, max: 100 } },
      ],
    },
  ],
});

function obs(code: string, indicator: string, value: number | null, status: Observation["status"] = "ok"): Observation {
  return { region_code: code, region_name: `县${code}`, level: "county", indicator, value, numerator: null, denominator: null, status };
}

describe("scoreWindow", () => {
  const rows: Observation[] = [
    obs("150101", "process.on_time_rate", 0.9), // 50
    obs("150101", "process.home_visit_rate", 1), // 100
    obs("150101", "budget.rollover_ratio", 0.3), // year only: ignored in a month
    obs("150101", "complaints.per_10k", 4), // relative over 4..8 lower → 100
    obs("150101", "integrity.duplicate_persons", 1), // 75
    obs("150102", "process.on_time_rate", 1),
    obs("150102", "process.home_visit_rate", null, "na"), // not applicable: weight to on_time
    obs("150102", "complaints.per_10k", 8), // 0
    obs("150102", "integrity.duplicate_persons", 0, "gap"), // gap, excluded by default
    obs("150103", "process.on_time_rate", null, "na"),
    obs("150103", "process.home_visit_rate", null, "na"),
    obs("150103", "complaints.per_10k", 6), // 50
    obs("150103", "integrity.duplicate_persons", 0), // 100
  ];

  it("computes dimension scores, composites, grades and a decomposition that adds up", () => {
    const [a, b, c] = scoreWindow(rows, SMALL, "2026-06", "county");
    // a: process = (50×50 + 30×100)/80 = 68.75; people = (100 + 75)/2 = 87.5; composite = 0.6×68.75 + 0.4×87.5 = 76.25
    expect(a!.dimensions.map((d) => d.score)).toEqual([68.75, 87.5]);
    expect(a!.composite).toBe(76.25);
    expect(a!.grade).toBe("合格");
    const rollover = a!.indicators.find((i) => i.indicator === "budget.rollover_ratio")!;
    expect(rollover.status).toBe("not_in_window");
    expect(rollover.weight_effective).toBe(0);
    const sumWeights = a!.indicators.reduce((s, i) => s + i.weight_effective, 0);
    const sumPoints = a!.indicators.reduce((s, i) => s + i.points_contributed, 0);
    const sumLost = a!.indicators.reduce((s, i) => s + i.points_lost, 0);
    expect(sumWeights).toBeCloseTo(100, 9);
    expect(sumPoints).toBeCloseTo(76.25, 9);
    expect(sumLost).toBeCloseTo(23.75, 9);
    const onTime = a!.indicators.find((i) => i.indicator === "process.on_time_rate")!;
    expect(onTime.weight_effective).toBeCloseTo(37.5, 9); // 60 × 50/80
    expect(onTime.points_lost).toBeCloseTo(18.75, 9);

    // b: home visit n/a → on_time carries the whole process dimension; the gap is excluded and listed.
    expect(b!.na_indicators).toEqual(["process.home_visit_rate"]);
    expect(b!.gaps).toEqual(["integrity.duplicate_persons"]);
    expect(b!.dimensions.map((d) => d.score)).toEqual([100, 0]);
    expect(b!.composite).toBe(60);
    expect(b!.grade).toBe("合格");

    // c: the whole process dimension is n/a → people carries the composite.
    expect(c!.dimensions[0]!.score).toBeNull();
    expect(c!.dimensions[1]!.weight_effective).toBe(100);
    expect(c!.composite).toBe(75);
    expect([a!.rank, b!.rank, c!.rank]).toEqual([1, 3, 2]);
  });

  it("scores a gap as 0 under gapPolicy zero, still listed", () => {
    const zero = { ...SMALL, gapPolicy: "zero" as const };
    const b = scoreWindow(rows, zero, "2026-06", "county")[1]!;
    expect(b.gaps).toEqual(["integrity.duplicate_persons"]);
    expect(b.dimensions[1]!.score).toBe(0);
    expect(b.indicators.find((i) => i.indicator === "integrity.duplicate_persons")!.points).toBe(0);
  });

  it("a configured indicator without a row is a gap, not a silent zero", () => {
    const s = scoreWindow(rows.filter((r) => r.indicator !== "integrity.duplicate_persons"), SMALL, "2026-06", "county")[0]!;
    expect(s.gaps).toEqual(["integrity.duplicate_persons"]);
    expect(s.dimensions[1]!.score).toBe(100);
  });

  it("year windows score year-only indicators; rank change against the previous window", () => {
    const a = scoreWindow(rows, SMALL, "2026", "county", { previousRanks: new Map([["150101", 3], ["150102", 1]]) });
    expect(a[0]!.indicators.find((i) => i.indicator === "budget.rollover_ratio")!.points).toBe(0);
    // process = (50×50 + 30×100 + 20×0)/100 = 55 → composite 0.6×55 + 0.4×87.5 = 68
    expect(a[0]!.composite).toBe(68);
    expect(a.map((s) => s.rank)).toEqual([2, 3, 1]); // 68, 60, 75
    expect(a[0]!.rank_change).toBe(1); // 3 → 2
    expect(a[1]!.rank_change).toBe(-2); // 1 → 3
    expect(a[2]!.rank_change).toBeNull();
  });

  it("a region with nothing applicable gets no composite, grade or rank", () => {
    const s = scoreWindow([obs("150104", "process.on_time_rate", null, "na")], SMALL, "2026-06", "county")[0]!;
    expect(s.composite).toBeNull();
    expect(s.grade).toBeNull();
    expect(s.rank).toBeNull();
  });
});
