// Every indicator against hand-computed fixtures: three delivering counties in two cities
// and one county that never delivers, December 2025 to February 2026 (windows that straddle
// the year), working days across the Spring Festival, New Year and 调休 Saturdays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../loaders/db.js";
import { CATALOGUE } from "../../metrics/catalogue/index.js";
import { computeIndicators } from "../../metrics/indicators/compute.js";
import { fixtureWarehouse, insertRows, mart, type FixtureRow } from "../unit/metrics-fixtures.js";

const A = "150102"; // city 1501
const B = "150103"; // city 1501, roster in January only, no payments
const C = "150202"; // city 1502
const D = "150203"; // city 1502, no data at all

/** A valid-looking 18-character ID (the warehouse stores what ingestion validated). */
const pid = (n: number) => `${A}1980010${String(n).padStart(3, "0")}${n % 10}X`.slice(0, 17) + "X";

const rosterRow = (period: string, county: string, hh: string, person: number, o: Partial<FixtureRow>): FixtureRow => ({
  period,
  program: "urban_dibao",
  household_id: hh,
  region_code: `${county}001001`,
  person_id: pid(person),
  person_name: `张${person}号`,
  relation: "head",
  household_size: 1,
  covered_size: 1,
  per_capita_income: 0,
  monthly_benefit: 0,
  approved_on: "2020-01-01",
  category: "A",
  last_review_on: null,
  cadre_relative: false,
  relative_filed: false,
  ...o,
});

