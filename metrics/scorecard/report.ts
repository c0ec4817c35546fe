// Renderings of the scorecard for `jiuzhu score`: the ranked table and one region's decomposition.
import type { Warehouse } from "../../loaders/db.js";
import type { Column, ExportRow } from "../export/columns.js";
import { toCsv } from "../export/csv.js";
import { toTextTable } from "../export/table.js";
import { indicatorDef, isIndicatorId } from "../catalogue/index.js";
import type { ScorecardConfig } from "./config.js";

export interface ScoreRow extends ExportRow {
  rank: number | null;
  rank_change: number | null;
  region_code: string;
  region_name: string;
  level: string;
  window: string;
  composite: number | null;
  grade: string | null;
  dimensions: Record<string, number | null>;
  na_indicators: string[];
  gaps: string[];
  funnel_outside: string[];
  config_version: string;
}

export async function readScores(wh: Warehouse, window: string, level: string): Promise<ScoreRow[]> {
  const rows = await wh.query<{
    rank: number | null;
    rank_change: number | null;
    region_code: string;
    region_name: string;
    level: string;
    window: string;
    composite: number | null;
    grade: string | null;
    dimension_scores: string;
    na_indicators: string[];
    gaps: string[];
    funnel_outside: string[];
    config_version: string;
  }>(
    `SELECT rank, rank_change, region_code, region_name, level, "window", composite, grade, dimension_scores,
            na_indicators, gaps, funnel_outside, config_version
       FROM mart_score WHERE "window" = ? AND level = ? ORDER BY rank NULLS LAST, region_code`,
    [window, level],
  );
  return rows.map(({ dimension_scores, ...r }) => ({
    ...r,
    na_indicators: [...(r.na_indicators ?? [])],
    gaps: [...(r.gaps ?? [])],
    funnel_outside: [...(r.funnel_outside ?? [])],
    dimensions: JSON.parse(dimension_scores) as Record<string, number | null>,
  }));
}

export function scoreColumns(cfg: ScorecardConfig): Column[] {
  return [
    { key: "rank", header: "排名", kind: "integer" },
    { key: "rank_change_text", header: "名次变化" },
    { key: "region_code", header: "区划代码" },
    { key: "region_name", header: "名称" },
    { key: "composite", header: "综合得分", kind: "score" },
    { key: "grade", header: "等级" },
    ...cfg.dimensions.map((d) => ({ key: `dim_${d.id}`, header: `${d.label}（${d.weight}）`, kind: "score" as const })),
    { key: "na_text", header: "不适用指标" },
    { key: "gap_text", header: "数据缺口" },
    { key: "funnel_text", header: "超出控制限" },
  ];
}

function changeText(c: number | null): string {
  if (c === null) return "—";
  return c > 0 ? `↑${c}` : c < 0 ? `↓${-c}` : "0";
}

export function flattenScores(rows: readonly ScoreRow[], cfg: ScorecardConfig): ExportRow[] {
  return rows.map((r) => ({
    ...r,
    rank_change_text: changeText(r.rank_change),
    ...Object.fromEntries(cfg.dimensions.map((d) => [`dim_${d.id}`, r.dimensions[d.id] ?? null])),
    na_text: r.na_indicators.length ? r.na_indicators.join(" ") : "",
    gap_text: r.gaps.length ? r.gaps.join(" ") : "",
    funnel_text: r.funnel_outside.join(" "),
  }));
}

export function scoresTable(rows: readonly ScoreRow[], cfg: ScorecardConfig, window: string, level: string): string {
  const head = `绩效考评 ${window}（${level === "city" ? "盟市" : "旗县区"}）  指标体系 ${cfg.version}  共 ${rows.length} 个\n`;
  const cols = scoreColumns(cfg);
  const flat = flattenScores(rows, cfg).map((r) => ({
    ...r,
    na_text: (r.na_indicators as string[]).length || "",
    gap_text: (r.gaps as string[]).length || "",
    funnel_text: (r.funnel_outside as string[]).length || "",
  }));
  return head + toTextTable(flat, cols) + "（不适用指标、数据缺口、超出控制限为个数；明细见 --format json 或 --detail 区划代码）\n";
}

export function scoresCsv(rows: readonly ScoreRow[], cfg: ScorecardConfig): string {
  return toCsv(flattenScores(rows, cfg), scoreColumns(cfg));
}

export function scoresJson(rows: readonly ScoreRow[]): string {
  return JSON.stringify(rows, null, 2) + "\n";
}

export const DETAIL_COLUMNS: Column[] = [
  { key: "dimension_label", header: "维度" },
  { key: "indicator", header: "指标" },
  { key: "indicator_name", header: "指标名称" },
  { key: "value", header: "指标值", kind: "decimal", digits: 4 },
  { key: "status_text", header: "状态" },
  { key: "points", header: "指标得分", kind: "score" },
  { key: "weight_effective", header: "实际权重", kind: "score" },
  { key: "points_contributed", header: "得分", kind: "score" },
  { key: "points_lost", header: "失分", kind: "score" },
  { key: "funnel_text", header: "控制限" },
];

export const FUNNEL_TEXT: Record<string, string> = {
  within: "限内",
  above_95: "高于95%限",
  above_998: "高于99.8%限",
  below_95: "低于95%限",
  below_998: "低于99.8%限",
};

const STATUS_TEXT: Record<string, string> = { scored: "计分", na: "不适用", gap: "数据缺口", not_in_window: "本期不考核" };

/** One region's decomposition: what each indicator added and what it cost. */
export async function readDetail(wh: Warehouse, window: string, level: string, code: string, cfg: ScorecardConfig): Promise<ExportRow[]> {
  const labels = new Map(cfg.dimensions.map((d) => [d.id, d.label]));
  const rows = await wh.query(
    `SELECT dimension, indicator, value, status, points, weight_effective, points_contributed, points_lost, funnel_flag
       FROM mart_score_detail WHERE "window" = ? AND level = ? AND region_code = ? ORDER BY points_lost DESC, indicator`,
    [window, level, code],
  );
  return rows.map((r) => ({
    ...r,
    dimension_label: labels.get(String(r.dimension)) ?? r.dimension,
    indicator_name: isIndicatorId(String(r.indicator)) ? indicatorDef(String(r.indicator)).name.zh : "",
    status_text: STATUS_TEXT[String(r.status)] ?? r.status,
    funnel_text: r.funnel_flag === null ? "" : (FUNNEL_TEXT[String(r.funnel_flag)] ?? r.funnel_flag),
  }));
}

export function detailTable(rows: readonly ExportRow[], score: ScoreRow | undefined): string {
  const head = score
    ? `${score.region_name}（${score.region_code}）${score.window}  综合得分 ${score.composite?.toFixed(2) ?? "—"}  ${score.grade ?? ""}  排名 ${score.rank ?? "—"}\n`
    : "";
  return head + toTextTable(rows, DETAIL_COLUMNS);
}
