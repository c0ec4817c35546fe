// A hand-made mart_indicator (and core_county_profile) for the scorecard and allocation tests:
// one province (15), two cities, five counties, windows 2026-05, 2026-06 and 2026.
import type { Warehouse } from "../../loaders/db.js";

export const COUNTIES = [
  { code: "150102", name: "新城区", city: "1501" },
  { code: "150103", name: "回民区", city: "1501" },
  { code: "150104", name: "玉泉区", city: "1501" },
  { code: "150202", name: "东河区", city: "1502" },
  { code: "150203", name: "昆都仑区", city: "1502" },
] as const;
export const CITIES = [
  { code: "1501", name: "呼和浩特市" },
  { code: "1502", name: "包头市" },
] as const;

export interface FixtureRow {
  region_code: string;
  region_name: string;
  level: "county" | "city" | "province";
  window: string;
  indicator: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: "ok" | "na" | "gap";
}

/** Per county: a quality level q (0 best … 4 worst) and a size. */
const QUALITY = [0, 1, 2, 3, 4];
const SIZE = [4000, 300, 1200, 2500, 60];

function rate(q: number, good: number, step: number): number {
  return Math.max(0, Math.min(1, good - q * step));
}

export function fixtureRows(windows: readonly string[] = ["2026-05", "2026-06", "2026"]): FixtureRow[] {
  const rows: FixtureRow[] = [];
  windows.forEach((window, wi) => {
    const county: FixtureRow[] = [];
    COUNTIES.forEach((c, ci) => {
      // In 2026-05 the order of the two best counties is swapped, for rank changes.
      const q = window === "2026-05" && ci < 2 ? QUALITY[1 - ci]! : QUALITY[ci]!;
      const n = SIZE[ci]!;
      const push = (indicator: string, value: number | null, num: number | null = null, den: number | null = null, status: FixtureRow["status"] = "ok") =>
        county.push({ region_code: c.code, region_name: c.name, level: "county", window, indicator, value, numerator: num, denominator: den, status });
      const prop = (indicator: string, p: number, den: number) => {
        const num = Math.round(p * den);
        push(indicator, num / den, num, den);
      };
      prop("process.on_time_rate", rate(q, 1, 0.05), n);
      prop("process.home_visit_rate", rate(q, 1, 0.02), n);
      prop("process.county_check_rate", rate(q, 0.4, 0.05), n);
      prop("process.publicity_rate", rate(q, 1, 0.02), n);
      prop("accuracy.benefit_rate", rate(q, 0.99, 0.02), n);
      prop("accuracy.review_on_time_rate", rate(q, 0.97, 0.04), n);
      if (ci === 4) push("accuracy.relative_filed_rate", null, 0, 0, "na");
      else prop("accuracy.relative_filed_rate", q === 0 ? 1 : 0.9, 20);
      push("integrity.duplicate_persons", q * 2);
      prop("supervision.error_rate", Math.min(1, 0.01 + q * 0.02), 100);
      prop("funds.paid_rate", rate(q, 1, 0.03), n);
      prop("funds.amount_match_rate", rate(q, 1, 0.01), n);
      push("funds.socialized_rate", rate(q, 1, 0.02), null, null);
      push("funds.proxy_violations", q);
      push("budget.execution_lag", 3 + q * 4);
      if (window.length === 4) {
        const spent = 1_000_000 * (ci + 1);
        const balance = spent * (0.05 + q * 0.05);
        push("budget.rollover_ratio", balance / spent, balance, spent);
      }
      prop("satisfaction.rate", rate(q, 0.95, 0.05), 100);
      prop("satisfaction.awareness_rate", rate(q, 0.9, 0.06), 100);
      push("complaints.per_10k", 2 + q * 3 + wi * 0.1, 2 + q, n);
      prop("complaints.on_time_rate", rate(q, 1, 0.05), 40);
      if (ci === 3) push("supervision.rectified_rate", null, null, null, "gap");
      else prop("supervision.rectified_rate", rate(q, 1, 0.1), 10);
      prop("reporting.completeness", rate(q, 1, 0.04), 12);
      prop("reporting.timeliness", rate(q, 1, 0.06), 12);
      push("accuracy.standard_ok", q < 3 ? 1 : 0.5, q < 3 ? 1 : 1, q < 3 ? 1 : 2);
      push("coverage.persons", n);
    });
    rows.push(...county);
    // Cities and the province: ratios of sums where there is a numerator and denominator, else the mean.
    const groups: { code: string; name: string; level: "city" | "province"; members: string[] }[] = [
      ...CITIES.map((c) => ({ code: c.code, name: c.name, level: "city" as const, members: COUNTIES.filter((k) => k.city === c.code).map((k) => k.code) })),
      { code: "15", name: "内蒙古自治区", level: "province", members: COUNTIES.map((k) => k.code) },
    ];
    for (const g of groups) {
      const byInd = new Map<string, FixtureRow[]>();
      for (const r of county) if (g.members.includes(r.region_code)) byInd.set(r.indicator, [...(byInd.get(r.indicator) ?? []), r]);
      for (const [indicator, rs] of byInd) {
        const ok = rs.filter((r) => r.status === "ok");
        if (ok.length === 0) {
          rows.push({ region_code: g.code, region_name: g.name, level: g.level, window, indicator, value: null, numerator: null, denominator: null, status: "na" });
          continue;
        }
        const withRatio = ok.every((r) => r.numerator !== null && r.denominator !== null && r.denominator > 0);
        const num = withRatio ? ok.reduce((a, r) => a + r.numerator!, 0) : null;
        const den = withRatio ? ok.reduce((a, r) => a + r.denominator!, 0) : null;
        const value = indicator === "complaints.per_10k" && num !== null && den ? (num / den) * 10000 : withRatio ? num! / den! : ok.reduce((a, r) => a + r.value!, 0) / ok.length;
        rows.push({ region_code: g.code, region_name: g.name, level: g.level, window, indicator, value, numerator: num, denominator: den, status: "ok" });
      }
    }
  });
  return rows;
}

