// The site's pure helpers: control-chart signals and the badge's words, honest ties,
// legend sets, and the windows a page opens on and compares with.
import { describe, expect, it } from "vitest";
import { xmr, signalSummary } from "../../src/components/spc.js";
import { rankText, topWithTies } from "../../src/components/ranks.js";
import { classify, legendBand } from "../../src/components/legend.js";
import { defaultWindow, windowList, yearAgo } from "../../src/data/_windows.js";

describe("xmr signals", () => {
  it("flags a point outside the limits", () => {
    const values = [10, 11, 10, 9, 10, 11, 10, 9, 10, 30];
    const c = xmr(values);
    expect(c.rules.at(-1)).toBe("outside");
    expect(c.signals.at(-1)).toBe("high");
    expect(signalSummary(c)).toMatchObject({ signal: true, outside: 1 });
    expect(signalSummary(c).text).toContain("超出控制限");
  });

  it("flags every point of a run of 8 on one side, and not a run of 7", () => {
    const run8 = [5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 6, 7, 6, 7, 6, 7];
    const c8 = xmr(run8);
    expect(c8.rules.slice(0, 8)).toEqual(Array(8).fill("run"));
    expect(signalSummary(c8).text).toContain("连续 8 个月");
    const run7 = [5.9, 6.1, 5.9, 6.1, 5, 5, 5, 5, 5, 5, 5, 7, 6.1, 5.9, 7, 7, 7];
    const c7 = xmr(run7);
    expect(c7.rules.filter((r) => r === "run")).toEqual([]);
  });

  it("a gap ends a run; a flat series is noise; too few points cannot be judged", () => {
    const gapped = [1, 1, 1, 1, null, 1, 1, 1, 1, 3, 3, 3, 2, 3, 2, 3, 2];
    expect(xmr(gapped).rules.slice(0, 9).includes("run")).toBe(false);
    expect(signalSummary(xmr([2, 2, 2, 2, 2]))).toMatchObject({ signal: false, text: "正常波动" });
    expect(signalSummary(xmr([1, 2]))).toMatchObject({ signal: false, text: "数据不足，无法判断" });
  });
});

describe("ties", () => {
  const rows = [
    { n: "a", s: 100 }, { n: "b", s: 100 }, { n: "c", s: 99 }, { n: "d", s: 98 }, { n: "e", s: 97 },
    { n: "f", s: 97 }, { n: "g", s: 97 }, { n: "h", s: 50 }, { n: "i", s: null },
  ];
  it("keeps every row tied with the n-th, both ends, and leaves out rows without a value", () => {
    expect(topWithTies(rows, 5, (r) => r.s).map((r) => r.n)).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
    expect(topWithTies(rows, 2, (r) => r.s, false).map((r) => r.n)).toEqual(["h", "e", "f", "g"]);
    expect(topWithTies(rows, 3, (r) => r.s).map((r) => r.n)).toEqual(["a", "b", "c"]);
    expect(topWithTies(rows, 20, (r) => r.s)).toHaveLength(8);
  });
  it("writes a shared rank as 并列", () => {
    const ranks = [1, 1, 3, 4, 5, 5, 5, 8];
    expect(rankText(1, ranks)).toBe("并列 1");
    expect(rankText(3, ranks)).toBe("3");
    expect(rankText(null, ranks)).toBe("—");
  });
});

describe("legend sets", () => {
  it("classifies against the target with the unit's near band, or the indicator's own", () => {
    const band = legendBand("process.on_time_rate", "rate");
    expect(classify(1, { op: ">=", value: 1 }, band)).toBe("met");
    expect(classify(0.96, { op: ">=", value: 1 }, band)).toBe("near");
    expect(classify(0.9, { op: ">=", value: 1 }, band)).toBe("missed");
    expect(classify(18, { op: "<=", value: 20 }, legendBand("process.median_days", "days"))).toBe("met");
    expect(classify(24, { op: "<=", value: 20 }, legendBand("process.median_days", "days"))).toBe("near");
    expect(classify(26, { op: "<=", value: 20 }, legendBand("process.median_days", "days"))).toBe("missed");
    expect(classify(0, { op: "=", value: 0 }, legendBand("funds.unlisted_payments", "count"))).toBe("met");
    expect(classify(4, { op: "=", value: 0 }, legendBand("funds.unlisted_payments", "count"))).toBe("near");
    expect(classify(1, { op: "=", value: 0 }, legendBand("coverage.exits", "count"))).toBe("missed");
    expect(classify(0.5, null, band)).toBeNull();
    expect(classify(null, { op: ">=", value: 1 }, band)).toBeNull();
  });
});

describe("windows", () => {
  const months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"];
  it("opens on the latest complete quarter", () => {
    expect(defaultWindow([...months, "2025-Q1", "2025-Q2", "2025-Q3", "2025-H1", "2025-H2", "2025"])).toBe("2025-Q2");
    expect(defaultWindow([...months, "2025-Q1", "2025-Q2", "2025-Q3", "2025-09"])).toBe("2025-Q3");
    expect(defaultWindow(["2025-01", "2025-Q1"])).toBe("2025-01");
    expect(defaultWindow([])).toBeNull();
  });
  it("compares with the previous window of the same kind and the same window a year earlier, when computed", () => {
    expect(yearAgo("2026-06")).toBe("2025-06");
    expect(yearAgo("2026-Q2")).toBe("2025-Q2");
    expect(yearAgo("2026-H1")).toBe("2025-H1");
    expect(yearAgo("2026")).toBe("2025");
    const list = windowList(["2025-Q2", "2026-Q1", "2026-Q2", "2026-06", "2026-05"]);
    expect(list.find((w) => w.id === "2026-Q2")).toEqual({ id: "2026-Q2", kind: "quarter", prev: "2026-Q1", yoy: "2025-Q2" });
    expect(list.find((w) => w.id === "2026-05")).toEqual({ id: "2026-05", kind: "month", prev: null, yoy: null });
    expect(list.map((w) => w.id)).toEqual(["2026-06", "2026-05", "2026-Q2", "2026-Q1", "2025-Q2"]);
  });
});
