// The one dictionary of extract types: canonical names, Chinese labels, aliases,
// kinds and rules from ../shared/spec/extracts.md. Contracts (zod), the demo
// generator and the site pages all read from here, so they cannot drift apart.

export type FieldKind =
  | "text" // free text, trimmed
  | "int" // integer
  | "decimal" // exact decimal (not money), e.g. a 0–1 coefficient
  | "money" // yuan, at most 2 decimals, stored as DECIMAL(18,2)
  | "date" // calendar date
  | "month" // reporting month YYYY-MM
  | "bool" // 是/否, Y/N, 1/0, true/false, √/×
  | "id" // 18-character resident ID number
  | "region" // 12-, 9- or 6-digit division code present in the region dimension
  | "county" // 6-digit county code present in the region dimension
  | "enum"; // one of `values` (code or Chinese label)

export interface EnumValue {
  code: string;
  label: string;
  aliases?: readonly string[];
}

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  /** Whether the column must be present in the file header. */
  required: boolean;
  /** Whether an empty cell is allowed (column present, value missing). */
  nullable: boolean;
  aliases?: readonly string[];
  values?: readonly EnumValue[];
  min?: number;
  max?: number;
  /** Personal data: never published, masked in case lists. */
  personal?: "id" | "name";
  note?: string;
}

export type ExtractType =
  | "regions"
  | "county_profile"
  | "standards"
  | "applications"
  | "roster"
  | "payments"
  | "funds"
  | "complaints"
  | "surveys"
  | "inspections";

export type Cadence = "reference" | "yearly" | "monthly" | "events";

export interface ExtractDef {
  type: ExtractType;
  label: string;
  cadence: Cadence;
  /** Field holding the reporting month for monthly snapshots. */
  periodField?: string;
  /** Field holding the event date for event extracts (their month is the delivery period). */
  eventDateField?: string;
  /** Field the county is derived from. */
  countyField?: string;
  /** Business key of one row within a county (used for re-delivered event extracts). */
  key?: readonly string[];
  /**
   * Reference extracts: a later delivery replaces the rows of the keys it holds, not
   * the whole extract (a file of one county's standards leaves the others' as they were).
   */
  supersedeKey?: readonly string[];
  fields: readonly FieldDef[];
}

export const PROGRAMS: readonly EnumValue[] = [
  { code: "urban_dibao", label: "城市低保", aliases: ["城市最低生活保障"] },
  { code: "rural_dibao", label: "农村低保", aliases: ["农村最低生活保障"] },
  { code: "tekun", label: "特困人员救助供养", aliases: ["特困", "特困供养", "特困人员"] },
  { code: "linshi", label: "临时救助" },
];

export type Program = "urban_dibao" | "rural_dibao" | "tekun" | "linshi";

const f = (
  name: string,
  label: string,
  kind: FieldKind,
  extra: Partial<Omit<FieldDef, "name" | "label" | "kind">> = {},
): FieldDef => ({ name, label, kind, required: true, nullable: false, ...extra });

const optional = { nullable: true } as const;
const program = (extra: Partial<FieldDef> = {}) =>
  f("program", "救助类别", "enum", { values: PROGRAMS, aliases: ["保障类别", "救助类型"], ...extra });

