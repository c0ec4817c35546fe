// What finance staff see of an allocation, shared by the CLI exports (report.ts, run.ts)
// and the allocation page: the columns with their Chinese headers, the constraint labels,
// the audit facts and the canonical JSON the input hash is taken of. Browser-safe and
// free of imports: the site links this file (src/_metrics/allocation/present.ts), where
// its siblings are not, so the types below restate structurally what core.ts defines.

export type AllocationColumnKind = "text" | "integer" | "yuan" | "decimal" | "percent" | "score";

export interface AllocationColumn {
  /** Property of a county's row (CountyAllocation, plus `bound_label`). */
  key: string;
  /** Header shown to finance staff. */
  header: string;
  kind?: AllocationColumnKind;
  digits?: number;
  /** Summed in the total row. */
  total?: boolean;
  /** Width in characters (XLSX). */
  width?: number;
}

export const BOUND_LABELS = {
  floor: "保底",
  cap: "封顶",
  change_floor: "降幅封顶",
  change_cap: "增幅封顶",
  deducted: "扣减结余",
} as const satisfies Record<string, string>;

export type BoundHitLabel = keyof typeof BOUND_LABELS;

export const ALLOCATION_COLUMNS: readonly AllocationColumn[] = [
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
export const ALLOCATION_TABLE_COLUMNS: readonly AllocationColumn[] = ALLOCATION_COLUMNS.filter((c) =>
  ["code", "name", "grade", "composite", "share", "deduction", "amount", "change", "bound_label", "excluded_reason"].includes(c.key),
);

/** The counties' rows with the constraint in words (`bound_label`). */
export function allocationRows(counties: readonly { bound: BoundHitLabel | null }[]): Record<string, unknown>[] {
  return counties.map((c) => ({ ...c, bound_label: c.bound ? BOUND_LABELS[c.bound] : null }));
}

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The inputs the money depends on, as allocation runs carry them (run.ts AllocationInputs). */
export interface InputsFacts {
  scorecardVersion: string;
  previousRunId: string | null;
  counties: readonly { code: string }[];
}

/** Everything the money depends on, as canonical JSON: hashed (SHA-256) and kept with the run. */
export function canonicalInputs(window: string, pool: number, config: unknown, inputs: InputsFacts): string {
  return canonicalJson({
    window,
    pool,
    config,
    scorecard_version: inputs.scorecardVersion,
    previous_run_id: inputs.previousRunId,
    counties: [...inputs.counties].sort((a, b) => (a.code < b.code ? -1 : 1)),
  });
}

type BoundRule = { kind: "absolute"; amount: number } | { kind: "equal_share_multiple"; multiple: number };

/** What the audit sheet states of a run (core.ts AllocationConfig and AllocationResult, run.ts AllocationInputs). */
export interface AuditFacts {
  window: string;
  pool: number;
  total: number;
  eligibleCount: number;
  config: {
    unit: number;
    weights: Readonly<Record<"need" | "fiscal" | "performance", number>>;
    eligibleGrades: readonly string[];
    qualifyingLine: number;
    floor: BoundRule | null;
    cap: BoundRule | null;
    changeCap: { ratio: number } | null;
    deduction: { limit: number; rate: number } | null;
    version: string;
  };
  /** core.ts FACTOR_LABELS. */
  factorLabels: Readonly<Record<"need" | "fiscal" | "performance", string>>;
  scorecardVersion: string;
  previousRunId: string | null;
  fiscalYear: number | null;
  rolloverWindow: string;
  inputHash: string;
  softwareVersion: string;
  warnings: readonly string[];
  /** Pairs stated after the software version, before the warnings (e.g. where it was computed). */
  extra?: readonly [string, string][];
}

function describeBound(b: BoundRule | null): string {
  if (b === null) return "无";
  return b.kind === "absolute" ? `${b.amount} 元` : `平均额的 ${b.multiple} 倍`;
}

/** The audit facts: everything needed to reproduce the money and to notice a changed input. */
export function auditPairs(f: AuditFacts): [string, string][] {
  const c = f.config;
  const pairs: [string, string][] = [
    ["考评期", f.window],
    ["资金总额（元）", String(f.pool)],
    ["分配合计（元）", String(f.total)],
    ["分配单位（元）", String(c.unit)],
    ["参与分配县数", String(f.eligibleCount)],
    ["因素权重", (["need", "fiscal", "performance"] as const).map((k) => `${f.factorLabels[k]} ${c.weights[k]}`).join("；")],
    ["分配资格", c.eligibleGrades.join("、")],
    ["合格线", String(c.qualifyingLine)],
    ["保底", describeBound(c.floor)],
    ["封顶", describeBound(c.cap)],
    ["增减幅度上限", c.changeCap ? `±${c.changeCap.ratio * 100}%` : "无"],
    ["结余扣减", c.deduction ? `结余率超过 ${c.deduction.limit * 100}% 的部分 × ${c.deduction.rate}` : "无"],
    ["分配规则版本", c.version],
    ["考评指标体系版本", f.scorecardVersion],
    ["上期分配批次", f.previousRunId ?? "无"],
    ["财力困难系数年度", f.fiscalYear === null ? "无" : String(f.fiscalYear)],
    ["结余率年度", f.rolloverWindow],
    ["输入数据哈希（SHA-256）", f.inputHash],
    ["软件版本", f.softwareVersion],
    ...(f.extra ?? []),
  ];
  for (const w of f.warnings) pairs.push(["提示", w]);
  return pairs;
}
