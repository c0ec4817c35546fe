import { describe, expect, it } from "vitest";
import { classify, funnelFor, funnelLimits, Z95, Z998 } from "../../metrics/scorecard/funnel.js";
import type { Observation } from "../../metrics/scorecard/core.js";

const row = (code: string, num: number, den: number, status: Observation["status"] = "ok"): Observation => ({
  region_code: code,
  region_name: code,
  level: "county",
  indicator: "process.on_time_rate",
  value: den > 0 ? num / den : null,
  numerator: num,
  denominator: den,
  status,
});

describe("funnel limits: worked example", () => {
  it("p = 0.9, n = 100: se = 0.03; 95 % 0.8412–0.9588; 99.8 % 0.8073–0.9927", () => {
    const l95 = funnelLimits(0.9, 100, Z95);
    const l998 = funnelLimits(0.9, 100, Z998);
    expect(l95.low).toBeCloseTo(0.9 - 1.959964 * 0.03, 6);
    expect(l95.low).toBeCloseTo(0.841201, 6);
    expect(l95.high).toBeCloseTo(0.958799, 6);
    expect(l998.low).toBeCloseTo(0.807293, 6);
    expect(l998.high).toBeCloseTo(0.992707, 6);
  });
  it("limits narrow with the denominator and stay within [0, 1]", () => {
    expect(funnelLimits(0.9, 10_000, Z95).high - 0.9).toBeCloseTo(1.959964 * 0.003, 6);
    expect(funnelLimits(0.99, 5, Z998)).toEqual({ low: expect.any(Number), high: 1 });
    expect(funnelLimits(0.02, 5, Z998).low).toBe(0);
    expect(() => funnelLimits(0.5, 0, Z95)).toThrow(/denominator/);
  });
  it("classifies on the limits' edges", () => {
    const l95 = { low: 0.8, high: 0.9 };
    const l998 = { low: 0.7, high: 0.95 };
    expect(classify(0.9, l95, l998)).toBe("within");
    expect(classify(0.8, l95, l998)).toBe("within");
    expect(classify(0.91, l95, l998)).toBe("above_95");
    expect(classify(0.95, l95, l998)).toBe("above_95");
    expect(classify(0.96, l95, l998)).toBe("above_998");
    expect(classify(0.75, l95, l998)).toBe("below_95");
    expect(classify(0.69, l95, l998)).toBe("below_998");
  });
  it("a small county's worse rate is within chance; a large county's smaller gap is not", () => {
    // reference 0.9; small: 16/20 = 0.80 (se 0.067, 95 % low 0.769) → within;
    // large: 1760/2000 = 0.88 (se 0.0067, 95 % low 0.8869, 99.8 % low 0.8793) → below 95 %
    const pts = funnelFor("process.on_time_rate", [row("b-large", 1760, 2000), row("a-small", 16, 20), row("c-na", 0, 0, "na")], 0.9);
    expect(pts.map((p) => [p.region_code, p.flag, p.outside_95, p.outside_998])).toEqual([
      ["a-small", "within", false, false],
      ["b-large", "below_95", true, false],
    ]);
    expect(pts[1]!.low_95).toBeCloseTo(0.9 - Z95 * Math.sqrt(0.09 / 2000), 12);
  });
  it("without a reference the rate is the ratio of sums, not the mean of rates", () => {
    const pts = funnelFor("process.on_time_rate", [row("a", 90, 100), row("b", 1, 10)]);
    expect(pts[0]!.rate).toBeCloseTo(91 / 110, 12);
    expect(funnelFor("process.on_time_rate", [row("a", 0, 0, "na")])).toEqual([]);
  });
});