async function buildFixture(wh: Warehouse): Promise<void> {
  const H1 = { program: "urban_dibao", household_size: 2, covered_size: 2, per_capita_income: 300, monthly_benefit: 1000, category: "A", last_review_on: "2025-06-01" };
  const H2 = { program: "rural_dibao", per_capita_income: 100, monthly_benefit: 500, category: "C", last_review_on: "2025-10-15" };
  const H3 = { program: "tekun", monthly_benefit: 1200, category: "full_self_care", approved_on: "2026-01-10", cadre_relative: true, relative_filed: true };
  const H9 = { program: "rural_dibao", per_capita_income: 50, category: "A", approved_on: "2024-01-01", last_review_on: "2025-03-01" };
  await insertRows(wh, "roster", [
    // County A
    rosterRow("2025-12", A, "H1", 1, H1),
    rosterRow("2025-12", A, "H1", 2, { ...H1, relation: "spouse", cadre_relative: true }),
    rosterRow("2025-12", A, "H2", 3, H2),
    rosterRow("2026-01", A, "H1", 1, H1),
    rosterRow("2026-01", A, "H1", 2, { ...H1, relation: "spouse", cadre_relative: true }),
    rosterRow("2026-01", A, "H2", 3, H2),
    rosterRow("2026-01", A, "H3", 4, H3),
    rosterRow("2026-02", A, "H1", 1, { ...H1, monthly_benefit: 900 }),
    rosterRow("2026-02", A, "H1", 2, { ...H1, monthly_benefit: 900, relation: "spouse", cadre_relative: true }),
    rosterRow("2026-02", A, "H3", 4, H3),
    // County B: January only
    rosterRow("2026-01", B, "H5", 5, { program: "urban_dibao", monthly_benefit: 800, category: "B", approved_on: "2025-05-01" }),
    // County C; person 3 (on A's H2) also on C's H9 in January
    rosterRow("2025-12", C, "H9", 9, { ...H9, monthly_benefit: 551.5 }),
    rosterRow("2026-01", C, "H9", 9, { ...H9, household_size: 2, covered_size: 2, monthly_benefit: 1100 }),
    rosterRow("2026-01", C, "H9", 3, { ...H9, household_size: 2, covered_size: 2, monthly_benefit: 1100, relation: "other" }),
    rosterRow("2026-02", C, "H9", 9, { ...H9, monthly_benefit: 550.8 }),
  ]);
  const std = (county: string, program: string, from: string, standard: number, guideline: number): FixtureRow => ({
    county_code: county,
    program,
    effective_from: from,
    standard,
    guideline,
  });
  await insertRows(wh, "standards", [
    std(A, "urban_dibao", "2025-01", 800, 750),
    std(A, "rural_dibao", "2025-01", 600, 600),
    std(A, "tekun", "2025-01", 1000, 1100), // below the guideline until February
    std(A, "tekun", "2026-02", 1200, 1100),
    std(B, "urban_dibao", "2025-06", 800, 750),
    std(C, "rural_dibao", "2025-01", 600, 600),
  ]);
  await insertRows(wh, "county_profile", [
    { year: 2025, county_code: A, resident_population: 9000, low_income_population: 4, fiscal_difficulty: 0.5 },
    { year: 2026, county_code: A, resident_population: 10000, low_income_population: 5, fiscal_difficulty: 0.5 },
    { year: 2026, county_code: B, resident_population: 20000, low_income_population: 2, fiscal_difficulty: 0.5 },
    { year: 2026, county_code: C, resident_population: 5000, low_income_population: 3, fiscal_difficulty: 0.5 },
  ]);
  const pay = (county: string, period: string, hh: string, amount: number, paid_on: string, o: Partial<FixtureRow> = {}): FixtureRow => ({
    period,
    program: "urban_dibao",
    household_id: hh,
    region_code: `${county}001001`,
    payee_id: pid(1),
    amount,
    paid_on,
    channel: "bank",
    proxy: false,
    proxy_id: null,
    proxy_is_staff: false,
    proxy_filed: false,
    ...o,
  });
  await insertRows(wh, "payments", [
    pay(A, "2025-12", "H1", 1000, "2025-12-10"),
    pay(A, "2025-12", "H2", 500, "2025-12-11", { channel: "cash", program: "rural_dibao" }),
    pay(A, "2026-01", "H1", 1000, "2026-01-08", { proxy: true, proxy_id: pid(2), proxy_filed: true }),
    pay(A, "2026-01", "H2", 450, "2026-01-09", { program: "rural_dibao", proxy: true, proxy_id: pid(7), proxy_filed: false }),
    pay(A, "2026-01", "H7", 300.5, "2026-01-09"), // not on the roster
    pay(A, "2026-01", "H8", 200, "2026-01-20", { program: "linshi", channel: "cash" }), // one-off aid
    pay(A, "2026-02", "H1", 400, "2026-02-05"),
    pay(A, "2026-02", "H1", 500, "2026-02-06", { channel: "cash" }),
    pay(A, "2026-02", "H3", 1200, "2026-02-10", { program: "tekun", proxy: true, proxy_id: pid(8), proxy_is_staff: true, proxy_filed: true }),
    pay(C, "2025-12", "H9", 551.5, "2025-12-05", { program: "rural_dibao" }),
    pay(C, "2026-01", "H9", 1100, "2026-01-05", { program: "rural_dibao" }),
  ]);
  const fund = (county: string, period: string, source: string, budget: number, carried_in: number, received: number, spent: number): FixtureRow => ({
    period,
    county_code: county,
    program: "urban_dibao",
    source,
    budget,
    carried_in,
    received,
    spent,
  });
  await insertRows(wh, "funds", [
    fund(A, "2025-12", "central", 12000, 1000, 11000, 10400),
    fund(A, "2025-12", "county", 2000, 0, 1500, 1500),
    fund(A, "2026-01", "central", 12000, 500, 1000, 900),
    fund(A, "2026-01", "county", 2400, 0, 0, 0),
    fund(A, "2026-02", "central", 12000, 500, 3000, 2000),
    fund(A, "2026-02", "municipal", 1000, 0, 500, 0),
    fund(A, "2026-02", "county", 2400, 0, 600, 100),
    fund(C, "2026-02", "central", 6000, 0, 1000, 800),
  ]);
  const complaint = (county: string, id: string, received_on: string, closed_on: string | null, finding: string, repeat: boolean): FixtureRow => ({
    complaint_id: id,
    region_code: `${county}001001`,
    program: "urban_dibao",
    received_on,
    channel: "hotline",
    category: "other",
    closed_on,
    finding,
    repeat,
  });
  await insertRows(wh, "complaints", [
    complaint(A, "c1", "2026-01-05", "2026-03-06", "substantiated", false), // exactly 60 days
    complaint(A, "c2", "2026-01-10", null, "pending", true), // 60 days not yet run out
    complaint(A, "c4", "2026-01-02", "2026-03-20", "partly", false), // closed late
    complaint(A, "c3", "2025-12-01", "2025-12-20", "unfounded", false),
    complaint(C, "c9", "2026-02-03", "2026-02-10", "unfounded", false),
  ]);
  const sat = ["very_satisfied", "very_satisfied", "very_satisfied", "very_satisfied", "satisfied", "satisfied", "satisfied", "fairly_satisfied", "dissatisfied", "dissatisfied"];
  const aware = ["aware", "aware", "aware", "aware", "aware", "aware", "partly_aware", "partly_aware", "unaware", "unaware"];
  await insertRows(
    wh,
    "surveys",
    sat.map((s, i) => ({ response_id: `s${i}`, surveyed_on: "2026-01-20", region_code: `${A}001001`, respondent: "recipient", satisfaction: s, awareness: aware[i]! })),
  );
  const insp = (county: string, id: string, on: string, checked: number, wrong: number, missed: number, rectified: boolean): FixtureRow => ({
    inspection_id: id,
    inspected_on: on,
    level: "county",
    region_code: `${county}001001`,
    cases_checked: checked,
    cases_wrong: wrong,
    cases_missed: missed,
    funds_irregular: 0,
    rectified,
  });
  await insertRows(wh, "inspections", [
    insp(A, "i1", "2026-01-15", 20, 1, 0, false),
    insp(A, "i2", "2026-02-10", 30, 0, 0, false),
    insp(C, "i3", "2026-02-01", 10, 0, 1, true),
  ]);
  const app = (county: string, id: string, program: string, applied: string, accepted: string | null, decided: string | null, decision: string, o: Partial<FixtureRow> = {}): FixtureRow => ({
    application_id: id,
    program,
    region_code: `${county}001001`,
    applicant_id: pid(30),
    household_size: 1,
    applied_on: applied,
    accepted_on: accepted,
    extended: false,
    investigated_on: accepted,
    county_checked: false,
    decided_on: decided,
    decision,
    ...o,
  });
  await insertRows(wh, "applications", [
    // 3 working days: 12-31, (1-1..1-3 New Year), 1-4 Sunday worked, 1-5
    app(A, "a1", "urban_dibao", "2025-12-28", "2025-12-30", "2026-01-05", "approved", { county_checked: true, publicity_from: "2025-12-31", publicity_to: "2026-01-06" }),
    // 34 working days across the Spring Festival (2-15..2-23 off, 2-14 Saturday worked): late
    app(A, "a2", "rural_dibao", "2026-01-04", "2026-01-05", "2026-02-27", "rejected", { investigated_on: null }),
    // the same 34 days, extended: within 45
    app(A, "a3", "tekun", "2026-01-04", "2026-01-05", "2026-02-27", "approved", { extended: true, publicity_from: "2026-02-20", publicity_to: "2026-02-25" }),
    // linshi: 13 working days ≤ 15
    app(A, "a4", "linshi", "2026-02-01", "2026-02-02", "2026-02-26", "approved", { county_checked: true, publicity_from: "2026-02-10", publicity_to: "2026-02-16" }),
    app(A, "a5", "urban_dibao", "2026-02-15", "2026-02-16", null, "pending"),
    app(A, "a6", "urban_dibao", "2026-02-01", "2026-02-02", "2026-02-10", "withdrawn"),
    // 11 working days, no publicity dates
    app(B, "b1", "urban_dibao", "2026-01-04", "2026-01-05", "2026-01-20", "approved", { county_checked: true }),
  ]);
}

