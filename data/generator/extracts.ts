// Column layouts of each extract as a county writes them: dictionary order, Chinese
// labels, or the national system's aliases for counties that export those.
import { extractDef, type ExtractType, type FieldKind } from "../../loaders/contracts/dictionary.js";
import { monthKey, type MonthIndex } from "./calendar.js";
import type { Column, ColumnKind, DeliveryStyle } from "./writers.js";
import { extensionOf } from "./writers.js";

/** Header a county using the national system's export writes instead of the label. */
const NATIONAL_ALIASES: Record<string, string> = {
  covered_size: "保障人口数",
  monthly_benefit: "保障金额（元）",
  person_id: "身份证号码",
  applicant_id: "申请人身份证号码",
  payee_id: "领取人身份证号码",
  proxy_id: "代领人身份证号码",
  amount: "发放金额(元)",
  household_id: "户编号",
  decided_on: "审批日期",
  resident_population: "常住人口数",
  budget: "年度预算(元)",
  carried_in: "上年结转(元)",
  received: "累计到位(元)",
  spent: "累计支出(元)",
  funds_irregular: "违规资金金额(元)",
  cadre_relative: "是否近亲属",
  relative_filed: "是否备案",
  program: "保障类别",
};

function columnKind(kind: FieldKind): ColumnKind {
  switch (kind) {
    case "int":
      return "int";
    case "money":
      return "money";
    case "decimal":
      return "decimal";
    case "date":
      return "date";
    case "month":
      return "month";
    case "bool":
      return "bool";
    default:
      return "text";
  }
}

export interface Layout {
  type: ExtractType;
  sheet: string;
  fields: string[];
  columns: Column[];
  /** Position of each canonical field in a row. */
  index: Record<string, number>;
}

const cache = new Map<string, Layout>();

export function layoutOf(type: ExtractType, aliases: boolean): Layout {
  const key = `${type}:${aliases}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const def = extractDef(type);
  const fields = def.fields.map((f) => f.name);
  const columns = def.fields.map((f) => ({
    header: aliases && NATIONAL_ALIASES[f.name] ? NATIONAL_ALIASES[f.name]! : f.label,
    kind: columnKind(f.kind),
  }));
  const index: Record<string, number> = {};
  fields.forEach((name, i) => (index[name] = i));
  const layout = { type, sheet: def.label, fields, columns, index };
  cache.set(key, layout);
  return layout;
}

/** `roster_2026-06_150102.csv`, `county_profile_2025.xlsx`, `standards.csv`. */
export function fileName(type: ExtractType, style: Pick<DeliveryStyle, "format">, county?: string, month?: MonthIndex, year?: number): string {
  const ext = extensionOf(style.format);
  if (type === "standards") return `standards.${ext}`;
  if (type === "county_profile") return `county_profile_${year}.${ext}`;
  return `${type}_${monthKey(month!)}_${county}.${ext}`;
}
