// Small hand-made warehouses for the indicator tests: core_<type> tables of the contract's
// shape (createTableSql), a hand-made dim_region, optional meta_delivery.
import { type ExtractType } from "../../loaders/contracts/dictionary.js";
import { createTableSql, extractColumns } from "../../loaders/contracts/sql.js";
import { quoteIdent, quoteLiteral, Warehouse } from "../../loaders/db.js";

export type FixtureRow = Record<string, string | number | boolean | null>;

export const REGIONS = [
  { code: "15", name: "内蒙古自治区", level: "province", parent: null },
  { code: "1501", name: "呼和浩特市", level: "city", parent: "15" },
  { code: "1502", name: "包头市", level: "city", parent: "15" },
  { code: "150102", name: "新城区", level: "county", parent: "1501" },
  { code: "150103", name: "回民区", level: "county", parent: "1501" },
  { code: "150202", name: "东河区", level: "county", parent: "1502" },
  { code: "150203", name: "昆都仑区", level: "county", parent: "1502" }, // never delivers anything
] as const;

export async function fixtureWarehouse(options: { meta?: boolean; path?: string } = {}): Promise<Warehouse> {
  const wh = await Warehouse.open(options.path ?? ":memory:");
  await wh.run(`CREATE TABLE dim_region (code VARCHAR PRIMARY KEY, name VARCHAR, level VARCHAR, parent_code VARCHAR,
    province_code VARCHAR, city_code VARCHAR, county_code VARCHAR)`);
  for (const r of REGIONS) {
    await wh.run("INSERT INTO dim_region VALUES (?, ?, ?, ?, ?, ?, ?)", [
      r.code,
      r.name,
      r.level,
      r.parent,
      r.code.slice(0, 2),
      r.code.length >= 4 ? r.code.slice(0, 4) : null,
      r.code.length >= 6 ? r.code.slice(0, 6) : null,
    ]);
  }
  for (const type of ["county_profile", "standards", "applications", "roster", "payments", "funds", "complaints", "surveys", "inspections"] as const) {
    await wh.run(createTableSql(type, `core_${type}`));
  }
  if (options.meta) {
    await wh.run(`CREATE TABLE meta_delivery (delivery_id INTEGER, file_name VARCHAR, content_hash VARCHAR, extract_type VARCHAR,
      county_code VARCHAR, period VARCHAR, format VARCHAR, encoding VARCHAR, received_at TIMESTAMP, loaded_at TIMESTAMP,
      rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER, status VARCHAR, superseded_by INTEGER, warnings VARCHAR)`);
  }
  return wh;
}

let line = 0;

/** Insert rows; county_code/city_code derive from region_code (or county_code); delivery_id defaults to 1. */
export async function insertRows(wh: Warehouse, type: ExtractType, rows: FixtureRow[]): Promise<void> {
  const cols = extractColumns(type).map(([n]) => n);
  for (const row of rows) {
    const region = String(row.region_code ?? row.county_code ?? "");
    const full: FixtureRow = {
      delivery_id: 1,
      line: ++line,
      county_code: region.slice(0, 6) || null,
      city_code: region.slice(0, 4) || null,
      ...row,
    };
    const values = cols.map((c) => {
      const v = full[c];
      if (v === undefined || v === null) return "NULL";
      if (typeof v === "boolean") return v ? "true" : "false";
      if (typeof v === "number") return String(v);
      return quoteLiteral(v);
    });
    await wh.run(`INSERT INTO ${quoteIdent(`core_${type}`)} (${cols.map(quoteIdent).join(", ")}) VALUES (${values.join(", ")})`);
  }
}

export async function insertDelivery(
  wh: Warehouse,
  d: { delivery_id: number; extract_type: string; county_code: string | null; period: string; received_at: string; status?: string; content_hash?: string; file_name?: string },
): Promise<void> {
  await wh.run(
    `INSERT INTO meta_delivery (delivery_id, file_name, content_hash, extract_type, county_code, period, received_at, status)
     VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), ?)`,
    [d.delivery_id, d.file_name ?? `${d.extract_type}_${d.period}_${d.county_code}.csv`, d.content_hash ?? `h${d.delivery_id}`, d.extract_type, d.county_code, d.period, d.received_at, d.status ?? "current"],
  );
}

export interface MartRow {
  region_code: string;
  level: string;
  window: string;
  indicator: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  n: number;
  amount: string | null;
  ci_low: number | null;
  ci_high: number | null;
  status: string;
}

export async function mart(wh: Warehouse, indicator: string, window: string): Promise<Map<string, MartRow>> {
  const rows = await wh.query(
    `SELECT region_code, level, "window", indicator, value, CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator,
       CAST(n AS INTEGER) AS n, CAST(amount AS VARCHAR) AS amount, ci_low, ci_high, status
     FROM mart_indicator WHERE indicator = ? AND "window" = ?`,
    [indicator, window],
  );
  return new Map(rows.map((r) => [String(r.region_code), r as unknown as MartRow]));
}

// The hand-computed fixture of tests/integration/indicators.test.ts (values worked out there).
export const A = "150102"; // city 1501
export const B = "150103"; // city 1501, roster in January only, no payments
export const C = "150202"; // city 1502
export const D = "150203"; // city 1502, no data at all

/** A valid-looking 18-character ID (the warehouse stores what ingestion validated). */
export const pid = (n: number) => `${A}1980010${String(n).padStart(3, "0")}${n % 10}X`.slice(0, 17) + "X";

export const rosterRow = (period: string, county: string, hh: string, person: number, o: Partial<FixtureRow>): FixtureRow => ({
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

/** What each county delivered (the load log): B roster in January and applications only; C no payments in February, funds in February only, no applications. */
export const FIXTURE_DELIVERIES: Record<string, Record<string, string[]>> = {
  [A]: { roster: ["2025-12", "2026-01", "2026-02"], payments: ["2025-12", "2026-01", "2026-02"], funds: ["2025-12", "2026-01", "2026-02"], applications: ["2025-12", "2026-01", "2026-02"], complaints: ["2025-12", "2026-01", "2026-02"] },
  [B]: { roster: ["2026-01"], applications: ["2025-12", "2026-01", "2026-02"] },
  [C]: { roster: ["2025-12", "2026-01", "2026-02"], payments: ["2025-12", "2026-01"], funds: ["2026-02"], complaints: ["2025-12", "2026-01", "2026-02"] },
};

/** Fill a warehouse made with fixtureWarehouse({ meta: true }). */
export async function buildFixture(wh: Warehouse): Promise<void> {
  let id = 100;
  for (const [county, byType] of Object.entries(FIXTURE_DELIVERIES)) {
    for (const [type, months] of Object.entries(byType)) {
      for (const period of months) {
        await insertDelivery(wh, { delivery_id: id++, extract_type: type, county_code: county, period, received_at: `${period}-28 09:00:00` });
      }
    }
  }
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
    rosterRow("2026-02", A, "H1", 4, { ...H1, monthly_benefit: 900, relation: "other", cadre_relative: true, relative_filed: true }), // also on H3
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

