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
    target: TARGETS["satisfaction.rate"],
    source: "002 三(三) 满意率",
  },
  {
    ...common,
    id: "satisfaction.awareness_rate",
    name: { zh: "政策知晓率", en: "Policy awareness" },
    definition: "(知晓 + ½ × 部分知晓) ÷ responses surveyed in the window, with a Wilson 95 % interval and n.",
    target: TARGETS["satisfaction.awareness_rate"],
    source: "002 三(三) 知晓率",
  },
];
