// The 项目支出绩效自评表 of one county (or city) and year, from the marts: the configured
// indicators' year values (mart_indicator, window = the year), the budget execution
// (budget.execution_rate: executed ÷ budget of the year), points by the stated rule.
import type { Warehouse } from "../../loaders/db.js";
import { indicatorDef } from "../catalogue/index.js";
import { tableExists } from "../scorecard/store.js";
import { levelTerms } from "../terms.js";
import type { SelfEvalConfig, SelfEvalItem, SelfEvalTarget } from "./config.js";

export interface SelfEvalRow {
  level1: string;
  level2: string;
  name: string;
  indicator: string;
  target: string;
  actual: string;
  /** The figure, as in the mart (ratios 0–1), null when missing. */
  value: number | null;
  status: "ok" | "na" | "gap" | "missing";
  points: number;
  score: number;
  met: boolean | null;
  /** 未完成原因及改进措施 (or why the points are what they are). */
  note: string;
}

export interface SelfEvalForm {
  year: number;
  region: { code: string; name: string; level: "county" | "city"; parentName: string | null };
  project: string;
  department: string;
  budget: { planned: string | null; executed: string | null; rate: number | null; points: number; score: number; note: string };
  rows: SelfEvalRow[];
  /** 一级指标 → its points. */
  level1Points: Record<string, number>;
  total: number;
  grade: string;
  rules: string[];
  configVersion: string;
  dataVersion: string | null;
}

/** The rule, in the words printed under the form. */
export const SCORING_RULES = [
  "评分规则：总分 100 分，预算执行率 10 分、产出指标 50 分、效益指标 30 分、满意度指标 10 分（分值可在配置中调整）。",
  "预算执行率得分 = 分值 × min(1, 全年执行数 ÷ 全年预算数)。",
  "正向指标（≥ 指标值）：达到指标值得满分，未达到的按 分值 × 实际值 ÷ 指标值 计分；反向指标（≤ 指标值）：不超过指标值得满分，超过的按 分值 × 指标值 ÷ 实际值 计分；“= 0”类指标：为 0 得满分，否则不得分；“据实保障”类指标：有全年数据即得满分。",
  "本年度无可评价事项（不适用）的指标视同完成、得满分并注明；应报未报、数据缺失的指标不得分并注明。得分保留两位小数。",
  "自评等级：90 分（含）以上为优，80（含）至 90 分为良，60（含）至 80 分为中，60 分以下为差（财预〔2020〕10号）。",
];

const round2 = (x: number) => Math.round((x + Number.EPSILON) * 100) / 100;

function unitOf(indicator: string) {
  return indicatorDef(indicator).unit;
}

/** A figure as it is written on the form. */
export function formatFigure(value: number, indicator: string): string {
  switch (unitOf(indicator)) {
    case "ratio":
      return `${(value * 100).toFixed(2)}%`;
    case "persons":
      return `${Math.round(value).toLocaleString("en-US")} 人`;
    case "households":
      return `${Math.round(value).toLocaleString("en-US")} 户`;
    case "working_days":
      return `${value.toFixed(1)} 个工作日`;
    case "percentage_points":
      return `${value.toFixed(2)} 个百分点`;
    case "per_10k":
      return value.toFixed(2);
    default:
      return Math.round(value).toLocaleString("en-US");
  }
}

export function formatTarget(t: SelfEvalTarget, indicator: string): string {
  if (t.text) return t.text;
  if (t.op === "present") return "据实保障";
  const v = t.value ?? 0;
  const sign = t.op === ">=" ? "≥" : t.op === "<=" ? "≤" : "=";
  return `${sign}${formatFigure(v, indicator).replace(/\.00%$/, "%")}`;
}

/** Points of one indicator by the stated rule. */
export function scoreItem(item: SelfEvalItem, value: number | null, status: SelfEvalRow["status"]): { score: number; met: boolean | null; note: string } {
  const p = item.points;
  if (status === "na") return { score: p, met: null, note: "本年度无可评价事项（不适用），视同完成" };
  if (status !== "ok" || value === null) return { score: 0, met: false, note: "数据缺失（应报未报或未入库），本项不得分；请补报台账" };
  const t = item.target;
  const v = t.value ?? 0;
  const miss = (text: string) => `${text}；原因及改进措施：（请填写）`;
  switch (t.op) {
    case "present":
      return { score: p, met: true, note: "" };
    case ">=": {
      if (value >= v) return { score: p, met: true, note: "" };
      const gap = unitOf(item.indicator) === "ratio" ? `差 ${((v - value) * 100).toFixed(2)} 个百分点` : `差 ${formatFigure(v - value, item.indicator)}`;
      return { score: round2(v > 0 ? (p * value) / v : 0), met: false, note: miss(`未达到年度指标值，${gap}`) };
    }
    case "<=": {
      if (value <= v) return { score: p, met: true, note: "" };
      const over = unitOf(item.indicator) === "ratio" ? `超出 ${((value - v) * 100).toFixed(2)} 个百分点` : `超出 ${formatFigure(value - v, item.indicator)}`;
      return { score: round2(value > 0 ? (p * v) / value : 0), met: false, note: miss(`超过年度指标值，${over}`) };
    }
    case "=":
      if (value === v) return { score: p, met: true, note: "" };
      return { score: 0, met: false, note: miss(`应为 ${formatFigure(v, item.indicator)}，实际 ${formatFigure(value, item.indicator)}`) };
  }
}

