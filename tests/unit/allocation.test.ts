import fc from "fast-check";
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { allocate, allocateTwoLevel, AllocationError, AllocationInfeasibleError, type AllocationConfig, type AllocationCountyInput } from "../../metrics/allocation/core.js";
import { DEFAULT_ALLOCATION, parseAllocationConfig } from "../../metrics/allocation/config.js";
import { canonicalInputs, canonicalJson } from "../../metrics/allocation/present.js";

const BASE: AllocationConfig = {
  version: "t",
  unit: 1,
  weights: { need: 0.4, fiscal: 0.2, performance: 0.4 },
  eligibleGrades: ["优秀", "良好", "合格"],
  qualifyingLine: 60,
  floor: null,
  cap: null,
  changeCap: null,
  deduction: null,
};

function county(code: string, over: Partial<AllocationCountyInput> = {}): AllocationCountyInput {
  return { code, name: `县${code}`, grade: "合格", composite: 70, need: 1000, fiscal: 0.5, previous: null, rollover: null, ...over };
}

describe("allocation configuration", () => {
  it("the default has the spec's weights", () => {
    expect(DEFAULT_ALLOCATION.weights).toEqual({ need: 0.4, fiscal: 0.2, performance: 0.4 });
    expect(DEFAULT_ALLOCATION.eligibleGrades).toEqual(["优秀", "良好", "合格"]);
  });
  it("rejects weights that do not add up to 1, unknown keys and bad bounds", () => {
    expect(() => parseAllocationConfig({ ...BASE, weights: { need: 0.5, fiscal: 0.2, performance: 0.4 } })).toThrow(/add up to 1\.1, not 1/);
    expect(() => parseAllocationConfig({ ...BASE, weights: { need: 0.4, fiscal: 0.6 } })).toThrow(/weights\.performance/);
    expect(() => parseAllocationConfig({ ...BASE, bonus: 1 })).toThrow(/bonus/);
    expect(() => parseAllocationConfig({ ...BASE, floor: { kind: "absolute", amount: 500 }, cap: { kind: "absolute", amount: 100 } })).toThrow(/floor is above the cap/);
    expect(() => parseAllocationConfig({ ...BASE, cap: { kind: "percent", value: 3 } })).toThrow(/cap/);
    expect(() => parseAllocationConfig({ ...BASE, deduction: { limit: 0.1 } })).toThrow(/deduction\.rate/);
  });
});

