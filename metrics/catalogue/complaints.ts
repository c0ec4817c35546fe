import { CONFIG, TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const common = { family: "complaints", window: "received", extracts: ["complaints"], required: ["complaints"] } as const;

export const COMPLAINTS: IndicatorDef[] = [
  {
    ...common,
    id: "complaints.per_10k",
    name: { zh: "万人投诉量", en: "Complaints per 10,000 covered" },
    definition: "Complaints received in the window ÷ coverage.persons × 10,000, over counties with both.",
    unit: "per_10k",
    direction: "lower_better",
    target: TARGETS["complaints.per_10k"],
    source: "002 三(三) 信访量是否下降",
    aggregation: "ratio_of_sums",
    extracts: ["complaints", "roster"],
    required: ["complaints", "roster"],
  },
  {
    ...common,
    id: "complaints.on_time_rate",
    name: { zh: "投诉按时办结率", en: "Complaints closed on time" },
    definition: `Complaints received in the window and closed within ${CONFIG.complaintLimitDays} calendar days of receipt ÷ complaints received in the window that are closed or whose ${CONFIG.complaintLimitDays} days ran out by the window's last day (the last delivered day when the window is still open).`,
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["complaints.on_time_rate"],
    source: "004 二(八) 规定时限",
    aggregation: "ratio_of_sums",
    cases: { zh: "超期投诉", en: "overdue complaints" },
  },
  {
    ...common,
    id: "complaints.substantiated_rate",
    name: { zh: "属实率", en: "Substantiated" },
    definition: "Complaints received in the window found substantiated or partly ÷ those concluded (finding not pending).",
    unit: "ratio",
    direction: "context",
    target: TARGETS["complaints.substantiated_rate"],
    source: "",
    aggregation: "ratio_of_sums",
  },
  {
    ...common,
    id: "complaints.repeat_rate",
    name: { zh: "重复投诉率", en: "Repeat complaints" },
    definition: "Repeat complaints ÷ complaints received in the window.",
    unit: "ratio",
    direction: "lower_better",
    target: TARGETS["complaints.repeat_rate"],
    source: "004 二(八)",
    aggregation: "ratio_of_sums",
  },
];