let wh: Warehouse;
const get = async (indicator: string, window: string, region: string) => {
  const row = (await mart(wh, indicator, window)).get(region);
  if (!row) throw new Error(`no mart row ${indicator} ${window} ${region}`);
  return row;
};
const expectRatio = async (indicator: string, window: string, region: string, num: number, den: number) => {
  const r = await get(indicator, window, region);
  expect({ status: r.status, num: r.numerator, den: r.denominator }, `${indicator} ${window} ${region}`).toEqual({ status: "ok", num, den });
  expect(r.value).toBeCloseTo(num / den, 10);
};
const expectValue = async (indicator: string, window: string, region: string, value: number) => {
  const r = await get(indicator, window, region);
  expect(r.status, `${indicator} ${window} ${region}`).toBe("ok");
  expect(r.value, `${indicator} ${window} ${region}`).toBeCloseTo(value, 8);
};
const expectStatus = async (indicator: string, window: string, region: string, status: string) => {
  const r = await get(indicator, window, region);
  expect(r.status, `${indicator} ${window} ${region}`).toBe(status);
  if (status !== "ok") expect(r.value).toBeNull();
};

beforeAll(async () => {
  wh = await fixtureWarehouse();
  await buildFixture(wh);
  await computeIndicators(wh);
});
afterAll(() => wh.close());

