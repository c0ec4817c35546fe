import { TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const common = { family: "supervision", window: "event", extracts: ["inspections"], required: [], aggregation: "ratio_of_sums", unit: "ratio" } as const;

export const SUPERVISION: IndicatorDef[] = [
  {
    ...common,
    id: "supervision.error_rate",
    name: { zh: "抽查问题率", en: "Errors found in checks" },
    definition: "Sum of cases_wrong ÷ sum of cases_checked over inspections dated in the window.",
    definition_zh: "抽查案例中发现问题的比例。",
    formula_zh: "问题案例数 ÷ 抽查案例数",
    direction: "lower_better",
    target: TARGETS["supervision.error_rate"],
    source: "001 四(二) 层级监督",
  },
  {
    ...common,
    id: "supervision.rectified_rate",
    name: { zh: "整改完成率", en: "Problems rectified" },
    definition: "Inspections dated in the window with problems (cases_wrong, cases_missed or funds_irregular above 0) that are rectified ÷ inspections with problems.",
    definition_zh: "发现问题的检查中已完成整改的比例。",
    formula_zh: "已整改检查数 ÷ 发现问题的检查数",
    direction: "higher_better",
    target: TARGETS["supervision.rectified_rate"],
    source: "002 三(二)",
  },
];
