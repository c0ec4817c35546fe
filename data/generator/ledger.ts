// The ground-truth ledger written beside the extracts (`ground_truth.json`): what was
// planted where, which rows are bad, which deliveries are late or missing, and the
// value each indicator must take. Format documented in README.md.

export interface PlantedProblem {
  problem: string;
  county_code: string;
  /** Month (`YYYY-MM`) or year (`YYYY`) the problem shows in. */
  period: string;
  count: number;
  /** Application, household, complaint or person keys, in file order. */
  ids?: string[];
  /** Extra facts (e.g. the other county of a duplicated person, the amount involved). */
  detail?: Record<string, unknown>;
}

export interface BadRow {
  file: string;
  /** 1-based; the header is line 1. */
  line: number;
  /** Canonical field name. */
  column: string;
  reason: "invalid_id_check_digit" | "impossible_date" | "unknown_region_code" | "household_rows_disagree";
  value: string;
}

export interface Delivery {
  file: string;
  type: string;
  county_code: string;
  period: string;
  received_at: string;
  /** Days after the deadline (15th of the following month); only for late ones. */
  days_late?: number;
}

export interface MissingDelivery {
  file: string;
  type: string;
  county_code: string;
  period: string;
}

export interface ExpectedValue {
  indicator: string;
  level: "county" | "province";
  region_code: string;
  county_code: string | null;
  window: string;
  numerator: number | null;
  denominator: number | null;
  value: number | null;
  status: "ok" | "na" | "gap";
  /** Money behind a count (funds.unlisted_payments), yuan. */
  amount?: number;
  /** Province level: counties left out because their extract was not delivered. */
  gap_counties?: string[];
}

export interface CountyEntry {
  code: string;
  name: string;
  city_code: string;
  city_name: string;
  format: string;
  date_style: string;
  bool_style: string;
  month_style: string;
  header_aliases: boolean;
  thousands_separators: boolean;
  quality: string;
  resident_population: number;
  planted_flags: string[];
}

export interface Ledger {
  format_version: 1;
  params: { province: string; province_name: string; from: string; to: string; scale: number; seed: number };
  counties: CountyEntry[];
  files: { file: string; type: string; county_code: string | null; period: string | null; rows: number; format: string }[];
  planted: PlantedProblem[];
  bad_rows: BadRow[];
  deliveries: { late: Delivery[]; missing: MissingDelivery[] };
  expected: ExpectedValue[];
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? Math.round((numerator / denominator) * 1e6) / 1e6 : null;
}

/** An expected ratio (value = numerator ÷ denominator, `na` when the denominator is 0). */
export function expectedRatio(
  indicator: string,
  county: string,
  window: string,
  numerator: number,
  denominator: number,
): ExpectedValue {
  return {
    indicator,
    level: "county",
    region_code: county,
    county_code: county,
    window,
    numerator,
    denominator,
    value: ratio(numerator, denominator),
    status: denominator > 0 ? "ok" : "na",
  };
}

/** An expected count (value = numerator, no denominator). */
export function expectedCount(indicator: string, county: string, window: string, count: number, amount?: number): ExpectedValue {
  const e: ExpectedValue = { indicator, level: "county", region_code: county, county_code: county, window, numerator: count, denominator: null, value: count, status: "ok" };
  if (amount !== undefined) e.amount = Math.round(amount * 100) / 100;
  return e;
}

export function gap(indicator: string, county: string, window: string): ExpectedValue {
  return { indicator, level: "county", region_code: county, county_code: county, window, numerator: null, denominator: null, value: null, status: "gap" };
}
