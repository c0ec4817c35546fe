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
  change_floor: "降幅限制",
  change_cap: "增幅限制",
  deducted: "扣减结余",
} as const satisfies Record<string, string>;

export type BoundHitLabel = keyof typeof BOUND_LABELS;

/** Level words (metrics/terms.ts LevelTerms). */
export interface PresentTerms {
  county: string;
  countyShort: string;
  city: string;
}
const DEFAULT_PRESENT_TERMS: PresentTerms = { county: "县（市、区）", countyShort: "县区", city: "地市" };

/**
 * The columns of an allocation, in the order a row reconciles: the factor values the run
 * used (exact: need to 4 places, as computed), the share, 因素测算金额 + 约束调整 = 扣减前金额,
 * 扣减前金额 − 结余扣减 + 再分配 = 分配金额, and why (说明).
 */
export function allocationColumns(terms: PresentTerms = DEFAULT_PRESENT_TERMS, level: "county" | "city" = "county"): AllocationColumn[] {
  const cols: (AllocationColumn | false)[] = [
    { key: "code", header: "区划代码", width: 9 },
    level === "county" && { key: "city_name", header: terms.city, width: 9 },
    { key: "name", header: level === "city" ? terms.city : terms.county, width: 12 },
    { key: "grade", header: "考评等级", width: 6 },
    { key: "composite", header: "综合得分", kind: "score", digits: 2, width: 7 },
    { key: "need", header: "救助需求（月均在保人数）", kind: "decimal", digits: 4, width: 11, total: true },
    { key: "fiscal", header: "财力困难系数", kind: "decimal", digits: 4, width: 8 },
    { key: "performance", header: "绩效因素（得分−合格线）", kind: "score", digits: 2, width: 8 },
    level === "county" && { key: "rollover_balance", header: "年末结余（元）", kind: "decimal", digits: 2, width: 12 },
    level === "county" && { key: "rollover_spent", header: "全年支出（元）", kind: "decimal", digits: 2, width: 12 },
    level === "county" && { key: "rollover_ratio", header: "结余率", kind: "percent", digits: 2, width: 7 },
    { key: "share", header: "分配系数", kind: "percent", digits: 4, width: 10, total: true },
    { key: "factor_amount", header: "因素测算金额（元）", kind: "yuan", width: 12, total: true },
    { key: "bound_adjustment", header: "约束调整（元）", kind: "yuan", width: 10, total: true },
    { key: "before_deduction", header: "扣减前金额（元）", kind: "yuan", width: 12, total: true },
    { key: "deduction", header: "结余扣减（元）", kind: "yuan", width: 11, total: true },
    { key: "redistribution", header: "再分配（元）", kind: "yuan", width: 10, total: true },
    { key: "amount", header: "分配金额（元）", kind: "yuan", width: 12, total: true },
    { key: "previous", header: "上期金额（元）", kind: "yuan", width: 12, total: true },
    { key: "change", header: "增减（元）", kind: "yuan", width: 10, total: true },
    { key: "change_ratio", header: "增减幅度", kind: "percent", digits: 2, width: 7 },
    { key: "bound_label", header: "约束", width: 9 },
    { key: "note", header: "说明（未参与分配、0 元、扣减、约束）", width: 44 },
  ];
  return cols.filter((c): c is AllocationColumn => c !== false);
}

export const ALLOCATION_COLUMNS: readonly AllocationColumn[] = allocationColumns();

/** The columns that fit a terminal. */
export const ALLOCATION_TABLE_COLUMNS: readonly AllocationColumn[] = ALLOCATION_COLUMNS.filter((c) =>
  ["code", "name", "grade", "composite", "share", "before_deduction", "deduction", "redistribution", "amount", "change", "bound_label", "note"].includes(c.key),
);

/** The rows with the constraint in words (`bound_label`) and the city's name (`city_name`, two-level). */
export function allocationRows(
  counties: readonly { bound: BoundHitLabel | null; city_code?: string | null }[],
  cityNames: Readonly<Record<string, string>> = {},
): Record<string, unknown>[] {
  return counties.map((c) => ({
    ...c,
    bound_label: c.bound ? BOUND_LABELS[c.bound] : null,
    city_name: c.city_code ? (cityNames[c.city_code] ?? c.city_code) : null,
  }));
}

/** Σ of a column over the rows (whole yuan stay exact: safe integers). */
export function columnTotal(rows: readonly Record<string, unknown>[], key: string): number {
  return rows.reduce<number>((a, r) => a + (typeof r[key] === "number" && Number.isFinite(r[key]) ? (r[key] as number) : 0), 0);
}

