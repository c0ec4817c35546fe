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
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["budget.matching_rate"],
    source: "000 二(三) 配套资金落实到位",
    aggregation: "ratio_of_sums",
    window: "last_month",
  },
];