export const EXTRACTS: readonly ExtractDef[] = [
  {
    type: "regions",
    label: "行政区划",
    cadence: "reference",
    fields: [
      f("code", "区划代码", "text", { aliases: ["统计用区划代码"] }),
      f("name", "名称", "text", { aliases: ["区划名称"] }),
      f("parent_code", "上级代码", "text", { nullable: true, aliases: ["上级区划代码"] }),
    ],
  },
  {
    type: "county_profile",
    supersedeKey: ["county_code", "year"],
    label: "区县基本情况",
    cadence: "yearly",
    countyField: "county_code",
    fields: [
      f("year", "年度", "int", { min: 2000, max: 2100 }),
      f("county_code", "区县代码", "county", { aliases: ["县级区划代码"] }),
      f("resident_population", "常住人口", "int", { min: 1, aliases: ["常住人口数", "常住人口(人)"] }),
      f("low_income_population", "监测低收入人口数", "int", { min: 0, aliases: ["低收入人口数"] }),
      f("fiscal_difficulty", "财力困难系数", "decimal", { min: 0, max: 1 }),
    ],
  },
  {
    type: "standards",
    label: "保障标准",
    cadence: "reference",
    countyField: "county_code",
    supersedeKey: ["county_code", "program", "effective_from"],
    fields: [
      f("county_code", "区县代码", "county"),
      program(),
      f("effective_from", "执行月份", "month", { aliases: ["执行时间", "起始月份"] }),
      f("standard", "保障标准(元/人/月)", "money", { min: 0, aliases: ["保障标准"] }),
      f("guideline", "省级指导标准(元/人/月)", "money", { min: 0, aliases: ["省级指导标准"] }),
    ],
  },
  {
    type: "applications",
    label: "申请审核确认台账",
    cadence: "events",
    eventDateField: "applied_on",
    countyField: "region_code",
    key: ["application_id"],
    fields: [
      f("application_id", "申请编号", "text", { aliases: ["业务编号"] }),
      program(),
      f("region_code", "区划代码", "region"),
      f("applicant_id", "申请人身份证号", "id", { personal: "id" }),
      f("household_size", "家庭人口数", "int", { min: 1 }),
      f("applied_on", "申请日期", "date"),
      f("accepted_on", "受理日期", "date", { ...optional, note: "≥ applied_on; required unless pending" }),
      f("extended", "是否延期审批", "bool", { ...optional, note: "special cases may take 45 working days" }),
      f("investigated_on", "入户调查日期", "date", { ...optional, note: "empty = no home visit" }),
      f("appraised_on", "民主评议日期", "date", optional),
      f("reviewed_on", "乡镇审核日期", "date", optional),
      f("publicity_from", "公示开始日期", "date", optional),
      f("publicity_to", "公示结束日期", "date", { ...optional, note: "≥ publicity_from" }),
      f("county_checked", "县级入户抽查", "bool"),
      f("decided_on", "审批确认日期", "date", { ...optional, aliases: ["审批日期"], note: "≥ applied_on; empty while pending" }),
      f("decision", "审批结果", "enum", {
        values: [
          { code: "approved", label: "批准", aliases: ["同意", "通过"] },
          { code: "rejected", label: "不予批准", aliases: ["不同意", "不批准"] },
          { code: "withdrawn", label: "撤回", aliases: ["撤销申请"] },
          { code: "pending", label: "审核中", aliases: ["办理中"] },
        ],
      }),
      f("granted_benefit", "核定月保障金额", "money", { ...optional, min: 0 }),
    ],
  },
  {
    type: "roster",
    label: "在保对象花名册",
    cadence: "monthly",
    periodField: "period",
    countyField: "region_code",
    fields: [
      f("period", "统计月份", "month"),
      program(),
      f("household_id", "家庭编号", "text", { aliases: ["户编号"] }),
      f("region_code", "区划代码", "region"),
      f("person_id", "身份证号", "id", { personal: "id", aliases: ["公民身份号码"] }),
      f("person_name", "姓名", "text", { personal: "name" }),
      f("relation", "与户主关系", "enum", {
        values: [
          { code: "head", label: "户主", aliases: ["本人"] },
          { code: "spouse", label: "配偶" },
          { code: "child", label: "子女", aliases: ["子", "女"] },
          { code: "parent", label: "父母", aliases: ["父亲", "母亲"] },
          { code: "other", label: "其他" },
        ],
      }),
      f("household_size", "家庭人口数", "int", { min: 1 }),
      f("covered_size", "保障人数", "int", { min: 1, aliases: ["保障人口数"] }),
      f("per_capita_income", "家庭月人均收入", "money", { min: 0 }),
      f("monthly_benefit", "月保障金额", "money", { min: 0, aliases: ["保障金额（元）", "保障金额", "月保障金"] }),
      f("approved_on", "批准日期", "date"),
      f("category", "分类类别", "enum", {
        values: [
          { code: "A", label: "A类", aliases: ["重病重残收入稳定", "A"] },
          { code: "B", label: "B类", aliases: ["基本稳定", "B"] },
          { code: "C", label: "C类", aliases: ["收入不固定有劳动能力", "C"] },
          { code: "full_self_care", label: "全自理" },
          { code: "partial_care", label: "半护理" },
          { code: "full_care", label: "全护理" },
        ],
      }),
      f("care_mode", "供养方式", "enum", {
        ...optional,
        required: false,
        values: [
          { code: "centralized", label: "集中", aliases: ["集中供养"] },
          { code: "dispersed", label: "分散", aliases: ["分散供养"] },
        ],
        note: "特困 only",
      }),
      f("last_review_on", "最近复核日期", "date", optional),
      f("cadre_relative", "是否经办人员或村(居)干部近亲属", "bool", { aliases: ["是否近亲属"] }),
      f("relative_filed", "近亲属是否备案", "bool", { aliases: ["是否备案"] }),
    ],
  },
  {
    type: "payments",
    label: "资金发放明细",
    cadence: "monthly",
    periodField: "period",
    countyField: "region_code",
    fields: [
      f("period", "发放月份", "month"),
      program(),
      f("household_id", "家庭编号", "text", { aliases: ["户编号"] }),
      f("region_code", "区划代码", "region"),
      f("payee_id", "领取人身份证号", "id", { personal: "id" }),
      f("amount", "发放金额", "money", { min: 0.01, aliases: ["发放金额(元)", "实发金额"] }),
      f("paid_on", "发放日期", "date"),
      f("channel", "发放方式", "enum", {
        values: [
          { code: "bank", label: "社会化发放", aliases: ["银行", "银行代发", "一卡通"] },
          { code: "cash", label: "现金" },
          { code: "in_kind", label: "实物" },
        ],
      }),
      f("proxy", "是否代领", "bool"),
      f("proxy_id", "代领人身份证号", "id", { ...optional, personal: "id", note: "required when proxy" }),
      f("proxy_is_staff", "代领人是否为工作人员或村干部", "bool"),
      f("proxy_filed", "代领是否备案", "bool"),
    ],
  },
  {
    type: "funds",
    label: "资金预算执行",
    cadence: "monthly",
    periodField: "period",
    countyField: "county_code",
    fields: [
      f("period", "统计月份", "month"),
      f("county_code", "区县代码", "county"),
      program(),
      f("source", "资金来源", "enum", {
        values: [
          { code: "central", label: "中央", aliases: ["中央资金"] },
          { code: "provincial", label: "省级", aliases: ["省级资金"] },
          { code: "municipal", label: "市级", aliases: ["市级资金"] },
          { code: "county", label: "县级", aliases: ["县级资金"] },
        ],
      }),
      f("budget", "年度预算", "money", { min: 0, aliases: ["年度预算(元)"] }),
      f("carried_in", "上年结转", "money", { min: 0, aliases: ["上年结转(元)"] }),
      f("received", "累计到位", "money", { min: 0, aliases: ["累计到位(元)", "到位资金"] }),
      f("spent", "累计支出", "money", { min: 0, aliases: ["累计支出(元)"], note: "never above carried_in + received" }),
    ],
  },
  {
    type: "complaints",
    label: "投诉举报与信访",
    cadence: "events",
    eventDateField: "received_on",
    countyField: "region_code",
    key: ["complaint_id"],
    fields: [
      f("complaint_id", "投诉编号", "text"),
      f("region_code", "区划代码", "region"),
      program({ nullable: true }),
      f("received_on", "受理日期", "date"),
      f("channel", "渠道", "enum", {
        values: [
          { code: "hotline", label: "热线", aliases: ["12345热线"] },
          { code: "letter", label: "来信" },
          { code: "visit", label: "来访" },
          { code: "online", label: "网络" },
          { code: "media", label: "媒体" },
          { code: "referral", label: "上级交办" },
        ],
      }),
      f("category", "问题类别", "enum", {
        values: [
          { code: "wrong_inclusion", label: "错保" },
          { code: "omission", label: "漏保" },
          { code: "fraud", label: "骗保" },
          { code: "favoritism", label: "优亲厚友" },
          { code: "payment", label: "资金发放" },
          { code: "conduct", label: "工作作风" },
          { code: "other", label: "其他" },
        ],
      }),
      f("closed_on", "办结日期", "date", { ...optional, note: "≥ received_on" }),
      f("finding", "核查结论", "enum", {
        values: [
          { code: "substantiated", label: "属实" },
          { code: "partly", label: "部分属实" },
          { code: "unfounded", label: "不属实" },
          { code: "pending", label: "核查中" },
        ],
      }),
      f("repeat", "是否重复投诉", "bool"),
    ],
  },
  {
    type: "surveys",
    label: "满意度与政策知晓率调查",
    cadence: "events",
    eventDateField: "surveyed_on",
    countyField: "region_code",
    key: ["response_id"],
    fields: [
      f("response_id", "问卷编号", "text"),
      f("surveyed_on", "调查日期", "date"),
      f("region_code", "区划代码", "region"),
      f("respondent", "受访者类型", "enum", {
        values: [
          { code: "recipient", label: "救助对象" },
          { code: "resident", label: "群众" },
        ],
      }),
      f("satisfaction", "满意度", "enum", {
        values: [
          { code: "very_satisfied", label: "非常满意" },
          { code: "satisfied", label: "满意" },
          { code: "fairly_satisfied", label: "基本满意" },
          { code: "dissatisfied", label: "不满意" },
          { code: "very_dissatisfied", label: "非常不满意" },
        ],
      }),
      f("awareness", "政策知晓", "enum", {
        aliases: ["政策知晓情况"],
        values: [
          { code: "aware", label: "知晓" },
          { code: "partly_aware", label: "部分知晓" },
          { code: "unaware", label: "不知晓" },
        ],
      }),
    ],
  },
  {
    type: "inspections",
    label: "监督检查与抽查",
    cadence: "events",
    eventDateField: "inspected_on",
    countyField: "region_code",
    key: ["inspection_id"],
    fields: [
      f("inspection_id", "检查编号", "text"),
      f("inspected_on", "检查日期", "date"),
      f("level", "检查层级", "enum", {
        values: [
          { code: "province", label: "省级抽查" },
          { code: "city", label: "市级巡查" },
          { code: "county", label: "县级自查" },
          { code: "third_party", label: "第三方评估" },
        ],
      }),
      f("region_code", "被检查地区", "region"),
      f("cases_checked", "抽查户数", "int", { min: 0 }),
      f("cases_wrong", "不符合条件户数", "int", { min: 0, note: "0..cases_checked" }),
      f("cases_missed", "发现漏保户数", "int", { min: 0 }),
      f("funds_irregular", "违规资金金额", "money", { min: 0, aliases: ["违规资金金额(元)"] }),
      f("rectified", "是否整改完成", "bool"),
    ],
  },
];