describe("windows and grid", () => {
  it("computes every window touching the data, every region, every indicator", async () => {
    const windows = await wh.query<{ w: string }>(`SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1`);
    expect(windows.map((r) => r.w)).toEqual(["2025", "2025-12", "2025-H2", "2025-Q4", "2026", "2026-01", "2026-02", "2026-H1", "2026-Q1"]);
    const n = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM mart_indicator");
    // 4 counties + 2 cities + 1 province, 9 windows, every indicator
    expect(Number(n[0]!.n)).toBe(7 * 9 * CATALOGUE.length);
  });
});

describe("process (applications decided in the window, working days)", () => {
  it("on-time, visits, checks and publicity by month and quarter", async () => {
    await expectRatio("process.on_time_rate", "2026-01", A, 1, 1);
    await expectRatio("process.on_time_rate", "2026-02", A, 2, 3);
    await expectRatio("process.on_time_rate", "2026-Q1", A, 3, 4);
    await expectRatio("process.on_time_rate", "2026-Q1", "1501", 4, 5);
    await expectRatio("process.home_visit_rate", "2026-Q1", A, 3, 4);
    await expectRatio("process.county_check_rate", "2026-Q1", A, 2, 4);
    await expectRatio("process.publicity_rate", "2026-Q1", A, 2, 3);
    await expectRatio("process.publicity_rate", "2026-01", B, 0, 1);
  });
  it("medians and percentiles interpolate from rows at every level", async () => {
    await expectValue("process.median_days", "2026-01", A, 3);
    await expectValue("process.median_days", "2026-01", "1501", 7); // [3, 11]
    await expectValue("process.p90_days", "2026-01", "1501", 10.2);
    await expectValue("process.median_days", "2026-Q1", A, 23.5); // [3, 13, 34, 34]
    await expectValue("process.p90_days", "2026-Q1", A, 34);
    await expectValue("process.median_days", "2026-Q1", "15", 13); // [3, 11, 13, 34, 34]
    expect((await get("process.median_days", "2026-Q1", "15")).n).toBe(5);
  });
  it("a month with applications delivered but none decided is not applicable", async () => {
    await expectStatus("process.on_time_rate", "2025-12", A, "na");
  });
});

