// Indicator labels and display facts for the site. Reads the metrics catalogue
// (metrics/catalogue/index.ts, `CATALOGUE`) when it exists; until then falls back
// to the labels of the indicator spec so pages still read in Chinese.
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";

export type Unit = "rate" | "count" | "days" | "pp" | "per10k";

export interface IndicatorInfo {
  id: string;
  label: string;
  family: string;
  unit: Unit;
  /** Whether a larger value is better. */
  higherIsBetter: boolean;
  target: string;
  definition: string;
  source: string;
}

const FALLBACK: Record<string, [label: string, unit: Unit, higher: boolean, target: string]> = {
  "process.median_days": ["审核确认办理时长(中位数)", "days", false, "≤ 20 个工作日"],
  "process.p90_days": ["办理时长(90分位)", "days", false, "≤ 30 个工作日"],
  "process.on_time_rate": ["按时办结率", "rate", true, "100%"],
  "process.home_visit_rate": ["入户调查率", "rate", true, "100%"],
  "process.county_check_rate": ["县级入户抽查率", "rate", true, "≥ 30%"],
  "process.publicity_rate": ["公示合规率", "rate", true, "100%"],
  "coverage.persons": ["在保人数", "count", true, "—"],
  "coverage.rate": ["保障面", "rate", true, "—"],
  "coverage.need_rate": ["应保尽保率", "rate", true, "≥ 100%"],
  "coverage.entries": ["新增户数", "count", true, "—"],
  "coverage.exits": ["退出户数", "count", true, "—"],
  "accuracy.benefit_rate": ["差额发放准确率", "rate", true, "≥ 98%"],
  "accuracy.standard_ok": ["标准达标", "rate", true, "100%"],
  "accuracy.review_on_time_rate": ["按期复核率", "rate", true, "≥ 95%"],
  "accuracy.relative_filed_rate": ["近亲属备案率", "rate", true, "100%"],
  "integrity.duplicate_persons": ["重复享受人数", "count", false, "0"],
  "funds.paid_rate": ["按时发放率", "rate", true, "100%"],
  "funds.amount_match_rate": ["发放金额一致率", "rate", true, "100%"],
  "funds.unlisted_payments": ["名单外发放", "count", false, "0"],
  "funds.socialized_rate": ["社会化发放率", "rate", true, "100%"],
  "funds.proxy_violations": ["违规代领", "count", false, "0"],
  "budget.execution_rate": ["预算执行率", "rate", true, "≥ 序时进度 − 5 个百分点"],
  "budget.execution_lag": ["执行进度差", "pp", false, "≤ 5 个百分点"],
  "budget.rollover_ratio": ["年终滚存结余率", "rate", false, "≤ 10%"],
  "budget.matching_rate": ["地方配套到位率", "rate", true, "100%"],
  "satisfaction.rate": ["群众满意率", "rate", true, "≥ 90%"],
  "satisfaction.awareness_rate": ["政策知晓率", "rate", true, "≥ 85%"],
  "complaints.per_10k": ["万人投诉量", "per10k", false, "下降"],
  "complaints.on_time_rate": ["投诉按时办结率", "rate", true, "≥ 95%"],
  "complaints.substantiated_rate": ["投诉属实率", "rate", false, "—"],
  "complaints.repeat_rate": ["重复投诉率", "rate", false, "≤ 5%"],
  "supervision.error_rate": ["抽查问题率", "rate", false, "≤ 2%"],
  "supervision.rectified_rate": ["整改完成率", "rate", true, "100%"],
  "reporting.completeness": ["报送完整率", "rate", true, "100%"],
  "reporting.timeliness": ["报送及时率", "rate", true, "100%"],
};

const FAMILY: Record<string, string> = {
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

function fromFallback(id: string): IndicatorInfo {
  const [label, unit, higherIsBetter, target] = FALLBACK[id] ?? [id, "rate", true, "—"];
  return { id, label, family: FAMILY[id.split(".")[0]!] ?? "", unit, higherIsBetter, target, definition: "", source: "" };
}

/** Every indicator of the catalogue with its Chinese label (the catalogue's when available). */
export async function indicatorCatalogue(): Promise<IndicatorInfo[]> {
  let real: Record<string, unknown>[] | undefined;
  try {
    const mod = (await import("../../metrics/catalogue/index.js" as string)) as { CATALOGUE?: unknown };
    const c = mod.CATALOGUE;
    real = Array.isArray(c) ? (c as Record<string, unknown>[]) : c && typeof c === "object" ? (Object.values(c) as Record<string, unknown>[]) : undefined;
  } catch {
    real = undefined;
  }
  return INDICATOR_IDS.map((id) => {
    const base = fromFallback(id);
    const def = real?.find((d) => d.id === id);
    if (!def) return base;
    const str = (k: string) => (typeof def[k] === "string" ? (def[k] as string) : undefined);
    return {
      ...base,
      label: str("label") ?? str("name_zh") ?? str("zh") ?? base.label,
      definition: str("definition") ?? str("description") ?? base.definition,
      source: str("source") ?? str("policy") ?? base.source,
      target: str("targetText") ?? base.target,
    };
  });
}