describe("allocate: the factor method", () => {
  it("computes factor shares and a hand-checked split", () => {
    // need 1000/3000 : 2000/3000; fiscal 0.2/1.0 : 0.8/1.0; performance 30/40 : 10/40
    const r = allocate(
      { pool: 1_000_000, counties: [county("150102", { need: 2000, fiscal: 0.8, composite: 70 }), county("150101", { need: 1000, fiscal: 0.2, composite: 90 })] },
      BASE,
    );
    const [a, b] = r.counties;
    expect(a!.code).toBe("150101");
    expect(a!.need_share).toBeCloseTo(1 / 3, 12);
    expect(a!.fiscal_share).toBeCloseTo(0.2, 12);
    expect(a!.performance_share).toBeCloseTo(0.75, 12);
    // 0.4/3 + 0.04 + 0.3 = 0.473333…
    expect(a!.share).toBeCloseTo(0.4 / 3 + 0.04 + 0.3, 12);
    expect(a!.amount).toBe(473_333);
    expect(b!.amount).toBe(526_667); // the larger remainder (.667) takes the last yuan
    expect(r.total).toBe(1_000_000);
  });

  it("ineligible counties get nothing and a reason", () => {
    const r = allocate(
      {
        pool: 900,
        counties: [
          county("150101"),
          county("150102", { grade: "不合格", composite: 55 }),
          county("150103", { grade: null, composite: null }),
          county("150104", { need: null }),
          county("150105", { fiscal: null }),
        ],
      },
      BASE,
    );
    expect(r.counties.map((c) => [c.amount, c.excluded_reason])).toEqual([
      [900, null],
      [0, "考评等级为不合格，未达到分配资格（须为优秀、良好、合格）"],
      [0, "无考评结果，不参与分配"],
      [0, "缺少救助需求数据（在保人数），不参与分配"],
      [0, "缺少财力困难系数，不参与分配"],
    ]);
    expect(() => allocate({ pool: 900, counties: [county("150102", { grade: "不合格" })] }, BASE)).toThrow(AllocationError);
  });

  it("a factor that is zero everywhere is shared equally, with a warning", () => {
    const r = allocate({ pool: 100, counties: [county("1", { composite: 60 }), county("2", { composite: 60 })] }, BASE);
    expect(r.counties.map((c) => c.performance_share)).toEqual([0.5, 0.5]);
    expect(r.warnings[0]).toMatch(/工作绩效/);
    expect(r.counties.map((c) => c.amount)).toEqual([50, 50]);
  });

  it("largest remainder: equal shares split by code, whole yuan adding up", () => {
    const r = allocate({ pool: 100, counties: [county("3"), county("1"), county("2")] }, BASE);
    expect(r.counties.map((c) => c.amount)).toEqual([34, 33, 33]);
  });

  it("a cap's excess is shared over the others until stable", () => {
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 }, cap: { kind: "absolute" as const, amount: 400 } };
    // needs 70:20:10 of 1000 → 700 capped at 400; 600 over 20:10 → 400 (capped), 200
    const r = allocate({ pool: 1000, counties: [county("1", { need: 70 }), county("2", { need: 20 }), county("3", { need: 10 })] }, cfg);
    expect(r.counties.map((c) => c.amount)).toEqual([400, 400, 200]);
    expect(r.counties.map((c) => c.bound)).toEqual(["cap", "cap", null]);
  });

  it("a floor is met from the others", () => {
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 }, floor: { kind: "equal_share_multiple" as const, multiple: 0.5 } };
    // equal share 250 → floor 125; needs 97:1:1:1 → 3 small counties get 125, the big one 625
    const r = allocate({ pool: 1000, counties: [county("1", { need: 97 }), county("2", { need: 1 }), county("3", { need: 1 }), county("4", { need: 1 })] }, cfg);
    expect(r.counties.map((c) => c.amount)).toEqual([625, 125, 125, 125]);
    expect(r.counties.slice(1).every((c) => c.bound === "floor")).toBe(true);
  });

  it("caps the change against the previous allocation", () => {
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 }, changeCap: { ratio: 0.1 } };
    // targets 900/100; previous 500/500 → within ±10 % → 550 / 450
    const r = allocate({ pool: 1000, counties: [county("1", { need: 9, previous: 500 }), county("2", { need: 1, previous: 500 })] }, cfg);
    expect(r.counties.map((c) => [c.amount, c.change, c.bound])).toEqual([
      [550, 50, "change_cap"],
      [450, -50, "change_floor"],
    ]);
    expect(r.counties[0]!.change_ratio).toBeCloseTo(0.1, 12);
  });

  it("deducts an excess balance and shares it out again", () => {
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 }, deduction: { limit: 0.1, rate: 1 } };
    // equal needs → 500 each; county 1 holds balance 300 on spending 1000: excess 300 − 100 = 200
    const r = allocate(
      { pool: 1000, counties: [county("1", { need: 1, rollover: { ratio: 0.3, balance: 300, spent: 1000 } }), county("2", { need: 1, rollover: { ratio: 0.05, balance: 50, spent: 1000 } })] },
      cfg,
    );
    expect(r.counties.map((c) => [c.before_deduction, c.deduction, c.redistribution, c.amount, c.bound])).toEqual([
      [500, 200, 0, 300, "deducted"],
      [500, 0, 200, 700, null],
    ]);
    expect(r.counties[0]!.note).toBe("结余率超限扣减：结余率 30% 超过上限 10%，扣减 200 元");
  });

  it("a deduction never exceeds the amount", () => {
    const cfg = { ...BASE, deduction: { limit: 0.1, rate: 1 } };
    const r = allocate({ pool: 1000, counties: [county("1", { rollover: { ratio: 5, balance: 5e6, spent: 1e6 } }), county("2")] }, cfg);
    expect(r.counties.map((c) => c.amount)).toEqual([0, 1000]);
    // A deduction to zero says so, in Chinese, with the figures.
    expect(r.counties[0]!.note).toBe("结余率超限全额扣减：结余率 500% 超过上限 10%，应扣 4,900,000 元，扣减前金额 500 元全部扣减");
    expect(r.counties.map((c) => [c.before_deduction, c.deduction, c.redistribution, c.amount])).toEqual([
      [500, 500, 0, 0],
      [500, 0, 500, 1000],
    ]);
  });

  it("allocates in a chosen unit", () => {
    const r = allocate({ pool: 1_000_000, counties: [county("1"), county("2"), county("3")] }, { ...BASE, unit: 10_000 });
    expect(r.counties.map((c) => c.amount)).toEqual([340_000, 330_000, 330_000]);
    expect(() => allocate({ pool: 1_000_500, counties: [county("1")] }, { ...BASE, unit: 10_000 })).toThrow("资金总额 1,000,500 元不是分配单位 10,000 元的整数倍");
  });

  it("rejects a bad pool and duplicate counties", () => {
    expect(() => allocate({ pool: 10.5, counties: [county("1")] }, BASE)).toThrow("资金总额须为正的整数元（当前为 10.5）");
    expect(() => allocate({ pool: 0, counties: [county("1")] }, BASE)).toThrow("资金总额须为正的整数元（当前为 0）");
    expect(() => allocate({ pool: 10, counties: [county("1"), county("1")] }, BASE)).toThrow("区划 1 重复出现");
  });

  it("does not depend on the order of the input", () => {
    const cs = [county("1", { need: 3 }), county("2", { need: 5, composite: 81 }), county("3", { fiscal: 0.9 })];
    const a = allocate({ pool: 12345, counties: cs }, BASE);
    const b = allocate({ pool: 12345, counties: [...cs].reverse() }, BASE);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

// ---- property-based: random provinces, pools and rules ----
const GRADES = ["优秀", "良好", "合格", "不合格"] as const;
const countyArb = fc.record({
  grade: fc.option(fc.constantFrom(...GRADES), { nil: null, freq: 8 }),
  composite: fc.double({ min: 0, max: 100, noNaN: true }),
  need: fc.option(fc.integer({ min: 0, max: 200_000 }), { nil: null, freq: 10 }),
  fiscal: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null, freq: 10 }),
  previous: fc.option(fc.integer({ min: 0, max: 50_000_000 }), { nil: null, freq: 2 }),
  rollover: fc.option(
    fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }), balance: fc.integer({ min: 0, max: 5_000_000 }), spent: fc.integer({ min: 1, max: 20_000_000 }) }),
    { nil: null, freq: 2 },
  ),
});
const boundArb = fc.option(
  fc.oneof(
    fc.record({ kind: fc.constant("absolute" as const), amount: fc.integer({ min: 0, max: 20_000_000 }) }),
    fc.record({ kind: fc.constant("equal_share_multiple" as const), multiple: fc.double({ min: 0, max: 4, noNaN: true }) }),
  ),
  { nil: null },
);
// Weights as people write them: hundredths adding up to exactly 1.
const weightsArb = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .filter(([a, b]) => a + b <= 99)
  .map(([a, b]) => ({ need: a / 100, fiscal: b / 100, performance: (100 - a - b) / 100 }));
