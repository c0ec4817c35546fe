// Indicator ids of ../shared/spec/indicators.md. The catalogue defines exactly these;
// the scorecard configuration may name only these.
export const INDICATOR_IDS = [
  "process.median_days",
  "process.p90_days",
  "process.on_time_rate",
  "process.home_visit_rate",
  "process.county_check_rate",
  "process.publicity_rate",
  "coverage.persons",
  "coverage.rate",
  "coverage.need_rate",
  "coverage.entries",
  "coverage.exits",
  "accuracy.benefit_rate",
  "accuracy.standard_ok",
  "accuracy.review_on_time_rate",
  "accuracy.relative_filed_rate",
  "integrity.duplicate_persons",
  "funds.paid_rate",
  "funds.amount_match_rate",
  "funds.unlisted_payments",
  "funds.socialized_rate",
  "funds.proxy_violations",
  "budget.execution_rate",
  "budget.execution_lag",
  "budget.rollover_ratio",
  "budget.matching_rate",
  "satisfaction.rate",
  "satisfaction.awareness_rate",
  "complaints.per_10k",
  "complaints.on_time_rate",
  "complaints.substantiated_rate",
  "complaints.repeat_rate",
  "supervision.error_rate",
  "supervision.rectified_rate",
  "reporting.completeness",
  "reporting.timeliness",
] as const;

export type IndicatorId = (typeof INDICATOR_IDS)[number];

export function isIndicatorId(value: string): value is IndicatorId {
  return (INDICATOR_IDS as readonly string[]).includes(value);
}
