// Chinese labels for the fields and coded values that case lists and quality tables
// show, taken from the one dictionary of extracts (loaders/contracts/dictionary.ts).
import { EXTRACTS } from "../../loaders/contracts/dictionary.js";

/** Fields that case lists add beyond the extract fields. */
const EXTRA: Record<string, string> = {
  applicant: "申请人证件号",
  person: "证件号",
  name: "姓名",
  payee: "收款人",
  proxy: "代领人",
  working_days: "办理工作日",
  limit_days: "时限(工作日)",
  interval_months: "复核周期(月)",
  last_review_on: "最近复核日期",
  due: "应复核日期",
  due_on: "应办结日期",
  households: "户数",
  state: "状态",
  month: "月份",
  amount: "金额(元)",
};

export function fieldLabels(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of EXTRACTS) for (const f of e.fields) out[f.name] ??= f.label;
  return { ...out, ...EXTRA };
}

/** Coded enum values → Chinese label, per field name. */
export function enumLabels(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const e of EXTRACTS)
    for (const f of e.fields) if (f.values) for (const v of f.values) (out[f.name] ??= {})[v.code] = v.label;
  return out;
}

/** Extract types → Chinese label (花名册, 资金发放明细 …). */
export function extractLabels(): Record<string, string> {
  return Object.fromEntries(EXTRACTS.map((e) => [e.type, e.label]));
}
