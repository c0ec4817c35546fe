import { TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const common = {
  family: "satisfaction",
  window: "event",
  extracts: ["surveys"],
  required: [],
  interval: true,
  unit: "ratio",
  direction: "higher_better",
  aggregation: "ratio_of_sums",
} as const;

export const SATISFACTION: IndicatorDef[] = [
  {
    ...common,
    id: "satisfaction.rate",
    name: { zh: "群众满意率", en: "Satisfaction" },
    definition: "Responses 非常满意, 满意 or 基本满意 ÷ responses surveyed in the window, with a Wilson 95 % interval and n.",
    definition_zh: "回访中“非常满意、满意、基本满意”的比例，附95%置信区间和样本量。",
    formula_zh: "满意回答数 ÷ 回答数",
    target: TARGETS["satisfaction.rate"],
    source: "002 三(三) 满意率",
  },
  {
    ...common,
    id: "satisfaction.awareness_rate",
    name: { zh: "政策知晓率", en: "Policy awareness" },
    definition: "(知晓 + ½ × 部分知晓) ÷ responses surveyed in the window, with a Wilson 95 % interval and n.",
    definition_zh: "回访中知晓政策的比例（部分知晓计一半），附置信区间和样本量。",
    formula_zh: "(知晓 + 0.5 × 部分知晓) ÷ 回答数",
    target: TARGETS["satisfaction.awareness_rate"],
    source: "002 三(三) 知晓率",
  },
];