export function gradeOf(total: number): string {
  return total >= 90 ? "优" : total >= 80 ? "良" : total >= 60 ? "中" : "差";
}

/** Build the form of `code` for `year` from the marts. */
export async function selfEvaluation(wh: Warehouse, code: string, year: number, config: SelfEvalConfig): Promise<SelfEvalForm> {
  if (!(await tableExists(wh, "mart_indicator"))) throw new Error("mart_indicator is not in the warehouse: run `jiuzhu compute` first");
  const window = String(year);
  const region = (
    await wh.query<{ code: string; name: string; level: string; parent: string | null }>(
      `SELECT r.code, r.name, r.level, p.name AS parent FROM dim_region r LEFT JOIN dim_region p ON p.code = r.parent_code WHERE r.code = ?`,
      [code],
    )
  )[0];
  if (!region || (region.level !== "county" && region.level !== "city")) throw new Error(`${code} is not a county or city division code`);
  const rows = await wh.query<{ indicator: string; value: number | null; numerator: unknown; denominator: unknown; status: string; data_version: string | null }>(
    `SELECT indicator, value, CAST(numerator AS VARCHAR) AS numerator, CAST(denominator AS VARCHAR) AS denominator, status, data_version
       FROM mart_indicator WHERE region_code = ? AND "window" = ?`,
    [code, window],
  );
  if (rows.length === 0) throw new Error(`no indicator figures for ${region.name}（${code}）in ${year}: compute the year first (\`jiuzhu compute --window ${year}\`)`);
  const by = new Map(rows.map((r) => [r.indicator, r]));

  const formRows: SelfEvalRow[] = config.indicators.map((item) => {
    const r = by.get(item.indicator);
    const status = (r ? r.status : "missing") as SelfEvalRow["status"];
    const value = r && r.status === "ok" && r.value !== null ? Number(r.value) : null;
    const s = scoreItem(item, value, status);
    return {
      level1: item.level1,
      level2: item.level2,
      name: item.name,
      indicator: item.indicator,
      target: formatTarget(item.target, item.indicator),
      actual: value === null ? (status === "na" ? "不适用" : "数据缺失") : formatFigure(value, item.indicator),
      value,
      status,
      points: item.points,
      score: s.score,
      met: s.met,
      note: s.note,
    };
  });

  const b = by.get("budget.execution_rate");
  const rate = b && b.status === "ok" && b.numerator !== null && b.denominator !== null && Number(b.denominator) > 0 ? Number(b.numerator) / Number(b.denominator) : null;
  const budgetScore = rate === null ? 0 : round2(config.budgetPoints * Math.min(1, rate));
  const money = (x: unknown) => (x === null || x === undefined ? null : Number(x).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  const budget = {
    planned: b ? money(b.denominator) : null,
    executed: b ? money(b.numerator) : null,
    rate,
    points: config.budgetPoints,
    score: budgetScore,
    note: rate === null ? "预算执行数据缺失，本项不得分" : rate < 1 ? `执行率 ${(rate * 100).toFixed(2)}%，未全部执行；原因及改进措施：（请填写）` : "",
  };
  const level1Points: Record<string, number> = {};
  for (const r of formRows) level1Points[r.level1] = round2((level1Points[r.level1] ?? 0) + r.points);
  const total = round2(budgetScore + formRows.reduce((a, r) => a + r.score, 0));
  const terms = levelTerms(code);
  return {
    year,
    region: { code: region.code, name: region.name, level: region.level as "county" | "city", parentName: region.parent },
    project: config.project,
    department: `${region.name}${config.department}`,
    budget,
    rows: formRows,
    level1Points,
    total,
    grade: gradeOf(total),
    rules: [...SCORING_RULES, `数据来源：救助绩效评价仓库指标集市（mart_indicator，${year} 年度窗口；${terms.county}报送台账计算），配置版本 ${config.version}。`],
    configVersion: config.version,
    dataVersion: rows.find((r) => r.data_version)?.data_version ?? null,
  };
}

/** The year of the latest December in the marts (the last complete year), or null. */
export async function latestCompleteYear(wh: Warehouse): Promise<number | null> {
  if (!(await tableExists(wh, "mart_indicator"))) return null;
  const r = await wh.query<{ y: string | null }>(`SELECT max(substr("window", 1, 4)) AS y FROM mart_indicator WHERE "window" LIKE '____-12'`);
  return r[0]?.y ? Number(r[0].y) : null;
}

/** The county (and city) codes with figures for the year. */
export async function regionsOfYear(wh: Warehouse, year: number, levels: readonly string[] = ["county"]): Promise<string[]> {
  const r = await wh.query<{ code: string }>(
    `SELECT DISTINCT region_code AS code FROM mart_indicator WHERE "window" = ? AND level IN (${levels.map(() => "?").join(", ")}) ORDER BY 1`,
    [String(year), ...levels],
  );
  return r.map((x) => x.code);
}