export async function createMartIndicator(wh: Warehouse, rows: readonly FixtureRow[] = fixtureRows()): Promise<void> {
  await wh.run(`CREATE OR REPLACE TABLE mart_indicator (
    region_code VARCHAR, region_name VARCHAR, level VARCHAR, "window" VARCHAR, indicator VARCHAR,
    value DOUBLE, numerator DOUBLE, denominator DOUBLE, n BIGINT, ci_low DOUBLE, ci_high DOUBLE,
    status VARCHAR, computed_at TIMESTAMP, data_version VARCHAR)`);
  const appender = await wh.connection.createAppender("mart_indicator");
  for (const r of rows) {
    appender.appendVarchar(r.region_code);
    appender.appendVarchar(r.region_name);
    appender.appendVarchar(r.level);
    appender.appendVarchar(r.window);
    appender.appendVarchar(r.indicator);
    for (const v of [r.value, r.numerator, r.denominator]) if (v === null) appender.appendNull(); else appender.appendDouble(v);
    appender.appendNull();
    appender.appendNull();
    appender.appendNull();
    appender.appendVarchar(r.status);
    appender.appendNull();
    appender.appendVarchar("fixture");
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
}

export async function createCountyProfile(wh: Warehouse): Promise<void> {
  await wh.run(`CREATE OR REPLACE TABLE core_county_profile (
    year INTEGER, county_code VARCHAR, resident_population BIGINT, low_income_population BIGINT, fiscal_difficulty DECIMAL(9,4))`);
  const fiscal = [0.2, 0.8, 0.5, 0.35, 0.9];
  for (const [i, c] of COUNTIES.entries())
    await wh.run("INSERT INTO core_county_profile VALUES (2026, ?, ?, ?, ?)", [c.code, 100000 * (i + 1), 5000 * (i + 1), fiscal[i]!]);
}
