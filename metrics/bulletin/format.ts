// How a bulletin writes a figure: units on every count, one decimal for percentages,
// 持平 for no change, never a negative zero. Changes are taken between the figures as
// written, so "由94.8%升至95.0%" and "上升0.2个百分点" always agree. Pure.
import type { IndicatorDef } from "../catalogue/types.js";

export type Style = "ratio" | "days" | "pp" | "per10k" | "count";

export interface Measure {
  style: Style;
  /** The unit word after a count: 人, 户, 件, 人次. */
  unit: string;
}

/** How an indicator is written. */
export function measureOf(def: Pick<IndicatorDef, "unit" | "aggregation">): Measure {
  switch (def.unit) {
    case "ratio":
      return { style: "ratio", unit: "" };
    case "working_days":
      return { style: "days", unit: "个工作日" };
    case "percentage_points":
      return { style: "pp", unit: "个百分点" };
    case "per_10k":
      return { style: "per10k", unit: "件/万人" };
    case "persons":
      // persons summed over the months of a window are person-months
      return { style: "count", unit: def.aggregation === "sum" ? "人次" : "人" };
    case "households":
      return { style: "count", unit: "户" };
    case "county_months":
      return { style: "count", unit: "个县·月" };
    case "count":
      return { style: "count", unit: "件" };
  }
}

const DECIMALS: Record<Style, number> = { ratio: 1, days: 1, pp: 1, per10k: 2, count: 0 };

/** The number as written (percent for ratios), rounded to what the text shows; never −0. */
export function shown(value: number, style: Style): number {
  const d = DECIMALS[style];
  const x = style === "ratio" ? value * 100 : value;
  const r = Math.round(x * 10 ** d) / 10 ** d;
  return r === 0 ? 0 : r;
}

function digits(x: number, d: number): string {
  const t = Math.abs(x).toFixed(d);
  const [i, f] = t.split(".");
  const grouped = i!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = f ? `${grouped}.${f}` : grouped;
  return x < 0 && Number(t) !== 0 ? `−${text}` : text;
}

/** 94.8%, 12.3个工作日, 9.8个百分点, 0.41件/万人, 1,669件. */
export function formatFigure(value: number | null | undefined, m: Measure): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const v = shown(value, m.style);
  const text = digits(v, DECIMALS[m.style]);
  return m.style === "ratio" ? `${text}%` : `${text}${m.unit}`;
}

/** The figure without its unit word (for table cells under a header that names it). */
export function formatBare(value: number | null | undefined, m: Measure): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const v = shown(value, m.style);
  return m.style === "ratio" ? `${digits(v, 1)}%` : digits(v, DECIMALS[m.style]);
}

/** The change between two figures as written: +0.2 (percentage points for ratios), 0 for 持平. */
export function shownChange(now: number, before: number, style: Style): number {
  const d = DECIMALS[style];
  const diff = Math.round((shown(now, style) - shown(before, style)) * 10 ** d) / 10 ** d;
  return diff === 0 ? 0 : diff;
}

/** The size of a change with its unit: 0.2个百分点, 248人, 1.5个工作日. */
export function formatDelta(diff: number, m: Measure): string {
  const a = Math.abs(diff);
  if (m.style === "ratio" || m.style === "pp") return `${digits(a, 1)}个百分点`;
  return `${digits(a, DECIMALS[m.style])}${m.unit}`;
}

/** 较上季度上升0.2个百分点, 较上年同期减少248人, 与上年同期持平. */
export function changeText(now: number, before: number, m: Measure, against: string): string {
  const diff = shownChange(now, before, m.style);
  if (diff === 0) return `与${against}持平`;
  const word = m.style === "count" ? (diff > 0 ? "增加" : "减少") : diff > 0 ? "上升" : "下降";
  return `较${against}${word}${formatDelta(diff, m)}`;
}

/** 由3,748件降至1,669件, 由94.8%升至95.0%. */
export function moveText(now: number, before: number, m: Measure): string {
  const diff = shownChange(now, before, m.style);
  return `由${formatFigure(before, m)}${diff > 0 ? "升至" : "降至"}${formatFigure(now, m)}`;
}

/**
 * Exact yuan (a decimal string such as "123456.78") in 万元 with two decimals, rounded
 * half up on the digits — no binary floating point.
 */
export function yuanToWan(yuan: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(yuan.trim());
  if (!m) throw new Error(`not an amount in yuan: ${JSON.stringify(yuan)}`);
  const negative = m[1] === "-";
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? "").padEnd(2, "0").slice(0, 2) || "0");
  // 万元 with 2 decimals = cents / 10000, rounded half up
  let hundredthsOfWan = cents / 10000n;
  if (cents % 10000n >= 5000n) hundredthsOfWan += 1n;
  const whole = hundredthsOfWan / 100n;
  const frac = String(hundredthsOfWan % 100n).padStart(2, "0");
  const text = `${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
  return negative && hundredthsOfWan !== 0n ? `−${text}` : text;
}

/** 2026-07-20 → 2026年7月20日 (GB/T 9704: Arabic numerals, no leading zeros). */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso.trim());
  if (!m) throw new Error(`not a date: ${JSON.stringify(iso)} (expected YYYY-MM-DD)`);
  return `${m[1]}年${Number(m[2])}月${Number(m[3])}日`;
}
