// Every limit, target and interval the indicators use, in one place (../shared/spec/indicators.md).
// A province changes a rule here, not in SQL. Browser-safe: pure data, no imports from node.
import type { IndicatorId } from "./catalogue/ids.js";

export type Comparator = ">=" | "<=" | "=" | "falling";

/** A default target: `value` is in the indicator's unit (ratios as 0–1, days, counts). */
export interface Target {
  op: Comparator;
  value?: number;
  /** Free text when the target is not a fixed number (e.g. budget execution follows the month). */
  note?: string;
}

export interface IndicatorConfig {
  /** Working days from acceptance to decision, per program (extended cases get `extendedDays`). */
  decisionLimitDays: { dibao: number; tekun: number; linshi: number; extendedDays: number };
  /** Minimum publicity in calendar days, counting both ends. */
  publicityMinDays: number;
  /** Payments for a month are on time when paid on or before this day of the month. */
  paymentDay: number;
  /** Complaints must be closed within this many calendar days of receipt. */
  complaintLimitDays: number;
  /** Review interval in months, by program and category. */
  reviewMonths: { A: number; B: number; C_urban: number; C_rural: number; tekun: number };
  /** Deliveries for month M are on time when received by this day of month M+1. */
  deliveryDeadlineDay: number;
  /** A dibao benefit is accurate within this many yuan of the formula (exact decimal string). */
  benefitToleranceYuan: string;
  /** Paid total must equal the roster benefit within this many yuan (exact decimal string). */
  amountToleranceYuan: string;
  /** Year-end rollover limit (ratio) used by the budget.rollover_ratio target. */
  rolloverLimit: number;
  /** Wilson interval z (95 %). */
  wilsonZ: number;
  /** Modified z-score above which a figure is flagged as a data question (Iglewicz & Hoaglin). */
  outlierZ: number;
  /** Minimum number of comparison values before an outlier is judged. */
  outlierMinHistory: number;
  outlierMinPeers: number;
  /**
   * Extract types every county delivers every month: completeness and timeliness count the
   * expected (county, extract, month) deliveries of these, from the first month the province
   * has each; a county-month without one is a gap for the indicators that read it.
   */
  monthlyExtracts: readonly MonthlyExtract[];
  /**
   * Cumulative event ledgers: a delivery for period M holds the events up to M; a ledger named
   * for a city or the province (or a code-less multi-county ledger) covers each of its counties.
   * An indicator reading a ledger is a gap only when no delivery covers the window's last month.
   */
  ledgerExtracts: readonly LedgerExtract[];
}

export type MonthlyExtract = "roster" | "payments" | "funds";
export type LedgerExtract = "applications" | "complaints" | "surveys" | "inspections";

export const CONFIG: IndicatorConfig = {
  decisionLimitDays: { dibao: 30, tekun: 30, linshi: 15, extendedDays: 45 },
  publicityMinDays: 7,
  paymentDay: 10,
  complaintLimitDays: 60,
  reviewMonths: { A: 12, B: 6, C_urban: 1, C_rural: 3, tekun: 12 },
  deliveryDeadlineDay: 15,
  benefitToleranceYuan: "1.00",
  amountToleranceYuan: "0.00",
  rolloverLimit: 0.1,
  wilsonZ: 1.959964,
  outlierZ: 3.5,
  outlierMinHistory: 6,
  outlierMinPeers: 5,
  monthlyExtracts: ["roster", "payments", "funds"],
  ledgerExtracts: ["applications", "complaints", "surveys", "inspections"],
};

/** Default targets (null = context measure, no target). */
export const TARGETS: Record<IndicatorId, Target | null> = {
  "process.median_days": { op: "<=", value: 20 },
  "process.p90_days": { op: "<=", value: 30 },
  "process.on_time_rate": { op: ">=", value: 1 },
  "process.home_visit_rate": { op: ">=", value: 1 },
  "process.county_check_rate": { op: ">=", value: 0.3 },
  "process.publicity_rate": { op: ">=", value: 1 },
  "coverage.persons": null,
  "coverage.rate": null,
  "coverage.need_rate": { op: ">=", value: 1, note: "≥ 100% of the target band" },
  "coverage.entries": null,
  "coverage.exits": null,
  "accuracy.benefit_rate": { op: ">=", value: 0.98 },
  "accuracy.standard_ok": { op: ">=", value: 1 },
  "accuracy.review_on_time_rate": { op: ">=", value: 0.95 },
  "accuracy.relative_filed_rate": { op: ">=", value: 1 },
  "integrity.duplicate_persons": { op: "=", value: 0 },
  "funds.paid_rate": { op: ">=", value: 1 },
  "funds.amount_match_rate": { op: ">=", value: 1 },
  "funds.unlisted_payments": { op: "=", value: 0 },
  "funds.socialized_rate": { op: ">=", value: 1 },
  "funds.proxy_violations": { op: "=", value: 0 },
  "budget.execution_rate": { op: ">=", note: "≥ month/12 − 5 percentage points" },
  "budget.execution_lag": { op: "<=", value: 5 },
  "budget.rollover_ratio": { op: "<=", value: 0.1 },
  "budget.matching_rate": { op: ">=", value: 1 },
  "satisfaction.rate": { op: ">=", value: 0.9 },
  "satisfaction.awareness_rate": { op: ">=", value: 0.85 },
  "complaints.per_10k": { op: "falling" },
  "complaints.on_time_rate": { op: ">=", value: 0.95 },
  "complaints.substantiated_rate": null,
  "complaints.repeat_rate": { op: "<=", value: 0.05 },
  "supervision.error_rate": { op: "<=", value: 0.02 },
  "supervision.rectified_rate": { op: ">=", value: 1 },
  "reporting.completeness": { op: ">=", value: 1 },
  "reporting.timeliness": { op: ">=", value: 1 },
};
