// What finance staff see and file: the allocation's columns (Chinese headers), its audit
// facts, and the table / CSV / JSON / XLSX renderings. Same run → same bytes (XLSX aside,
// whose zip container is compared by content).
import type { Column, ExportRow } from "../export/columns.js";
import { toCsv } from "../export/csv.js";
import { toTextTable } from "../export/table.js";
import { toXlsx } from "../export/xlsx.js";
import { FACTOR_LABELS, type AllocationConfig, type Bound, type CountyAllocation } from "./core.js";
import type { AllocationRun } from "./run.js";

export const BOUND_LABELS: Record<NonNullable<CountyAllocation["bound"]>, string> = {
  floor: "保底",
  cap: "封顶",
  change_floor: "降幅封顶",
  change_cap: "增幅封顶",
  deducted: "扣减结余",
};

export const ALLOCATION_COLUMNS: Column[] = [
  { key: "code", header: "区划代码", width: 12 },
  { key: "name", header: "县（市、区）", width: 16 },
  { key: "grade", header: "考评等级", width: 10 },
  { key: "composite", header: "综合得分", kind: "score", width: 10 },
  { key: "need", header: "救助需求（在保人数）", kind: "integer", width: 14, total: true },
  { key: "fiscal", header: "财力困难系数", kind: "decimal", digits: 4, width: 12 },
  { key: "performance", header: "绩效因素（得分−合格线）", kind: "score", width: 14 },
  { key: "need_share", header: "需求因素占比", kind: "percent", digits: 4, width: 12 },
  { key: "fiscal_share", header: "财力因素占比", kind: "percent", digits: 4, width: 12 },
  { key: "performance_share", header: "绩效因素占比", kind: "percent", digits: 4, width: 12 },
  { key: "share", header: "分配系数", kind: "percent", digits: 4, width: 12, total: true },
  { key: "before_deduction", header: "扣减前金额（元）", kind: "yuan", width: 16, total: true },
  { key: "deduction", header: "结余扣减（元）", kind: "yuan", width: 14, total: true },
  { key: "amount", header: "分配金额（元）", kind: "yuan", width: 16, total: true },
  { key: "previous", header: "上期金额（元）", kind: "yuan", width: 16, total: true },
  { key: "change", header: "增减（元）", kind: "yuan", width: 14, total: true },
  { key: "change_ratio", header: "增减幅度", kind: "percent", digits: 2, width: 10 },
  { key: "bound_label", header: "约束", width: 10 },
  { key: "excluded_reason", header: "未参与分配原因", width: 36 },
];

/** The columns that fit a terminal. */
export const ALLOCATION_TABLE_COLUMNS = ALLOCATION_COLUMNS.filter((c) =>
  ["code", "name", "grade", "composite", "share", "deduction", "amount", "change", "bound_label", "excluded_reason"].includes(c.key),
);

export function allocationRows(run: AllocationRun): ExportRow[] {
  return run.result.counties.map((c) => ({ ...c, bound_label: c.bound ? BOUND_LABELS[c.bound] : null }));
}

function describeBound(b: Bound | null): string {
  if (b === null) return "无";
  return b.kind === "absolute" ? `${b.amount} 元` : `平均额的 ${b.multiple} 倍`;
}

/** The audit facts: everything needed to reproduce the money and to notice a changed input. */
export function auditPairs(run: AllocationRun): [string, string][] {
  const c: AllocationConfig = run.config;
  const pairs: [string, string][] = [
    ["考评期", run.window],
    ["资金总额（元）", String(run.pool)],
    ["分配合计（元）", String(run.result.total)],
    ["分配单位（元）", String(c.unit)],
    ["参与分配县数", String(run.result.eligible_count)],
    ["因素权重", (["need", "fiscal", "performance"] as const).map((f) => `${FACTOR_LABELS[f]} ${c.weights[f]}`).join("；")],
    ["分配资格", c.eligibleGrades.join("、")],
    ["合格线", String(c.qualifyingLine)],
    ["保底", describeBound(c.floor)],
    ["封顶", describeBound(c.cap)],
    ["增减幅度上限", c.changeCap ? `±${c.changeCap.ratio * 100}%` : "无"],
    ["结余扣减", c.deduction ? `结余率超过 ${c.deduction.limit * 100}% 的部分 × ${c.deduction.rate}` : "无"],
    ["分配规则版本", c.version],
    ["考评指标体系版本", run.inputs.scorecardVersion],
    ["上期分配批次", run.inputs.previousRunId ?? "无"],
    ["财力困难系数年度", run.inputs.fiscalYear === null ? "无" : String(run.inputs.fiscalYear)],
    ["结余率年度", run.inputs.rolloverWindow],
    ["输入数据哈希（SHA-256）", run.input_hash],
    ["软件版本", run.software_version],
  ];
  for (const w of run.result.warnings) pairs.push(["提示", w]);
  return pairs;
}

/** A JSON rendering without run id or clock: the same inputs give the same bytes. */
export function allocationJson(run: AllocationRun): string {
  return (
    JSON.stringify(
      {
        window: run.window,
        pool: run.pool,
        total: run.result.total,
        unit: run.config.unit,
        config: run.config,
        scorecard_version: run.inputs.scorecardVersion,
        previous_run_id: run.inputs.previousRunId,
        fiscal_year: run.inputs.fiscalYear,
        rollover_window: run.inputs.rolloverWindow,
        input_hash: run.input_hash,
        software_version: run.software_version,
        warnings: run.result.warnings,
        counties: run.result.counties,
      },
      null,
      2,
    ) + "\n"
  );
}

export function allocationCsv(run: AllocationRun): string {
  return toCsv(allocationRows(run), ALLOCATION_COLUMNS, { totalLabel: "合计" });
}

export function allocationTable(run: AllocationRun): string {
  const rows = allocationRows(run);
  const sum = (k: string) => rows.reduce((a, r) => a + (typeof r[k] === "number" ? (r[k] as number) : 0), 0);
  const head = `以奖代补资金分配 ${run.window}  资金总额 ${run.pool.toLocaleString("en-US")} 元  规则 ${run.config.version}  指标体系 ${run.inputs.scorecardVersion}  输入哈希 ${run.input_hash.slice(0, 16)}\n`;
  const warn = run.result.warnings.map((w) => `提示：${w}\n`).join("");
  return (
    head +
    warn +
    toTextTable(rows, ALLOCATION_TABLE_COLUMNS, { code: "合计", share: sum("share"), deduction: sum("deduction"), amount: sum("amount"), change: sum("change") })
  );
}

export function allocationXlsx(run: AllocationRun): Promise<Uint8Array> {
  return toXlsx({
    sheets: [{ name: `资金分配 ${run.window}`, columns: ALLOCATION_COLUMNS, rows: allocationRows(run), totalLabel: "合计" }],
    audit: auditPairs(run),
  });
}
