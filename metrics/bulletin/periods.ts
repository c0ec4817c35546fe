// Which periods a bulletin compares, and how it names them. Pure.
//
// A window is compared with the previous window of the same kind (环比) and with the same
// window a year earlier (同比). A window still running (its last month after the latest
// month with data) covers only its months so far and is compared with the same months a
// year earlier (a window of the marts covering exactly those months), never with a whole
// earlier period. Cumulative measures (budget execution) are judged against the expected
// progress of their month (month ÷ 12) and the same month a year earlier.
import { addMonths, parseWindow, previousWindow, type WindowKind } from "../windows.js";

export type Relation = "prior" | "year_ago";

export interface Comparator {
  window: string;
  relation: Relation;
  /** 上季度, 上年同期, 2025年1–6月 … as the text names it. */
  label: string;
}

export interface Plan {
  window: string;
  kind: WindowKind;
  /** Whether the window is still running at the latest month with data. */
  open: boolean;
  firstMonth: string;
  /** The last month the window covers (the latest month with data when open). */
  lastMonth: string;
  /** The period as the text names it: 2026年第二季度, 2026年1–6月. */
  label: string;
  /** Comparators in order of use: the same months a year earlier first, then the previous window. */
  comparators: Comparator[];
  /** The month window a year before `lastMonth`, for cumulative measures. */
  sameMonthYearAgo: string;
  /** Expected progress of a cumulative measure at `lastMonth`: month ÷ 12. */
  expectedProgress: number;
  /** The month number of `lastMonth` (1–12). */
  month: number;
}

/** The previous window of the same kind in running text (a half-year is named in full: 上半年 would be ambiguous). */
const PRIOR_LABEL: Partial<Record<WindowKind, string>> = { month: "上月", quarter: "上季度" };

/** 2026年6月, 2026年第二季度, 2026年上半年, 2026年度. */
export function windowName(id: string): string {
  const w = parseWindow(id);
  const m = Number(w.firstMonth.slice(5));
  switch (w.kind) {
    case "month":
      return `${w.year}年${m}月`;
    case "quarter":
      return `${w.year}年第${"一二三四"[(m - 1) / 3]}季度`;
    case "half":
      return `${w.year}年${m === 1 ? "上" : "下"}半年`;
    case "year":
      return `${w.year}年度`;
  }
}

/** A run of months as the text names it: 2026年6月, 2026年1–6月. */
export function monthsName(first: string, last: string): string {
  const y = first.slice(0, 4);
  const a = Number(first.slice(5));
  const b = Number(last.slice(5));
  if (first === last) return `${y}年${a}月`;
  if (last.slice(0, 4) !== y) return `${y}年${a}月至${last.slice(0, 4)}年${b}月`;
  return `${y}年${a}–${b}月`;
}

/** The window of the marts covering exactly these months of one year, if any. */
export function windowOfMonths(first: string, last: string): string | null {
  if (first.slice(0, 4) !== last.slice(0, 4)) return null;
  const y = first.slice(0, 4);
  const a = Number(first.slice(5));
  const b = Number(last.slice(5));
  if (a === b) return first;
  if (b - a === 2 && a % 3 === 1) return `${y}-Q${(a + 2) / 3}`;
  if (b - a === 5 && (a === 1 || a === 7)) return `${y}-H${a === 1 ? 1 : 2}`;
  if (a === 1 && b === 12) return y;
  return null;
}

/**
 * The comparison plan of a window, given the latest month with data and the windows the
 * marts hold (a comparator the marts do not hold is left out).
 */
export function comparisonPlan(window: string, latestMonth: string, available: ReadonlySet<string>): Plan {
  const w = parseWindow(window);
  const open = w.lastMonth > latestMonth && w.firstMonth <= latestMonth;
  const lastMonth = open ? latestMonth : w.lastMonth;
  const comparators: Comparator[] = [];
  if (open) {
    const same = windowOfMonths(addMonths(w.firstMonth, -12), addMonths(lastMonth, -12));
    if (same && available.has(same)) comparators.push({ window: same, relation: "year_ago", label: "上年同期" });
  } else {
    const yearAgo = w.kind === "year" ? String(w.year - 1) : `${w.year - 1}${w.id.slice(4)}`;
    if (available.has(yearAgo)) comparators.push({ window: yearAgo, relation: "year_ago", label: w.kind === "year" ? "上年" : "上年同期" });
    const prior = previousWindow(window);
    if (w.kind !== "year" && available.has(prior)) comparators.push({ window: prior, relation: "prior", label: PRIOR_LABEL[w.kind] ?? windowName(prior) });
  }
  const month = Number(lastMonth.slice(5));
  return {
    window,
    kind: w.kind,
    open,
    firstMonth: w.firstMonth,
    lastMonth,
    label: open ? monthsName(w.firstMonth, lastMonth) : windowName(window),
    comparators,
    sameMonthYearAgo: addMonths(lastMonth, -12),
    expectedProgress: month / 12,
    month,
  };
}

/** The label of a comparator window as a table header: 2026年第一季度, 2025年1–6月. */
export function comparatorName(c: Comparator, plan: Plan): string {
  if (plan.open) {
    const w = parseWindow(c.window);
    return monthsName(w.firstMonth, w.lastMonth);
  }
  return windowName(c.window);
}
