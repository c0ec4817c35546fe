import { CONFIG, TARGETS } from "../config.js";
import type { IndicatorDef } from "./types.js";

const L = CONFIG.decisionLimitDays;
const common = { family: "process", window: "decided", extracts: ["applications"], required: ["applications"] } as const;

export const PROCESS: IndicatorDef[] = [
  {
    ...common,
    id: "process.median_days",
    name: { zh: "审核确认办理时长(中位数)", en: "Median processing time" },
    definition:
      "Median of working days from accepted_on to decided_on (working days after acceptance up to and including the decision day, official PRC calendar) over applications decided (approved or rejected) in the window; interpolated.",
    unit: "working_days",
    direction: "lower_better",
    target: TARGETS["process.median_days"],
    source: "002 三(三) 办理时限是否缩短",
    aggregation: "percentile_of_rows",
  },
  {
    ...common,
    id: "process.p90_days",
    name: { zh: "办理时长(90分位)", en: "Processing time, 90th percentile" },
    definition: "90th percentile (interpolated) of the same working-day durations as process.median_days.",
    unit: "working_days",
    direction: "lower_better",
    target: TARGETS["process.p90_days"],
    source: "002 三(三)",
    aggregation: "percentile_of_rows",
  },
  {
    ...common,
    id: "process.on_time_rate",
    name: { zh: "按时办结率", en: "Decided on time" },
    definition: `Applications decided in the window within the program's limit after acceptance ÷ applications decided (approved or rejected). Limit: dibao and tekun ${L.dibao} working days (${L.extendedDays} where extended), linshi ${L.linshi}.`,
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["process.on_time_rate"],
    source: "004 二(二)4 30个工作日; 最低生活保障审核确认办法(2021) 第二十二条",
    aggregation: "ratio_of_sums",
    cases: { zh: "超期办结申请", en: "late applications" },
  },
  {
    ...common,
    id: "process.home_visit_rate",
    name: { zh: "入户调查率", en: "Home visits" },
    definition: "Applications decided in the window with an investigated_on date ÷ applications decided.",
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["process.home_visit_rate"],
    source: "002 二(一) 新申请对象100%入户核查",
    aggregation: "ratio_of_sums",
    cases: { zh: "未入户调查申请", en: "missing home visits" },
  },
  {
    ...common,
    id: "process.county_check_rate",
    name: { zh: "县级入户抽查率", en: "County spot checks" },
    definition: "Applications decided in the window with county_checked ÷ applications decided.",
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["process.county_check_rate"],
    source: "004 二(二)4 不低于30%; 特困人员认定办法 不低于30%",
    aggregation: "ratio_of_sums",
  },
  {
    ...common,
    id: "process.publicity_rate",
    name: { zh: "公示合规率", en: "Publicity compliance" },
    definition: `Approved applications decided in the window with publicity_to − publicity_from + 1 ≥ ${CONFIG.publicityMinDays} calendar days ÷ approved applications (missing dates fail).`,
    unit: "ratio",
    direction: "higher_better",
    target: TARGETS["process.publicity_rate"],
    source: "004 二(三) 公示制度; 审核确认办法(2021) 第十九条 7天",
    aggregation: "ratio_of_sums",
  },
];