describe("coverage", () => {
  it("persons: distinct persons, averaged over months; cities sum their counties", async () => {
    await expectValue("coverage.persons", "2026-01", A, 4);
    await expectValue("coverage.persons", "2026-Q1", A, 3.5);
    await expectValue("coverage.persons", "2026-Q1", B, 1);
    await expectValue("coverage.persons", "2026-Q1", "1501", 4.5);
    await expectValue("coverage.persons", "2026-Q1", "15", 6);
    await expectValue("coverage.persons", "2025", A, 3);
  });
  it("rates over the population of the window's year (else the latest earlier)", async () => {
    await expectRatio("coverage.rate", "2026-Q1", "1501", 4.5, 30000);
    await expectRatio("coverage.need_rate", "2026-Q1", A, 3.5, 5);
    await expectRatio("coverage.need_rate", "2026-Q1", "15", 6, 10);
    await expectRatio("coverage.rate", "2025-12", A, 3, 9000);
    await expectStatus("coverage.rate", "2025-12", C, "na"); // no profile for 2025 or before
    await expectStatus("coverage.rate", "2025-12", "1502", "gap"); // and D delivered no roster
  });
  it("entries and exits need the previous month's roster", async () => {
    await expectValue("coverage.entries", "2026-01", A, 1);
    await expectValue("coverage.exits", "2026-02", A, 1);
    await expectValue("coverage.entries", "2026-Q1", "15", 1);
    await expectValue("coverage.exits", "2026-Q1", "15", 1);
    await expectStatus("coverage.entries", "2025-12", A, "na"); // November not delivered
    await expectStatus("coverage.entries", "2026-01", B, "na"); // December not delivered
    await expectValue("coverage.entries", "2026-01", C, 0);
  });
});

describe("accuracy and integrity", () => {
  it("benefit accuracy within ±1 yuan, monthly sums", async () => {
    await expectRatio("accuracy.benefit_rate", "2025-12", "15", 2, 3);
    await expectRatio("accuracy.benefit_rate", "2026-Q1", A, 2, 3);
    await expectRatio("accuracy.benefit_rate", "2026-Q1", C, 2, 2);
    await expectRatio("accuracy.benefit_rate", "2026-Q1", "15", 5, 6);
  });
  it("standards at or above the guideline, county-months", async () => {
    await expectRatio("accuracy.standard_ok", "2026-Q1", A, 1, 2);
    await expectRatio("accuracy.standard_ok", "2025", A, 0, 1);
    await expectRatio("accuracy.standard_ok", "2026-Q1", B, 2, 2);
    await expectStatus("accuracy.standard_ok", "2026-Q1", D, "na");
  });
  it("reviews on time at the window's last roster", async () => {
    await expectRatio("accuracy.review_on_time_rate", "2026-01", A, 2, 3);
    await expectRatio("accuracy.review_on_time_rate", "2026-01", "15", 3, 5);
    await expectRatio("accuracy.review_on_time_rate", "2026-Q1", "15", 3, 3);
    await expectStatus("accuracy.review_on_time_rate", "2026-Q1", B, "gap"); // no February roster
  });
  it("relatives filed, person-months", async () => {
    await expectRatio("accuracy.relative_filed_rate", "2026-Q1", A, 2, 4);
    await expectStatus("accuracy.relative_filed_rate", "2026-Q1", C, "na");
  });
  it("duplicates across counties count in each county", async () => {
    await expectValue("integrity.duplicate_persons", "2026-01", A, 1);
    await expectValue("integrity.duplicate_persons", "2026-01", C, 1);
    await expectValue("integrity.duplicate_persons", "2026-01", B, 0);
    await expectValue("integrity.duplicate_persons", "2026-02", A, 0);
    await expectValue("integrity.duplicate_persons", "2026-Q1", "15", 2);
  });
});

