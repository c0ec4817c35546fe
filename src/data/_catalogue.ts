// The indicator catalogue as the site shows it: metrics/catalogue (labels, units,
// directions, targets, policy sources) plus the Chinese wording of each definition
// and formula, which the catalogue keeps in English.
import { CATALOGUE, type IndicatorDef } from "../../metrics/catalogue/index.js";
import type { Target } from "../../metrics/config.js";

export type Unit = "rate" | "count" | "days" | "pp" | "per10k";

export interface IndicatorInfo {
  id: string;
  label: string;
  family: string;
  unit: Unit;
  /** Whether a larger value is better (context measures count as larger-is-better for colouring only). */
  higherIsBetter: boolean;
  context: boolean;
  target: string;
  targetValue: number | null;
  definition: string;
  formula: string;
  source: string;
  cases: string | null;
}

const UNIT: Record<IndicatorDef["unit"], Unit> = {
  ratio: "rate",
  working_days: "days",
  persons: "count",
  households: "count",
  count: "count",
  per_10k: "per10k",
  percentage_points: "pp",
  county_months: "count",
};

export const FAMILY_LABEL: Record<string, string> = {
  process: "规范运行",
  coverage: "保障覆盖",
  accuracy: "对象精准",
  integrity: "对象精准",
  funds: "资金安全",
  budget: "预算执行",
  satisfaction: "群众满意",
  complaints: "投诉处理",
  supervision: "监督管理",
  reporting: "数据报送",
};

/** Chinese definition and formula of each indicator (../shared/spec/indicators.md). */
const ZH: Record<string, [definition: string, formula: string]> = {
  "process.median_days": ["统计期内办结（批准或不予批准）的申请，自受理次日至审批日的工作日数的中位数（插值）。", "中位数(审批日 − 受理日，按工作日计)"],
  "process.p90_days": ["同一批办结申请办理工作日数的90分位数（插值）。", "90分位数(审批日 − 受理日，按工作日计)"],
  "process.on_time_rate": ["在规定时限内办结的申请占办结申请的比例。时限：低保、特困30个工作日（延期的45个），临时救助15个工作日。", "按时办结件数 ÷ 办结件数"],
  "process.home_visit_rate": ["办结申请中有入户调查日期的比例。", "已入户调查件数 ÷ 办结件数"],
  "process.county_check_rate": ["办结申请中经县级入户抽查的比例。", "县级抽查件数 ÷ 办结件数"],
  "process.publicity_rate": ["批准的申请中公示期（含首尾）不少于7天的比例。", "公示满7天件数 ÷ 批准件数"],
  "coverage.persons": ["花名册上的在保人数（按身份证号去重），多月统计期取各月平均。", "各月在保人数的平均"],
  "coverage.rate": ["在保人数占常住人口的比例，作参考。", "在保人数 ÷ 常住人口"],
  "coverage.need_rate": ["在保人数占监测低收入人口的比例。", "在保人数 ÷ 监测低收入人口数"],
  "coverage.entries": ["本月在册而上月不在册的户数；上月花名册未报送的不计算。", "本月新增户数之和"],
  "coverage.exits": ["上月在册而本月不在册的户数；上月花名册未报送的不计算。", "本月退出户数之和"],
  "accuracy.benefit_rate": ["低保家庭月保障金等于（保障标准 − 人均收入）× 保障人数（误差±1元以内）的比例。", "差额发放准确户数 ÷ 低保户数"],
  "accuracy.standard_ok": ["各类保障标准均不低于省级指导标准的县月数占县月数的比例。", "达标县月数 ÷ 县月数"],
  "accuracy.review_on_time_rate": ["期末在册家庭中按分类复核周期按期复核的比例：A类12个月、B类6个月、C类城市1个月/农村3个月，特困12个月。", "按期复核户数 ÷ 期末在册户数"],
  "accuracy.relative_filed_rate": ["经办人员和村（居）干部近亲属享受救助的，已备案人数占此类人数的比例。", "已备案近亲属人数 ÷ 近亲属人数"],
  "integrity.duplicate_persons": ["同一月份同一身份证号出现在多个家庭中的人数。", "重复享受人数之和"],
  "funds.paid_rate": ["在册家庭当月保障金于当月10日前发放的比例。", "按时发放户数 ÷ 在册户数"],
  "funds.amount_match_rate": ["已发放家庭中实发金额与花名册核定金额一致的比例。", "金额一致户数 ÷ 已发放户数"],
  "funds.unlisted_payments": ["向当月花名册以外家庭发放的笔数（及金额）。", "名单外发放笔数之和"],
  "funds.socialized_rate": ["经银行社会化发放的金额占发放总额的比例。", "社会化发放金额 ÷ 发放总额"],
  "funds.proxy_violations": ["代领人为经办人员或代领未备案的笔数。", "违规代领笔数之和"],
  "budget.execution_rate": ["统计期最后一月的累计支出占预算与上年结转之和的比例。", "累计支出 ÷ (预算 + 上年结转)"],
  "budget.execution_lag": ["序时进度（月份÷12）与预算执行率之差，以百分点计。", "月份 ÷ 12 − 预算执行率"],
  "budget.rollover_ratio": ["年末结余（上年结转 + 到位资金 − 支出）占当年支出的比例。", "(上年结转 + 到位 − 支出) ÷ 支出"],
  "budget.matching_rate": ["市县两级配套资金到位额占预算额的比例。", "市县到位资金 ÷ 市县预算"],
  "satisfaction.rate": ["回访中“非常满意、满意、基本满意”的比例，附95%置信区间和样本量。", "满意回答数 ÷ 回答数"],
  "satisfaction.awareness_rate": ["回访中知晓政策的比例（部分知晓计一半），附置信区间和样本量。", "(知晓 + 0.5 × 部分知晓) ÷ 回答数"],
  "complaints.per_10k": ["统计期内受理的投诉举报件数按每万名在保人员折算。", "投诉件数 ÷ 在保人数 × 10000"],
  "complaints.on_time_rate": ["受理后60天内办结的投诉占已办结或已满60天投诉的比例。", "按时办结件数 ÷ (已办结 + 已到期件数)"],
  "complaints.substantiated_rate": ["已办结投诉中属实或部分属实的比例，作参考。", "属实件数 ÷ 办结件数"],
  "complaints.repeat_rate": ["重复投诉占受理投诉的比例。", "重复投诉件数 ÷ 受理件数"],
  "supervision.error_rate": ["抽查案例中发现问题的比例。", "问题案例数 ÷ 抽查案例数"],
  "supervision.rectified_rate": ["发现问题的检查中已完成整改的比例。", "已整改检查数 ÷ 发现问题的检查数"],
  "reporting.completeness": ["应报送的（区县、台账、月份）中已报送的比例。", "已报送数 ÷ 应报送数"],
  "reporting.timeliness": ["应报送的台账中在次月15日前报送的比例。", "按时报送数 ÷ 应报送数"],
};

