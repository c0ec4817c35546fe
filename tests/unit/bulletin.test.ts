// The bulletin's sentences, read as an official would: like-for-like comparisons, the
// catalogue's directions, rule-based lists with ties at the cut, one set of figures, units.
import { describe, expect, it } from "vitest";
import { composeBulletin, select, type Bulletin } from "../../metrics/bulletin/compose.js";
import { parseBulletinConfig, particulars, type BulletinConfig } from "../../metrics/bulletin/config.js";
import { changeText, formatFigure, shownChange, yuanToWan } from "../../metrics/bulletin/format.js";
import { comparisonPlan, windowOfMonths } from "../../metrics/bulletin/periods.js";
import { missingMonths, type CountyScore, type Facts, type Figure } from "../../metrics/bulletin/query.js";

const ALL = new Set(["2025-06", "2025-Q2", "2025-H1", "2025", "2026-Q1", "2026-Q2", "2026-H1", "2026", "2026-06", "2025-Q1"]);
const CONFIG = parseBulletinConfig({}, "test");

const fig = (value: number | null, status = "ok", amount: string | null = null): Figure => ({ value, status, amount });

/** Province figures: indicator → window → value. */
function figures(spec: Record<string, Record<string, number | Figure>>): Facts["figures"] {
  return Object.fromEntries(
    Object.entries(spec).map(([id, byWindow]) => [id, Object.fromEntries(Object.entries(byWindow).map(([w, v]) => [w, typeof v === "number" ? fig(v) : v]))]),
  );
}

function county(i: number, composite: number, grade: string, rank: number, compareRank: number | null = null): CountyScore {
  return { code: `1501${String(i).padStart(2, "0")}`, name: `第${i}旗`, city: "呼和浩特市", composite, grade, rank, compareRank };
}

/** Competition ranks for a list of (composite, grade), best first. */
function counties(list: [number, string][], compare: (i: number) => number | null = () => null): CountyScore[] {
  const sorted = list.map(([c, g], i) => ({ c, g, i: i + 1 })).sort((a, b) => b.c - a.c);
  return sorted.map((x) => county(x.i, x.c, x.g, sorted.filter((y) => y.c > x.c).length + 1, compare(x.i)));
}

function facts(window: string, over: Partial<Facts> = {}, latest = "2026-06"): Facts {
  return {
    window,
    plan: comparisonPlan(window, latest, ALL),
    province: { code: "15", name: "内蒙古自治区" },
    figures: {},
    counties: [],
    rankComparator: null,
    meanComposite: null,
    lost: {},
    cases: {},
    gaps: [],
    ...over,
  };
}

const P = particulars(CONFIG, "2026-Q2", { issuer: "内蒙古自治区民政厅", addressee: "各盟市民政局：" });
const compose = (f: Facts, config: BulletinConfig = CONFIG): Bulletin => composeBulletin(f, config, P);
const section = (b: Bulletin, n: number) => b.sections[n]!.paragraphs.join("\n");
const text = (b: Bulletin) => b.sections.map((s) => `${s.heading}\n${s.paragraphs.join("\n")}`).join("\n");

describe("comparison plan", () => {
  it("compares a closed quarter with the same quarter a year earlier and the previous quarter", () => {
    const p = comparisonPlan("2026-Q2", "2026-06", ALL);
    expect(p.open).toBe(false);
    expect(p.label).toBe("2026年第二季度");
    expect(p.comparators.map((c) => [c.window, c.label])).toEqual([
      ["2025-Q2", "上年同期"],
      ["2026-Q1", "上季度"],
    ]);
    expect(p.expectedProgress).toBe(0.5);
  });

  it("compares an open year with the same months a year earlier only", () => {
    const p = comparisonPlan("2026", "2026-06", ALL);
    expect(p.open).toBe(true);
    expect(p.label).toBe("2026年1–6月");
    expect(p.comparators.map((c) => c.window)).toEqual(["2025-H1"]);
    expect(p.sameMonthYearAgo).toBe("2025-06");
  });

  it("finds no comparator for months no window covers", () => {
    expect(windowOfMonths("2025-01", "2025-05")).toBeNull();
    expect(comparisonPlan("2026", "2026-05", ALL).comparators).toEqual([]);
    expect(windowOfMonths("2025-07", "2025-09")).toBe("2025-Q3");
  });
});

