import { TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

export const INTEGRITY: IndicatorDef[] = [
  {
    id: "integrity.duplicate_persons",
    family: "integrity",
    name: { zh: "重复享受人数", en: "Persons on more than one household" },
    definition:
      "Person-months: persons on the county's roster in a month who appear on more than one household that month anywhere in the warehouse (other counties included), summed over the window's months. A person on households of two counties counts in both (each has a case to follow up). A city or the province counts distinct persons on more than one household within it (over its counties with the figure).",
    definition_zh: "同一月份同一身份证号出现在多个家庭中的人数。",
    formula_zh: "重复享受人数之和",
    unit: "persons",
    direction: "lower_better",
    target: TARGETS["integrity.duplicate_persons"],
    source: "003 四(三)1 异常预警",
    aggregation: "sum",
    window: "each_month",
    extracts: ["roster"],
    required: ["roster"],
    cases: { zh: "重复享受人员", en: "duplicates" },
  },
];