const configArb = fc.record({
  version: fc.constant("p"),
  unit: fc.constantFrom(1, 1, 1, 100, 10_000),
  weights: weightsArb,
  eligibleGrades: fc.constant(["优秀", "良好", "合格"] as string[]),
  qualifyingLine: fc.constant(60),
  floor: boundArb,
  cap: boundArb,
  changeCap: fc.option(fc.record({ ratio: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: null }),
  deduction: fc.option(fc.record({ limit: fc.double({ min: 0, max: 0.5, noNaN: true }), rate: fc.double({ min: 0.01, max: 1, noNaN: true }) }), { nil: null }),
});
const caseArb = fc
  .tuple(configArb, fc.array(countyArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 100_000_000 }))
  .map(([config, raw, poolUnits]) => {
    const counties = raw.map((c, i) => ({ ...c, code: String(150100 + i), name: `县${i}`, composite: c.grade === null ? null : c.composite }));
    const whole = (b: AllocationConfig["floor"]) => (b?.kind === "absolute" ? { ...b, amount: b.amount - (b.amount % config.unit) } : b);
    return { config: { ...config, floor: whole(config.floor), cap: whole(config.cap) } as AllocationConfig, input: { pool: poolUnits * config.unit, counties } };
  });

function run(input: { pool: number; counties: AllocationCountyInput[] }, config: AllocationConfig) {
  try {
    return allocate(input, config);
  } catch (e) {
    if (e instanceof AllocationError && /没有符合分配资格/.test(e.message)) return null;
    if (e instanceof AllocationInfeasibleError) return "infeasible" as const;
    throw e;
  }
}

