// The indicator catalogue as the site shows it: metrics/catalogue (labels, Chinese
// definitions and formulas, units, directions, targets, policy sources) in the site's terms.
import { CATALOGUE, type IndicatorDef } from "../../metrics/catalogue/index.js";
import type { Target } from "../../metrics/config.js";
import { legendBand, type LegendBand, type LegendTarget } from "../components/legend.js";

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
  /** The target as the legend set reads it (null: no fixed target). */
  legendTarget: LegendTarget | null;
  legendBand: LegendBand;
  /** The unit in words, for axes and sparklines: %, 人, 户, 件, 工作日 … */
  unitLabel: string;
}

const UNIT_LABEL: Record<IndicatorDef["unit"], string> = {
  ratio: "%",
  working_days: "工作日",
  persons: "人",
  households: "户",
  count: "件",
  per_10k: "件/万人",
  percentage_points: "个百分点",
  county_months: "县·月",
};

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
  return {
    id: def.id,
    label: def.name.zh,
    family: FAMILY_LABEL[def.family] ?? def.family,
    unit,
    higherIsBetter: def.direction !== "lower_better",
    context: def.direction === "context",
    target: target.text,
    targetValue: target.value,
    definition: def.definition_zh,
    formula: def.formula_zh,
    source: def.source,
    cases: def.cases?.zh ?? null,
    legendTarget: def.target && def.target.value !== undefined && def.target.op !== "falling" ? { op: def.target.op, value: def.target.value } : null,
    legendBand: legendBand(def.id, unit),
    unitLabel: UNIT_LABEL[def.unit],
  };
}

/** Every indicator of the catalogue, in catalogue order. */
export async function indicatorCatalogue(): Promise<IndicatorInfo[]> {
  return CATALOGUE.map(indicatorInfo);
}