function targetText(t: Target | null, unit: Unit): { text: string; value: number | null } {
  if (!t) return { text: "—（参考指标）", value: null };
  if (t.op === "falling") return { text: "逐期下降", value: null };
  if (t.value === undefined) return { text: t.note ? "不低于序时进度 − 5 个百分点" : "—", value: null };
  const op = t.op === ">=" ? "≥ " : t.op === "<=" ? "≤ " : "= ";
  const v = unit === "rate" ? `${+(t.value * 100).toFixed(1)}%` : unit === "days" ? `${t.value} 个工作日` : unit === "pp" ? `${t.value} 个百分点` : String(t.value);
  return { text: op + v, value: t.value };
}

export function indicatorInfo(def: IndicatorDef): IndicatorInfo {
  const unit = UNIT[def.unit];
  const target = targetText(def.target, unit);
  const [definition, formula] = ZH[def.id] ?? [def.definition, ""];
  return {
    id: def.id,
    label: def.name.zh,
    family: FAMILY_LABEL[def.family] ?? def.family,
    unit,
    higherIsBetter: def.direction !== "lower_better",
    context: def.direction === "context",
    target: target.text,
    targetValue: target.value,
    definition,
    formula,
    source: def.source,
    cases: def.cases?.zh ?? null,
  };
}

/** Every indicator of the catalogue, in catalogue order. */
export async function indicatorCatalogue(): Promise<IndicatorInfo[]> {
  return CATALOGUE.map(indicatorInfo);
}