describe("figures as written", () => {
  it("says 持平 for no change and never writes a negative zero", () => {
    const rate = { style: "ratio" as const, unit: "" };
    expect(changeText(0.9481, 0.9479, rate, "上季度")).toBe("与上季度持平");
    expect(formatFigure(-0.00001, rate)).toBe("0.0%");
    expect(formatFigure(-0.0001, { style: "pp", unit: "个百分点" })).toBe("0.0个百分点");
    expect(shownChange(0.1, 0.1004, "ratio")).toBe(0);
    expect(Object.is(shownChange(0.1, 0.1004, "ratio"), -0)).toBe(false);
  });

  it("puts a unit on every count and every change", () => {
    expect(changeText(53151, 53399, { style: "count", unit: "人" }, "上季度")).toBe("较上季度减少248人");
    expect(changeText(1318, 1200, { style: "count", unit: "户" }, "上年同期")).toBe("较上年同期增加118户");
    expect(changeText(0.948, 0.946, { style: "ratio", unit: "" }, "上年同期")).toBe("较上年同期上升0.2个百分点");
  });

  it("converts exact yuan to 万元 without floating point", () => {
    expect(yuanToWan("669912.35")).toBe("66.99");
    expect(yuanToWan("12345678901234.56")).toBe("1,234,567,890.12");
    expect(yuanToWan("50.00")).toBe("0.01");
    expect(yuanToWan("49.99")).toBe("0.00");
  });

  it("reads the missing months of a delivery note", () => {
    expect(missingMonths("missing 2026-04, 2026-05; late 2026-06")).toEqual(["2026-04", "2026-05"]);
    expect(missingMonths("late 2026-06")).toEqual([]);
  });
});

describe("like for like", () => {
  const q2 = facts("2026-Q2", {
    figures: figures({
      "process.on_time_rate": { "2026-Q2": 0.93, "2025-Q2": 0.96, "2026-Q1": 0.95 },
      "funds.proxy_violations": { "2026-Q2": fig(1669, "ok", "1190600.00"), "2025-Q2": 3748, "2026-Q1": 1800 },
      "budget.execution_rate": { "2026-Q2": 0.402, "2026-Q1": 0.201, "2025-Q2": 0.43, "2025-06": 0.43 },
      "budget.matching_rate": { "2026-Q2": 0.44, "2026-Q1": 0.22, "2025-06": 0.40, "2025-Q2": 0.40 },
      "coverage.persons": { "2026-Q2": 53151, "2025-Q2": 53554, "2026-Q1": 53399 },
    }),
  });

  it("reads a fall in a problem count as progress and a fall in a rate as a problem", () => {
    const b = compose(q2);
    expect(section(b, 1)).toContain("违规代领1,669件（涉及资金119.06万元），较上年同期减少2,079件、较上季度减少131件");
    expect(section(b, 4)).not.toMatch(/违规代领[\d,]+件/);
    expect(section(b, 4)).toContain("按时办结率93.0%，较上年同期下降3.0个百分点、较上季度下降2.0个百分点");
    expect(section(b, 1)).not.toContain("按时办结率");
  });

  it("judges cumulative budget execution against expected progress and the same month a year earlier, never the previous quarter", () => {
    const b = compose(q2);
    const all = text(b);
    expect(all).toContain("截至6月底，全区预算执行率40.2%，低于序时进度（50.0%）9.8个百分点，较上年同期（43.0%）下降2.8个百分点，预算执行进度滞后");
    expect(all).not.toMatch(/由20\.1%升至40\.2%|较上季度上升20\.1/);
    // the cumulative matching rate is compared with June a year earlier only
    expect(all).toContain("地方配套到位率44.0%，较上年同期上升4.0个百分点。");
    const row = b.headline.rows.find((r) => r[0] === "预算执行率")!;
    expect(row).toEqual(["预算执行率", "40.2%", "43.0%", "不比较", "进度滞后"]);
  });

  it("compares an open year with the same months a year earlier, and says so", () => {
    const f = facts("2026", {
      figures: figures({
        "process.on_time_rate": { "2026": 0.954, "2025-H1": 0.96, "2025": 0.97 },
        "budget.execution_rate": { "2026": 0.402, "2025-06": 0.43, "2025": 0.862 },
      }),
    });
    const b = compose(f);
    const all = text(b);
    expect(b.title).toBe("关于2026年1–6月社会救助工作绩效考评情况的通报");
    expect(all).toContain("本年度尚未结束，本通报数据截至2026年6月底，同比均与2025年1–6月比较");
    expect(all).toContain("与上年同期（2025年1–6月）相比，1项指标有所退步：按时办结率95.4%，较上年同期下降0.6个百分点。");
    expect(all).not.toContain("86.2%");
    expect(all).not.toContain("97.0%");
    expect(b.headline.columns).toEqual(["指标", "2026年1–6月", "上年同期（2025年1–6月）", "评价"]);
  });

  it("states no change as 持平 in the tables and leaves steady indicators out of progress and problems", () => {
    const f = facts("2026-Q2", { figures: figures({ "funds.paid_rate": { "2026-Q2": 0.9241, "2025-Q2": 0.9239, "2026-Q1": 0.9 } }) });
    const b = compose(f);
    expect(b.headline.rows.find((r) => r[0] === "按时发放率")!.at(-1)).toBe("持平");
    expect(text(b)).not.toContain("按时发放率");
    expect(text(b)).not.toMatch(/−0\.0|-0\.0|下降0\.0|上升0\.0/);
  });
});

