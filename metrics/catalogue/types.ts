// The shape of one indicator definition. Browser-safe: data only.
import type { ExtractType } from "../../loaders/contracts/dictionary.js";
import type { Target } from "../config.js";
import type { IndicatorId } from "./ids.js";

export type Family =
  | "process"
  | "coverage"
  | "accuracy"
  | "integrity"
  | "funds"
  | "budget"
  | "satisfaction"
  | "complaints"
  | "supervision"
  | "reporting";

export type Unit =
  | "ratio" // 0–1, shown as a percentage
  | "working_days"
  | "persons"
  | "households"
  | "count"
  | "per_10k"
  | "percentage_points"
  | "county_months";

export type Direction = "higher_better" | "lower_better" | "context";

/**
 * How the figure is formed at county, city and province level.
 * - `ratio_of_sums`: numerator and denominator summed over rows (and counties), divided last.
 * - `sum`: a count summed over rows and months (and counties).
 * - `average_of_months`: a stock; the county value is the mean of its monthly values, a city's or the province's the sum of its counties' values.
 * - `percentile_of_rows`: interpolated percentile of the underlying rows at every level.
 * - `derived`: computed from other indicators at the same level (stated in `definition`).
 */
export type Aggregation = "ratio_of_sums" | "sum" | "average_of_months" | "percentile_of_rows" | "derived";

/**
 * Which rows a window takes (indicators.md, Windows).
 * - `decided`: applications decided in the window.
 * - `each_month`: every month of the window (sums or averages of monthly values).
 * - `last_month`: the window's last month (cumulative extracts; review status at the window's end).
 * - `december`: the December inside the window (year-end figures).
 * - `received`: complaints received in the window.
 * - `event`: surveys or inspections dated in the window.
 */
export type WindowRule = "decided" | "each_month" | "last_month" | "december" | "received" | "event";

export interface IndicatorDef {
  id: IndicatorId;
  family: Family;
  name: { zh: string; en: string };
  /** What is counted, in English, precise enough to recompute by hand. */
  definition: string;
  /** The same in Simplified Chinese, as the site shows it. */
  definition_zh: string;
  /** The formula in Simplified Chinese (e.g. "按时办结件数 ÷ 办结件数"). */
  formula_zh: string;
  unit: Unit;
  direction: Direction;
  /** Default target (from metrics/config.ts), null for context measures. */
  target: Target | null;
  /** Seed document and clause, as named in the spec. */
  source: string;
  aggregation: Aggregation;
  window: WindowRule;
  /** Extracts the figure is computed from. */
  extracts: readonly ExtractType[];
  /** Monthly extracts whose absence makes the figure a data gap rather than not applicable. */
  required: readonly ExtractType[];
  /** Whether the figure carries a Wilson 95 % interval. */
  interval?: boolean;
  /** Whether the figure carries an exact money amount (mart column `amount`). */
  amount?: boolean;
  /** The problem list behind the count, if any (mart_case). */
  cases?: { zh: string; en: string };
}