describe("funds and budget", () => {
  it("paid by the 10th, amounts matching, only months with both extracts", async () => {
    await expectRatio("funds.paid_rate", "2025-12", A, 1, 2);
    await expectRatio("funds.paid_rate", "2026-Q1", A, 4, 5);
    await expectRatio("funds.paid_rate", "2026-Q1", "15", 5, 6);
    await expectRatio("funds.amount_match_rate", "2026-Q1", A, 3, 4);
    await expectStatus("funds.paid_rate", "2026-Q1", B, "gap");
  });
  it("unlisted payments: count and exact amount, linshi excluded", async () => {
    const r = await get("funds.unlisted_payments", "2026-Q1", "15");
    expect([r.status, r.value, r.amount]).toEqual(["ok", 1, "300.50"]);
    await expectValue("funds.unlisted_payments", "2026-Q1", C, 0);
  });
  it("socialized rate as exact money sums; proxy violations", async () => {
    await expectRatio("funds.socialized_rate", "2026-Q1", A, 3350.5, 4050.5);
    await expectRatio("funds.socialized_rate", "2026-Q1", "15", 4450.5, 5150.5);
    const p = await get("funds.proxy_violations", "2026-Q1", A);
    expect([p.value, p.amount]).toEqual([2, "1650.00"]);
  });
  it("budget execution, lag and matching from the window's last month", async () => {
    await expectRatio("budget.execution_rate", "2025-12", A, 11900, 15000);
    await expectValue("budget.execution_lag", "2025-12", A, (1 - 11900 / 15000) * 100);
    await expectRatio("budget.execution_rate", "2026-Q1", "15", 2900, 21900);
    await expectValue("budget.execution_lag", "2026-Q1", "15", (2 / 12 - 2900 / 21900) * 100);
    await expectRatio("budget.matching_rate", "2026-Q1", A, 1100, 3400);
    await expectStatus("budget.execution_rate", "2026-01", C, "gap");
  });
  it("year-end rollover only in windows ending in December", async () => {
    await expectRatio("budget.rollover_ratio", "2025", A, 1600, 11900);
    await expectRatio("budget.rollover_ratio", "2025-Q4", A, 1600, 11900);
    await expectStatus("budget.rollover_ratio", "2026-Q1", A, "na");
    await expectStatus("budget.rollover_ratio", "2025", C, "gap");
  });
});

describe("people: satisfaction and complaints", () => {
  it("satisfaction and awareness with Wilson 95% intervals", async () => {
    const s = await get("satisfaction.rate", "2026-01", A);
    expect([s.value, s.n, s.numerator, s.denominator]).toEqual([0.8, 10, 8, 10]);
    expect(s.ci_low).toBeCloseTo(0.4902, 3);
    expect(s.ci_high).toBeCloseTo(0.9433, 3);
    await expectRatio("satisfaction.awareness_rate", "2026-Q1", "15", 7, 10);
    await expectStatus("satisfaction.rate", "2026-Q1", C, "na");
  });
  it("complaints per 10k, on time within 60 days, substantiated, repeats", async () => {
    const c = await get("complaints.per_10k", "2026-01", A);
    expect([c.status, c.numerator, c.denominator]).toEqual(["ok", 3, 4]);
    expect(c.value).toBeCloseTo(7500, 8);
    await expectValue("complaints.per_10k", "2026-Q1", "15", (4 / 5) * 10000);
    await expectRatio("complaints.on_time_rate", "2026-01", A, 1, 2);
    await expectRatio("complaints.on_time_rate", "2025-12", A, 1, 1);
    await expectRatio("complaints.substantiated_rate", "2026-01", A, 2, 2);
    await expectRatio("complaints.repeat_rate", "2026-01", A, 1, 3);
    await expectStatus("complaints.per_10k", "2026-Q1", B, "gap");
  });
});