describe("the rule decides, and says so", () => {
  // 12 counties tie at 100, then 85 … ; three 不合格
  const list: [number, string][] = [
    ...Array.from({ length: 12 }, () => [100, "优秀"] as [number, string]),
    [95, "优秀"],
    [85, "良好"],
    [70, "合格"],
    [55, "不合格"],
    [50, "不合格"],
    [50, "不合格"],
  ];
  const f = facts("2026-Q2", { counties: counties(list, (i) => (i === 14 ? 15 : i)), rankComparator: "2026-Q1", meanComposite: 86.4 });

  it("commends every county tied at the cut and states the rule", () => {
    const b = compose(f);
    expect(b.selection.commended).toHaveLength(12);
    expect(section(b, 2)).toContain("按照“考评等级为优秀、综合得分居前10名（得分并列的一并列入）”的规则，以下12个旗县（市、区）予以通报表扬");
    expect(select(f.counties, { grades: ["优秀"], limit: 13 }, false)).toHaveLength(13);
  });

  it("names every 不合格 county by default", () => {
    const b = compose(f);
    expect(b.selection.criticised).toHaveLength(3);
    expect(section(b, 3)).toContain("按照“考评等级为不合格的全部列入”的规则，以下3个旗县（市、区）需要整改");
  });

  it("cuts a criticism list at the bottom N with ties included, and says how many more there are", () => {
    const cfg = parseBulletinConfig({ rules: { criticise: { grades: ["不合格"], limit: 1 } } }, "test");
    const b = compose(f, cfg);
    expect(b.selection.criticised).toHaveLength(2); // the two tied at 50
    expect(section(b, 3)).toContain("综合得分居后1名（得分并列的一并列入）");
    expect(section(b, 3)).toContain("（另有1个同等级旗县（市、区）见附件2）");
  });

  it("shows ties as ties in the ranking and counts grades with units", () => {
    const b = compose(f);
    expect(b.ranking.rows.slice(0, 12).every((r) => r[0] === "并列1")).toBe(true);
    expect(b.ranking.rows[12]![0]).toBe("13");
    expect(section(b, 0)).toContain("本期参加考评的18个旗县（市、区）平均得分86.4分。其中优秀13个、良好1个、合格1个、不合格3个。");
  });

  it("names risers by the stated rule, never a county on the correction list", () => {
    const riser = facts("2026-Q2", {
      counties: counties(list, (i) => (i === 14 || i === 16 ? 30 : null)),
      rankComparator: "2026-Q1",
    });
    const b = compose(riser);
    expect(b.selection.risers).toEqual(["150114"]);
    expect(section(b, 2)).toContain("名次较上季度上升10位及以上（不含需要整改的）的1个旗县（市、区）进步明显");
  });
});