export const EXTRACT_TYPES: readonly ExtractType[] = EXTRACTS.map((e) => e.type);

const byType = new Map(EXTRACTS.map((e) => [e.type, e] as const));

export function extractDef(type: ExtractType): ExtractDef {
  const def = byType.get(type);
  if (!def) throw new Error(`unknown extract type: ${type}`);
  return def;
}

export function isExtractType(value: string): value is ExtractType {
  return byType.has(value as ExtractType);
}

/** Extract types the counties deliver every month (used for completeness and timeliness). */
export const MONTHLY_EXTRACTS: readonly ExtractType[] = ["roster", "payments", "funds", "applications", "complaints"];

/** Normalise a header or label for matching: trim (full-width spaces too), fold case and bracket width. */
export function normaliseHeader(header: string): string {
  return header
    .replace(/^\uFEFF/, "")
    .replace(/[\s\u3000]+/g, "")
    .replace(/（/g, "(")
    .replace(/）/g, ")")
    .toLowerCase();
}

/**
 * Every header a field answers to: canonical name, Chinese label, listed aliases,
 * the label with a bracketed unit stripped, and `…身份证号码` for every `…身份证号`.
 */
export function headerNames(field: FieldDef): string[] {
  const names = new Set<string>([field.name, field.label, ...(field.aliases ?? [])]);
  for (const n of [...names]) {
    const stripped = n.replace(/[(（][^()（）]*[)）]$/, "");
    if (stripped && stripped !== n) names.add(stripped);
    if (n.endsWith("身份证号")) names.add(`${n}码`);
  }
  return [...names].map(normaliseHeader);
}

/** Chinese label of an enum code (for pages and the generator). */
export function enumLabel(field: FieldDef, code: string): string {
  return field.values?.find((v) => v.code === code)?.label ?? code;
}

export function programLabel(code: string): string {
  return PROGRAMS.find((p) => p.code === code)?.label ?? code;
}