describe("supervision", () => {
  it("error and rectification rates", async () => {
    await expectRatio("supervision.error_rate", "2026-Q1", "15", 1, 60);
    await expectRatio("supervision.rectified_rate", "2026-Q1", "15", 1, 2);
    await expectRatio("supervision.rectified_rate", "2026-Q1", A, 0, 1);
  });
});

describe("a county with no data", () => {
  it("is never ok except for reporting, which shows it delivered nothing", async () => {
    const rows = await wh.query<{ indicator: string; status: string; value: number | null }>(
      `SELECT indicator, status, value FROM mart_indicator WHERE region_code = ? AND "window" = '2026-Q1'`,
      [D],
    );
    for (const r of rows) {
      if (r.indicator === "reporting.completeness") expect([r.status, r.value]).toEqual(["ok", 0]);
      else expect(["na", "gap"], r.indicator).toContain(r.status);
    }
    expect(rows.find((r) => r.indicator === "coverage.persons")!.status).toBe("gap");
    expect(rows.find((r) => r.indicator === "satisfaction.rate")!.status).toBe("na");
  });
});

describe("ratios are ratios of sums at every level", () => {
  it("a city's and the province's numerator and denominator are the sums of their counties'", async () => {
    const rows = await wh.query<{ indicator: string; window: string; level: string; region_code: string; num: number; den: number; value: number; cnum: number; cden: number }>(`
      WITH c AS (
        SELECT indicator, "window", left(region_code, 4) AS city, left(region_code, 2) AS prov,
          CAST(numerator AS DOUBLE) AS num, CAST(denominator AS DOUBLE) AS den
        FROM mart_indicator WHERE level = 'county' AND status = 'ok' AND denominator IS NOT NULL)
      SELECT m.indicator, m."window", m.level, m.region_code, CAST(m.numerator AS DOUBLE) AS num, CAST(m.denominator AS DOUBLE) AS den, m.value,
        sum(c.num) AS cnum, sum(c.den) AS cden
      FROM mart_indicator m JOIN c ON c.indicator = m.indicator AND c."window" = m."window"
        AND (CASE m.level WHEN 'city' THEN c.city ELSE c.prov END) = m.region_code
      WHERE m.level IN ('city', 'province') AND m.status = 'ok' AND m.denominator IS NOT NULL
      GROUP BY ALL`);
    expect(rows.length).toBeGreaterThan(100);
    for (const r of rows) {
      expect(r.num, `${r.indicator} ${r.window} ${r.region_code}`).toBeCloseTo(r.cnum, 4);
      expect(r.den, `${r.indicator} ${r.window} ${r.region_code}`).toBeCloseTo(r.cden, 4);
      if (r.indicator === "budget.execution_lag") continue;
      const scale = r.indicator === "complaints.per_10k" ? 10000 : 1;
      expect(r.value, `${r.indicator} ${r.window} ${r.region_code}`).toBeCloseTo((r.cnum / r.cden) * scale, 8);
    }
  });
});