describe("allocate: properties", () => {
  it("always adds up to the pool exactly, in whole units, nothing negative, nothing to the ineligible", () => {
    fc.assert(
      fc.property(caseArb, ({ config, input }) => {
        const r = run(input, config);
        const anyEligible = input.counties.some((c) => c.grade !== null && c.grade !== "不合格" && c.need !== null && c.fiscal !== null);
        if (r === null) return !anyEligible;
        if (r === "infeasible") return config.floor !== null || config.cap !== null || config.changeCap !== null;
        expect(r.total).toBe(input.pool);
        expect(r.counties.reduce((a, c) => a + c.amount, 0)).toBe(input.pool);
        for (const c of r.counties) {
          // Every row reconciles.
          expect(c.factor_amount + c.bound_adjustment).toBe(c.before_deduction);
          expect(c.before_deduction - c.deduction + c.redistribution).toBe(c.amount);
          expect(c.redistribution).toBeGreaterThanOrEqual(0);
          if (c.amount === 0) expect(c.note, c.code).toBeTruthy();
          expect(Number.isSafeInteger(c.amount)).toBe(true);
          expect(c.amount % config.unit).toBe(0);
          expect(c.amount).toBeGreaterThanOrEqual(0);
          if (!c.eligible) {
            expect(c.amount).toBe(0);
            expect(c.excluded_reason).toBeTruthy();
          }
        }
        return true;
      }),
      { numRuns: 400, seed: 20260601 },
    );
  });

  it("respects floors, caps and change caps whenever they can all hold", () => {
    fc.assert(
      fc.property(caseArb, ({ config, input }) => {
        const r = run(input, config);
        if (r === null || r === "infeasible") return true;
        if (r.warnings.some((w) => /扣减/.test(w))) return true; // a deduction nobody could take, said so
        for (const c of r.counties) {
          if (!c.eligible || c.deduction > 0) continue;
          if (c.lower !== null) expect(c.amount).toBeGreaterThanOrEqual(c.lower);
          if (c.upper !== null) expect(c.amount).toBeLessThanOrEqual(c.upper);
        }
        return true;
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it("without bounds, each amount is within one unit of pool × share", () => {
    fc.assert(
      fc.property(caseArb, ({ config, input }) => {
        const cfg = { ...config, floor: null, cap: null, changeCap: null, deduction: null };
        const r = run(input, cfg);
        if (r === null || r === "infeasible") return true;
        for (const c of r.counties) expect(Math.abs(c.amount - c.target)).toBeLessThan(cfg.unit + 1e-6 * input.pool);
        return true;
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it("is deterministic: the same input gives byte-identical output", () => {
    fc.assert(
      fc.property(caseArb, ({ config, input }) => {
        const a = run(input, config);
        const b = run(JSON.parse(JSON.stringify(input)), JSON.parse(JSON.stringify(config)));
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe("modules the site links", () => {
  it("core.ts and present.ts are import-free and linked file by file into src/_metrics/allocation", () => {
    for (const f of ["core.ts", "present.ts"]) {
      const real = fileURLToPath(new URL(`../../metrics/allocation/${f}`, import.meta.url));
      const link = fileURLToPath(new URL(`../../src/_metrics/allocation/${f}`, import.meta.url));
      expect(readFileSync(real, "utf8"), f).not.toMatch(/^\s*(import|export\s+[^;]*\bfrom\b)/m);
      expect(lstatSync(link).isSymbolicLink(), f).toBe(true);
      expect(realpathSync(link)).toBe(realpathSync(real));
    }
  });
  it("present.ts's canonical JSON sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { y: 1, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":2,"y":1}]},"b":1}');
    const doc = JSON.parse(canonicalInputs("2026", 100, { z: 1 }, { scorecardVersion: "v", previousRunId: null, counties: [{ code: "2" }, { code: "1" }] })) as {
      counties: { code: string }[];
    };
    expect(doc.counties.map((c) => c.code)).toEqual(["1", "2"]);
  });
});

describe("allocate: rows that reconcile, constraints that speak up", () => {
  it("shows what a floor moved: 因素测算金额 + 约束调整 = 扣减前金额, adjustments adding up to 0", () => {
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 }, floor: { kind: "absolute" as const, amount: 150 } };
    const r = allocate({ pool: 1000, counties: [county("1", { need: 97 }), county("2", { need: 2 }), county("3", { need: 1 })] }, cfg);
    expect(r.counties.map((c) => [c.factor_amount, c.bound_adjustment, c.before_deduction, c.bound])).toEqual([
      [970, -270, 700, null],
      [20, 130, 150, "floor"],
      [10, 140, 150, "floor"],
    ]);
    expect(r.counties.reduce((a, c) => a + c.bound_adjustment, 0)).toBe(0);
    expect(r.counties[1]!.note).toBe("按保底补足至 150 元");
  });

  it("refuses floors that add up to more than the pool, naming the constraint and the amount missing", () => {
    const cfg = { ...BASE, floor: { kind: "absolute" as const, amount: 400 } };
    const call = () => allocate({ pool: 1000, counties: [county("1"), county("2"), county("3")] }, cfg);
    expect(call).toThrow(AllocationInfeasibleError);
    try {
      call();
    } catch (e) {
      const err = e as AllocationInfeasibleError;
      expect(err.problems).toEqual([
        {
          constraint: "保底",
          required: 1200,
          available: 1000,
          missing: 200,
          message: "保底：3 个参与分配的县下限合计 1,200 元，超过可分配资金 1,000 元，缺口 200 元",
        },
      ]);
      expect(err.message).toBe("约束无法同时满足，未分配：保底：3 个参与分配的县下限合计 1,200 元，超过可分配资金 1,000 元，缺口 200 元");
    }
  });

  it("refuses caps and change limits that cannot take the pool, and a floor above a county's change cap", () => {
    const capped = { ...BASE, cap: { kind: "absolute" as const, amount: 300 } };
    expect(() => allocate({ pool: 1000, counties: [county("1"), county("2"), county("3")] }, capped)).toThrow(
      "约束无法同时满足，未分配：封顶：3 个参与分配的县上限合计 900 元，不足可分配资金 1,000 元，尚有 100 元无法分配",
    );
    const change = { ...BASE, changeCap: { ratio: 0.1 } };
    expect(() => allocate({ pool: 1000, counties: [county("1", { previous: 300 }), county("2", { previous: 300 })] }, change)).toThrow(
      "增幅限制：2 个参与分配的县上限合计 660 元，不足可分配资金 1,000 元，尚有 340 元无法分配",
    );
    const clash = { ...BASE, changeCap: { ratio: 0.1 }, floor: { kind: "absolute" as const, amount: 500 } };
    expect(() => allocate({ pool: 1000, counties: [county("1", { previous: 100 }), county("2")] }, clash)).toThrow(
      "县1（1）的保底 500 元高于增幅限制 110 元，相差 390 元",
    );
  });

  it("validation messages are Chinese, numbers as people write them", () => {
    expect(() => allocate({ pool: 100, counties: [county("1")] }, { ...BASE, weights: { need: 0.5, fiscal: 0.2, performance: 0.4 } })).toThrow(
      "三项因素权重之和须为 1（当前为 1.1）",
    );
    expect(() => allocate({ pool: 100, counties: [county("1")] }, { ...BASE, weights: { need: -0.1, fiscal: 0.7, performance: 0.4 } })).toThrow("救助需求权重不能为负数（当前为 -0.1）");
    expect(() => allocate({ pool: 100, counties: [county("1")] }, { ...BASE, floor: { kind: "absolute", amount: 12.5 } })).toThrow(
      "保底金额须为分配单位（1 元）的整数倍（当前为 12.5 元）",
    );
    expect(() => allocate({ pool: 100, counties: [county("1", { grade: "不合格" })] }, BASE)).toThrow("没有符合分配资格的县，资金无法分配");
    // The weights 0.3 + 0.3 + 0.4 add up to exactly 1 as decimals (not as doubles: 0.3 + 0.3 + 0.4 ≠ 1 there? it is; 0.1 + 0.2 is not 0.3).
    expect(() => allocate({ pool: 100, counties: [county("1")] }, { ...BASE, weights: { need: 0.1, fiscal: 0.2, performance: 0.7 } })).not.toThrow();
  });

  it("is exact: amounts follow the decimals as written, not their binary approximations", () => {
    // Need 1 : 2 : 3 written as 0.1, 0.2, 0.3 (0.1 + 0.2 ≠ 0.3 in doubles); pool 600 → exactly 100, 200, 300.
    const cfg = { ...BASE, weights: { need: 1, fiscal: 0, performance: 0 } };
    const r = allocate({ pool: 600, counties: [county("1", { need: 0.1 }), county("2", { need: 0.2 }), county("3", { need: 0.3 })] }, cfg);
    expect(r.counties.map((c) => c.amount)).toEqual([100, 200, 300]);
    // Exact ties go by share, then code: three equal needs of 100 yuan → 34, 33, 33.
    const t = allocate({ pool: 100, counties: [county("3", { need: 1 / 3 }), county("1", { need: 1 / 3 }), county("2", { need: 1 / 3 })] }, cfg);
    expect(t.counties.map((c) => [c.code, c.amount])).toEqual([
      ["1", 34],
      ["2", 33],
      ["3", 33],
    ]);
  });
});

describe("allocateTwoLevel", () => {
  const cities = [
    { code: "1501", name: "甲市", composite: 80, grade: "良好" },
    { code: "1502", name: "乙市", composite: 70, grade: "合格" },
  ];
  const counties = [
    county("150101", { need: 100, fiscal: 0.5, composite: 80, city_code: "1501" }),
    county("150102", { need: 300, fiscal: 0.5, composite: 90, city_code: "1501" }),
    county("150201", { need: 400, fiscal: 1, composite: 70, city_code: "1502" }),
    county("150202", { need: 1, fiscal: 1, composite: 50, grade: "不合格", city_code: "1502" }),
  ];

  it("shares the pool over the cities by their counties' sums and their own scores, then each city's over its counties, exact to the yuan", () => {
    const r = allocateTwoLevel({ pool: 1_000_001, counties, cities }, BASE);
    // Cities: need 400 : 400, fiscal 1 : 1, performance 20 : 10 → 0.4·½ + 0.2·½ + 0.4·⅔ = 0.5666… and 0.4333…
    expect(r.cities!.map((c) => [c.code, c.need, c.fiscal, c.performance, c.amount])).toEqual([
      ["1501", 400, 1, 20, 566_667],
      ["1502", 400, 1, 10, 433_334],
    ]);
    expect(r.level).toBe("city");
    const by = (code: string) => r.counties.find((c) => c.code === code)!;
    // Within 甲市: need 1:3, fiscal 1:1, performance 20:30 → 0.1 + 0.1 + 0.16 = 0.36 and 0.64 of 566,667.
    expect(by("150101").amount).toBe(204_000);
    expect(by("150102").amount).toBe(362_667);
    expect(by("150201").amount).toBe(433_334);
    expect(by("150202").amount).toBe(0);
    expect(by("150202").note).toMatch(/不合格/);
    expect(r.total).toBe(1_000_001);
    for (const city of r.cities!) expect(r.counties.filter((c) => c.city_code === city.code).reduce((a, c) => a + c.amount, 0)).toBe(city.amount);
  });

  it("names the city where a county-level constraint cannot hold", () => {
    const cfg = { ...BASE, floor: { kind: "absolute" as const, amount: 300_000 } };
    expect(() => allocateTwoLevel({ pool: 1_000_000, counties, cities }, cfg)).toThrow(/甲市：保底：2 个参与分配的县下限合计 600,000 元，超过可分配资金 566,667 元，缺口 33,333 元/);
  });
});