describe("one set of figures", () => {
  const f = facts("2026-Q2", {
    figures: figures({
      "funds.unlisted_payments": { "2026-Q2": fig(111, "ok", "69000.00"), "2025-Q2": 111, "2026-Q1": 165 },
      "integrity.duplicate_persons": { "2026-Q2": 23, "2025-Q2": 32, "2026-Q1": 25 },
    }),
    cases: { "funds.unlisted_payments": 111, "integrity.duplicate_persons": 37, "process.on_time_rate": 132, "accuracy.review_on_time_rate": 1318 },
    gaps: [
      {
        code: "150102",
        name: "新城区",
        city: "呼和浩特市",
        indicators: ["coverage.persons", "funds.unlisted_payments"],
        missing: [{ extract: "roster", label: "在保对象花名册", months: ["2026-06"] }],
      },
    ],
  });

  it("names the gap counties and why, and says the totals and case counts leave them out", () => {
    const b = compose(f);
    expect(section(b, 0)).toContain("1个旗县（市、区）存在数据缺报：呼和浩特市新城区（在保对象花名册缺报2026年6月）。其缺报台账涉及的指标未计入全区合计，问题线索按同一口径统计。");
    expect(b.selection.gapCounties).toEqual(["150102"]);
  });

  it("writes a count once: the indicator's own figure, never a second case count", () => {
    const all = text(compose(f));
    // 重复享受人数 is 23 (persons on two households within the province); the 37 county-scope cases are not a second figure
    expect(all).toContain("重复享受人数23人次");
    expect(all).not.toContain("37人次");
    expect(all).toContain("名单外发放111件（涉及资金6.90万元）");
    expect(all.match(/名单外发放111件/g)).toHaveLength(1);
    expect(all).toContain("超期办结申请132件");
    expect(all).toContain("逾期未复核家庭1,318户");
  });
});

describe("particulars", () => {
  it("is a draft until the 文号 and date are given; flags win over the file", () => {
    const cfg = parseBulletinConfig({ documents: { "2026-Q2": { docNumber: "内民政发〔2026〕9号" } } }, "test");
    const d = { issuer: "内蒙古自治区民政厅", addressee: "各盟市民政局：" };
    expect(particulars(cfg, "2026-Q2", d).draft).toBe(true);
    const p = particulars(cfg, "2026-Q2", d, { date: "2026-07-20" });
    expect(p).toMatchObject({ docNumber: "内民政发〔2026〕9号", date: "2026-07-20", signature: "内蒙古自治区民政厅", draft: false });
    expect(particulars(cfg, "2026-Q2", d, { docNumber: "内民政发〔2026〕12号", date: "2026-07-20" }).docNumber).toBe("内民政发〔2026〕12号");
    expect(composeBulletin(facts("2026-Q2"), cfg, p).particulars.dateText).toBe("2026年7月20日");
  });

  it("refuses a configuration it does not understand, naming the field", () => {
    expect(() => parseBulletinConfig({ rules: { commend: { grades: ["很好"], limit: 10 } } }, "bulletin.json")).toThrow(/bulletin\.json: rules\.commend\.grades\.0/);
    expect(() => parseBulletinConfig({ documents: { "2026-Q2": { date: "20.7.2026" } } }, "bulletin.json")).toThrow(/documents\.2026-Q2\.date/);
  });
});