describe("case lists behind the problem counts", () => {
  const cases = async (indicator: string, window: string) =>
    wh.query<{ county_code: string; case_key: string; detail: string }>(
      `SELECT county_code, case_key, detail FROM mart_case WHERE indicator = ? AND "window" = ? ORDER BY case_key`,
      [indicator, window],
    );
  it("lists exactly the cases each count or ratio misses", async () => {
    expect((await cases("process.on_time_rate", "2026-Q1")).map((c) => c.case_key)).toEqual(["a2"]);
    expect((await cases("process.home_visit_rate", "2026-Q1")).map((c) => c.case_key)).toEqual(["a2"]);
    expect((await cases("integrity.duplicate_persons", "2026-01")).map((c) => c.county_code)).toEqual([A, C]);
    expect((await cases("funds.unlisted_payments", "2026-Q1")).map((c) => JSON.parse(c.detail).amount)).toEqual(["300.50"]);
    expect((await cases("funds.proxy_violations", "2026-Q1")).length).toBe(2);
    expect((await cases("accuracy.relative_filed_rate", "2026-Q1")).length).toBe(2);
    expect((await cases("accuracy.review_on_time_rate", "2026-01")).map((c) => [c.county_code, c.case_key])).toEqual([
      [A, "H2"],
      [B, "H5"],
    ]);
    expect((await cases("accuracy.review_on_time_rate", "2026-Q1")).length).toBe(0);
    expect((await cases("complaints.on_time_rate", "2026-01")).map((c) => c.case_key)).toEqual(["c4"]);
  });
  it("has as many cases as the indicator counts, in every window and county", async () => {
    const rows = await wh.query<{ indicator: string; window: string; region_code: string; expected: number; listed: number }>(`
      WITH m AS (
        SELECT indicator, "window", region_code,
          CAST(CASE WHEN indicator IN ('integrity.duplicate_persons', 'funds.unlisted_payments', 'funds.proxy_violations') THEN numerator
                    ELSE denominator - numerator END AS INTEGER) AS expected
        FROM mart_indicator WHERE level = 'county' AND status = 'ok'
          AND indicator IN ('process.on_time_rate', 'process.home_visit_rate', 'integrity.duplicate_persons', 'funds.unlisted_payments',
            'funds.proxy_violations', 'accuracy.relative_filed_rate', 'accuracy.review_on_time_rate', 'complaints.on_time_rate')),
      c AS (SELECT indicator, "window", county_code AS region_code, count(*) AS listed FROM mart_case GROUP BY ALL)
      SELECT m.*, CAST(coalesce(c.listed, 0) AS INTEGER) AS listed FROM m LEFT JOIN c USING (indicator, "window", region_code)`);
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) expect(r.listed, `${r.indicator} ${r.window} ${r.region_code}`).toBe(r.expected);
  });
  it("masks personal data", async () => {
    const all = await wh.query<{ case_key: string; detail: string }>("SELECT case_key, detail FROM mart_case");
    const text = all.map((c) => c.case_key + c.detail).join("\n");
    expect(text).not.toMatch(/\d{17}[\dX]/); // no full ID
    expect(text).not.toMatch(/张\d/); // no full name
    const dup = await cases("integrity.duplicate_persons", "2026-01");
    expect(JSON.parse(dup[0]!.detail)).toMatchObject({ person: `${pid(3).slice(0, 6)}********${pid(3).slice(-4)}`, name: "张**" });
  });
});

describe("incremental rebuild", () => {
  it("skips unchanged windows and recomputes only those a new delivery touches", async () => {
    const v1 = await wh.query<{ w: string; v: string }>(`SELECT "window" AS w, data_version AS v FROM meta_indicator_window ORDER BY 1`);
    const again = await computeIndicators(wh);
    expect(again.windows).toEqual([]);
    expect(again.skipped.length).toBe(9);
    const before = await get("coverage.persons", "2026-02", C);
    await insertRows(wh, "roster", [rosterRow("2026-02", C, "H10", 10, { delivery_id: 2, program: "rural_dibao" })]);
    const next = await computeIndicators(wh);
    expect(next.windows.sort()).toEqual(["2026", "2026-02", "2026-H1", "2026-Q1"]);
    expect(before.value).toBe(1);
    await expectValue("coverage.persons", "2026-02", C, 2);
    const versions = await wh.query<{ w: string; n: bigint }>(`SELECT "window" AS w, count(DISTINCT data_version) AS n FROM mart_indicator GROUP BY 1`);
    expect(versions.every((r) => Number(r.n) === 1)).toBe(true);
    const v2 = await wh.query<{ w: string; v: string }>(`SELECT "window" AS w, data_version AS v FROM meta_indicator_window ORDER BY 1`);
    const changed = v2.filter((r, i) => r.v !== v1[i]!.v).map((r) => r.w);
    expect(changed.sort()).toEqual(["2026", "2026-02", "2026-H1", "2026-Q1"]);
  });
});