/** The rows that do not reconcile (must be none): 测算 + 调整 = 扣减前, 扣减前 − 扣减 + 再分配 = 分配. */
export function unreconciled(rows: readonly Record<string, unknown>[]): string[] {
  const n = (r: Record<string, unknown>, k: string) => Number(r[k] ?? 0);
  return rows
    .filter((r) => n(r, "factor_amount") + n(r, "bound_adjustment") !== n(r, "before_deduction") || n(r, "before_deduction") - n(r, "deduction") + n(r, "redistribution") !== n(r, "amount"))
    .map((r) => String(r.code));
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
  /** Two-level runs: the cities' scores (a county-level run's document has neither key). */
  cities?: readonly { code: string }[];
}

/** Everything the money depends on, as canonical JSON: hashed (SHA-256) and kept with the run. */
export function canonicalInputs(window: string, pool: number, config: unknown, inputs: InputsFacts, level: "county" | "city" = "county"): string {
  return canonicalJson({
    ...(level === "city" ? { level, cities: [...(inputs.cities ?? [])].sort((a, b) => (a.code < b.code ? -1 : 1)) } : {}),
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
  /** county (default) or city (two-level). */
  level?: "county" | "city";
  /** Level words of the province. */
  terms?: PresentTerms;
  /** Pairs stated after the software version, before the warnings (e.g. where it was computed). */
  extra?: readonly [string, string][];
}

function describeBound(b: BoundRule | null): string {
  if (b === null) return "无";
  return b.kind === "absolute" ? `${b.amount} 元` : `平均额的 ${b.multiple} 倍`;
}

/** A number as people write it (1.1, not 1.0999999999999999). */
function num(x: number): string {
  return String(Number(x.toPrecision(12)));
}

/** The rules in words and formulas: what anyone holding the table needs to recompute every yuan. */
export function formulaPairs(c: AuditFacts["config"], terms: PresentTerms = DEFAULT_PRESENT_TERMS, level: "county" | "city" = "county"): [string, string][] {
  const w = c.weights;
  const out: [string, string][] = [
    ["计算方法", "全部按精确有理数计算：表中每个因素值按其书写的十进制数取值（如 380.6667 即 3806667/10000），不经浮点舍入；金额以分配单位为整数。"],
    ["公式 1 因素值", `需求 x₁ = 救助需求（月均在保人数，= 各月在保人数之和 ÷ 月数，四舍五入保留 4 位小数）；财力 x₂ = 财力困难系数；绩效 x₃ = max(0, 综合得分 − 合格线 ${num(c.qualifyingLine)})。`],
    ["公式 2 分配系数", `分配系数ᵢ = ${num(w.need)} × x₁ᵢ/Σx₁ + ${num(w.fiscal)} × x₂ᵢ/Σx₂ + ${num(w.performance)} × x₃ᵢ/Σx₃（Σ 取参与分配的${terms.countyShort}；某因素全为 0 时按平均 1/参与数）。`],
    ["公式 3 因素测算金额", "因素测算金额ᵢ = 资金总额 × 分配系数ᵢ，按分配单位取整：先全部向下取整，余下的单位依次给余数最大者（余数相同：分配系数大者优先，再按区划代码从小到大）。"],
    [
      "公式 4 约束",
      `下限ᵢ = max(保底, 上期 × (1 − 增减幅度上限))，向下取整；上限ᵢ = min(封顶, 上期 × (1 + 增减幅度上限))，向上取整（增减幅度只对上期金额大于 0 者适用；倍数型保底封顶以平均额 = 资金总额 ÷ 参与数 为基数）。按分配系数比例分配资金总额，超出上限或低于下限者固定在界限上，其余资金在其余${terms.countyShort}间按分配系数重新分配，直至稳定；再按公式 3 的最大余数法取整得到扣减前金额。约束调整 = 扣减前金额 − 因素测算金额。下限之和超过资金总额或上限之和不足资金总额时不予分配，并报告缺口。`,
    ],
    [
      "公式 5 结余扣减",
      c.deduction
        ? `应扣额ᵢ = ${num(c.deduction.rate)} × (年末结余ᵢ − ${num(c.deduction.limit)} × 全年支出ᵢ)，大于 0 时四舍五入到分配单位、以扣减前金额为限扣减（结余率 = 年末结余 ÷ 全年支出 超过 ${num(c.deduction.limit * 100)}% 者）。扣减总额按分配系数比例、在各自上限以内再分配给其余${terms.countyShort}，取整同公式 3。`
        : "本次未设结余扣减。",
    ],
    ["核对关系", "每行：因素测算金额 + 约束调整 = 扣减前金额；扣减前金额 − 结余扣减 + 再分配 = 分配金额。合计：分配金额之和 = 资金总额，约束调整之和 = 0，结余扣减之和 = 再分配之和。"],
  ];
  if (level === "city")
    out.push([
      "两级分配",
      `第一级：资金总额按同样的因素在${terms.city}间分配，${terms.city}的需求、财力为其参与分配的${terms.countyShort}之和，绩效为${terms.city}综合得分 − 合格线；第一级不设保底、封顶、增减幅度和结余扣减。第二级：各${terms.city}所得金额按公式 2–5 在其${terms.countyShort}间分配。两级均精确到分配单位。`,
    ]);
  return out;
}

/** The audit facts: everything needed to reproduce the money and to notice a changed input. */
export function auditPairs(f: AuditFacts): [string, string][] {
  const c = f.config;
  const level = f.level ?? "county";
  const pairs: [string, string][] = [
    ["考评期", f.window],
    ["分配层级", level === "city" ? `两级分配（先${f.terms?.city ?? "地市"}，后${f.terms?.countyShort ?? "县区"}）` : `直接分配到${f.terms?.countyShort ?? "县区"}`],
    ["资金总额（元）", String(f.pool)],
    ["分配合计（元）", String(f.total)],
    ["分配合计等于资金总额", f.total === f.pool ? "是" : "否"],
    ["分配单位（元）", String(c.unit)],
    [`参与分配${f.terms?.countyShort ?? "县区"}数`, String(f.eligibleCount)],
    ["因素权重", (["need", "fiscal", "performance"] as const).map((k) => `${f.factorLabels[k]} ${num(c.weights[k])}`).join("；")],
    ["分配资格", c.eligibleGrades.join("、")],
    ["合格线", num(c.qualifyingLine)],
    ["保底", describeBound(c.floor)],
    ["封顶", describeBound(c.cap)],
    ["增减幅度上限", c.changeCap ? `±${num(c.changeCap.ratio * 100)}%` : "无"],
    ["结余扣减", c.deduction ? `结余率超过 ${num(c.deduction.limit * 100)}% 的部分 × ${num(c.deduction.rate)}` : "无"],
    ["分配规则版本", c.version],
    ["考评指标体系版本", f.scorecardVersion],
    ["上期分配批次", f.previousRunId ?? "无"],
    ["财力困难系数年度", f.fiscalYear === null ? "无" : String(f.fiscalYear)],
    ["结余率年度", f.rolloverWindow],
    ["输入数据哈希（SHA-256）", f.inputHash],
    ["软件版本", f.softwareVersion],
    ...(f.extra ?? []),
    ...formulaPairs(c, f.terms, level),
  ];
  for (const w of f.warnings) pairs.push(["提示", w]);
  return pairs;
}

/** The county sheet's columns: two-level runs add the city and state the share within the city. */
export function countyColumnsFor(terms: PresentTerms, level: "county" | "city"): AllocationColumn[] {
  const cols = allocationColumns(terms, "county");
  // Two-level: a county's share is of its city's amount, so the shares add up per city, not overall.
  return level === "city"
    ? cols.map((c) => (c.key === "share" ? { ...c, header: `分配系数（${terms.city}内）`, total: false } : c))
    : cols.filter((c) => c.key !== "city_name");
}

/** What a workbook of the run holds (metrics/export/xlsx.ts XlsxDocument), built alike by the CLI and the page. */
export interface AllocationWorkbookFacts {
  window: string;
  pool: number;
  level: "county" | "city";
  terms: PresentTerms;
  counties: readonly { bound: BoundHitLabel | null; city_code?: string | null; code: string; name: string }[];
  cities?: readonly { bound: BoundHitLabel | null; code: string; name: string }[];
  audit: [string, string][];
}

export function allocationWorkbook(f: AllocationWorkbookFacts) {
  const t = f.terms;
  const names = Object.fromEntries((f.cities ?? []).map((c) => [c.code, c.name]));
  const money = f.pool.toLocaleString("en-US");
  const title = (what: string) => `以奖代补资金分配表（${what}）  考评期 ${f.window}  资金总额 ${money} 元`;
  const sheets = [
    ...(f.level === "city"
      ? [{ name: `${t.city}分配 ${f.window}`, title: title(`第一级：${t.city}`), columns: allocationColumns(t, "city"), rows: allocationRows(f.cities ?? []), totalLabel: "合计", wrap: ["note"], frozenColumns: 2 }]
      : []),
    {
      name: `资金分配 ${f.window}`,
      title: title(f.level === "city" ? `第二级：${t.countyShort}` : t.countyShort),
      columns: countyColumnsFor(t, f.level),
      rows: allocationRows(f.counties, names),
      totalLabel: "合计",
      wrap: ["note"],
      frozenColumns: f.level === "city" ? 3 : 2,
    },
  ];
  return { sheets, audit: f.audit, auditTitle: `审计信息  考评期 ${f.window}  资金总额 ${money} 元` };
}

/** The columns of the audit CSV (`…-audit.csv`). */
export const AUDIT_COLUMNS: readonly AllocationColumn[] = [
  { key: "k", header: "项目" },
  { key: "v", header: "内容" },
];
export const auditRows = (pairs: readonly [string, string][]) => pairs.map(([k, v]) => ({ k, v }));
