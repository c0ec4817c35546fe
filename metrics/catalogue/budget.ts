import { TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const common = { family: "budget", extracts: ["funds"], required: ["funds"], amount: true } as const;

export const BUDGET: IndicatorDef[] = [
  {
    ...common,
    id: "budget.execution_rate",
    name: { zh: "预算执行率", en: "Budget execution" },
    definition:
      "Cumulative spent ÷ (budget + carried_in), all programs and sources, in the window's last month (the latest delivered month when the window is still open).",
    definition_zh: "统计期最后一月的累计支出占预算与上年结转之和的比例。",
    formula_zh: "累计支出 ÷ (预算 + 上年结转)",
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["budget.execution_rate"],
    source: "004 三(五) 预算执行进度",
    aggregation: "ratio_of_sums",
    window: "last_month",
  },
  {
    ...common,
    id: "budget.execution_lag",
    name: { zh: "执行进度差", en: "Execution behind schedule" },
    definition: "(month/12 − budget.execution_rate) × 100, percentage points, month = the number of the month used (1–12); numerator and denominator are those of the execution rate.",
    definition_zh: "序时进度（月份÷12）与预算执行率之差，以百分点计。",
    formula_zh: "月份 ÷ 12 − 预算执行率",
    unit: "percentage_points",
    direction: "lower_better",
    target: TARGETS["budget.execution_lag"],
    source: "004 三(五)",
    aggregation: "derived",
    window: "last_month",
  },
  {
    ...common,
    id: "budget.rollover_ratio",
    name: { zh: "年终滚存结余率", en: "Year-end rollover" },
    definition: "(carried_in + received − spent) ÷ spent in December; only windows that end in December (the month, Q4, H2, the year).",
    definition_zh: "年末结余（上年结转 + 到位资金 − 支出）占当年支出的比例。",
    formula_zh: "(上年结转 + 到位 − 支出) ÷ 支出",
    unit: "ratio",
    direction: "lower_better",
    target: TARGETS["budget.rollover_ratio"],
    source: "004 二(二)5 不得超过10%",
    aggregation: "ratio_of_sums",
    window: "december",
  },
  {
    ...common,
    id: "budget.matching_rate",
    name: { zh: "地方配套到位率", en: "Local matching funds received" },
    definition: "received ÷ budget for municipal and county sources, in the window's last month.",
    definition_zh: "市县两级配套资金到位额占预算额的比例。",
    formula_zh: "市县到位资金 ÷ 市县预算",
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["budget.matching_rate"],
    source: "000 二(三) 配套资金落实到位",
    aggregation: "ratio_of_sums",
    window: "last_month",
  },
];
