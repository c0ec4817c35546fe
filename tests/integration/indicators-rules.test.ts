// The rules of issue 11 on fixtures of their own: cumulative ledgers (a city-wide ledger, a
// county with no events in a month), partial windows (rosters from October, a year window),
// duplicates across counties, exact values (a 34/3 average) and the calendar after 2026.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../loaders/db.js";
import { WorkCalendar } from "../../metrics/calendar.js";
import { computeIndicators } from "../../metrics/indicators/compute.js";
import { A, B, C, fixtureWarehouse, insertDelivery, insertRows, pid, rosterRow, type FixtureRow } from "../unit/metrics-fixtures.js";

type Row = {
  region_code: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: string;
  reason: string | null;
  months: string | null;
};
async function row(wh: Warehouse, indicator: string, window: string, region: string): Promise<Row> {
  const r = await wh.query<Row>(
    `SELECT region_code, value, CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator, status, reason, months
     FROM mart_indicator WHERE indicator = ? AND "window" = ? AND region_code = ?`,
    [indicator, window, region],
  );
  if (!r[0]) throw new Error(`no mart row ${indicator} ${window} ${region}`);
  return r[0];
}
const complaint = (county: string, id: string, received_on: string, o: Partial<FixtureRow> = {}): FixtureRow => ({
  complaint_id: id,
  region_code: `${county}001001`,
  program: "urban_dibao",
  received_on,
  channel: "hotline",
  category: "other",
  closed_on: null,
  finding: "pending",
  repeat: false,
  ...o,
});
let nextId = 1;
const deliver = (wh: Warehouse, extract_type: string, county_code: string | null, period: string, file_name?: string) =>
  insertDelivery(wh, { delivery_id: nextId++, extract_type, county_code, period, received_at: `${period}-28 09:00:00`, file_name });
/** One roster head per person, `persons` persons in the month. */
const rosterOf = (county: string, period: string, persons: number, first = 1) =>
  Array.from({ length: persons }, (_, i) => rosterRow(period, county, `H${first + i}`, first + i, { delivery_id: 0 }));

describe("event ledgers are cumulative", () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await fixtureWarehouse({ meta: true });
    for (const m of ["2026-01", "2026-02", "2026-03"]) {
      for (const c of [A, B, C]) {
        await deliver(wh, "roster", c, m);
        await insertRows(wh, "roster", rosterOf(c, m, 2, c === A ? 1 : c === B ? 10 : 20));
      }
    }
    // A city-wide ledger of 1501 for 2026-02 (named with the city's code): rows for A only.
    await deliver(wh, "complaints", null, "2026-02", "complaints_1501_2026-02.csv");
    const cityFile = nextId - 1;
    await insertRows(wh, "complaints", [complaint(A, "k1", "2026-01-10", { delivery_id: cityFile }), complaint(A, "k2", "2026-02-03", { delivery_id: cityFile, repeat: true })]);
    // C delivers its own ledger for January and March, none for February, and no complaint in February.
    await deliver(wh, "complaints", C, "2026-01");
    await insertRows(wh, "complaints", [complaint(C, "k3", "2026-01-05", { delivery_id: nextId - 1 })]);
    await deliver(wh, "complaints", C, "2026-03");
    await insertRows(wh, "complaints", [complaint(C, "k4", "2026-03-05", { delivery_id: nextId - 1 })]);
    await computeIndicators(wh);
  });
  afterAll(() => wh.close());

  it("a ledger named for a city is a delivery for every county of the city, those without a row too", async () => {
    const b = await row(wh, "complaints.per_10k", "2026-02", B);
    expect([b.status, b.value, b.numerator]).toEqual(["ok", 0, 0]); // no complaint is a valid answer
    expect((await row(wh, "complaints.repeat_rate", "2026-02", B)).status).toBe("na");
    const a = await row(wh, "complaints.repeat_rate", "2026-02", A);
    expect([a.status, a.numerator, a.denominator]).toEqual(["ok", 1, 1]);
    // It covers the months before it: January is covered by the February delivery.
    expect((await row(wh, "complaints.per_10k", "2026-01", A)).numerator).toBe(1);
    expect((await row(wh, "complaints.per_10k", "2026-01", B)).status).toBe("ok");
    // …and not the month after it.
    const late = await row(wh, "complaints.per_10k", "2026-03", B);
    expect(late.status).toBe("gap");
    expect(late.reason).toBe("no complaints delivery covering 2026-03 (latest 2026-02)");
  });
  it("a month without events is not missing data; a gap only when nothing covers the window's last month", async () => {
    const feb = await row(wh, "complaints.per_10k", "2026-02", C); // no February file, the March one covers it
    expect([feb.status, feb.numerator]).toEqual(["ok", 0]);
    const q1 = await row(wh, "complaints.per_10k", "2026-Q1", C);
    expect([q1.status, q1.numerator]).toEqual(["ok", 2]);
    const qa = await row(wh, "complaints.per_10k", "2026-Q1", A); // its last delivery is February
    expect([qa.status, qa.reason]).toEqual(["gap", "no complaints delivery covering 2026-03 (latest 2026-02)"]);
    // The city: no county with a value in Q1, and the reason names one.
    const city = await row(wh, "complaints.per_10k", "2026-Q1", "1501");
    expect(city.status).toBe("gap");
    expect(city.reason).toMatch(/^no county with a value; 2 counties a gap \(15010[23] no complaints delivery covering 2026-03/);
  });
  it("a code-less ledger whose rows span counties of one city covers that city", async () => {
    const w = await fixtureWarehouse({ meta: true });
    try {
      for (const c of [A, B, C]) {
        await deliver(w, "roster", c, "2026-01");
        await insertRows(w, "roster", rosterOf(c, "2026-01", 1, c === A ? 1 : c === B ? 10 : 20));
      }
      await deliver(w, "complaints", null, "2026-01", "投诉举报_2026-01.csv");
      await insertRows(w, "complaints", [complaint(A, "x1", "2026-01-03", { delivery_id: nextId - 1 }), complaint(B, "x2", "2026-01-04", { delivery_id: nextId - 1 })]);
      await computeIndicators(w);
      expect((await row(w, "complaints.per_10k", "2026-01", A)).status).toBe("ok");
      expect((await row(w, "complaints.per_10k", "2026-01", B)).status).toBe("ok");
      expect((await row(w, "complaints.per_10k", "2026-01", C)).status).toBe("gap"); // 1502 not covered
      const fresh = await w.query<{ county_code: string; latest_period: string | null; scope_code: string | null; months_behind: number | null }>(
        "SELECT region_code AS county_code, latest_period, scope_code, CAST(value AS INTEGER) AS months_behind FROM mart_quality WHERE kind = 'ledger' AND subject = 'complaints' AND region_code IN (?, ?, ?) ORDER BY 1",
        [A, B, C],
      );
      expect(fresh.map((f) => [f.county_code, f.latest_period, f.scope_code, f.months_behind])).toEqual([
        [A, "2026-01", "1501", 0],
        [B, "2026-01", "1501", 0],
        [C, null, null, null],
      ]);
    } finally {
      w.close();
    }
  });
  it("ledger freshness: the latest period each county has of each ledger, and how far behind the data it is", async () => {
    const fresh = await wh.query<{ county_code: string; latest_period: string | null; scope_code: string | null; months_behind: number | null }>(
      "SELECT region_code AS county_code, latest_period, scope_code, CAST(value AS INTEGER) AS months_behind FROM mart_quality WHERE kind = 'ledger' AND subject = 'complaints' AND region_code IN (?, ?, ?) ORDER BY 1",
      [A, B, C],
    );
    expect(fresh.map((f) => [f.county_code, f.latest_period, f.scope_code, f.months_behind])).toEqual([
      [A, "2026-02", "1501", 1],
      [B, "2026-02", "1501", 1],
      [C, "2026-03", C, 0],
    ]);
  });
});

describe("partial windows and the data range", () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await fixtureWarehouse({ meta: true });
    for (const m of ["2025-10", "2025-11", "2025-12"]) {
      await deliver(wh, "roster", A, m);
      await insertRows(wh, "roster", rosterOf(A, m, 3));
      await deliver(wh, "payments", A, m);
      await deliver(wh, "applications", A, m);
    }
    // An application applied for in September, decided in March: September is no roster month.
    await insertRows(wh, "applications", [
      {
        application_id: "p1", program: "urban_dibao", region_code: `${A}001001`, applicant_id: pid(40), household_size: 1,
        applied_on: "2025-09-20", accepted_on: "2025-03-03", extended: false, investigated_on: "2025-03-04", county_checked: false,
        decided_on: "2025-03-10", decision: "approved", publicity_from: "2025-03-05", publicity_to: "2025-03-12",
      },
    ]);
    await computeIndicators(wh);
  });
  afterAll(() => wh.close());

  it("takes the data range from deliveries, never from dates inside rows", async () => {
    const windows = (await wh.query<{ w: string }>(`SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1`)).map((r) => r.w);
    expect(windows).toEqual(["2025", "2025-10", "2025-11", "2025-12", "2025-H2", "2025-Q4"]);
  });
  it("computes a year that starts before the data over the months with data and says which", async () => {
    const p = await row(wh, "coverage.persons", "2025", A);
    expect([p.status, p.value, p.months]).toEqual(["ok", 3, "2025-10..2025-12"]);
    const h2 = await row(wh, "funds.paid_rate", "2025-H2", A); // payments delivered (empty) every month from October
    expect([h2.status, h2.months]).toEqual(["ok", "2025-10..2025-12"]);
    expect((await row(wh, "reporting.completeness", "2025", A)).months).toBe("2025-10..2025-12");
    // A ledger holds the events before its first delivery: the year counts March's decision.
    const on = await row(wh, "process.on_time_rate", "2025", A);
    expect([on.status, on.numerator, on.denominator, on.months]).toEqual(["ok", 1, 1, "2025-01..2025-12"]);
  });
  it("an extract the province does not have yet is not expected: not applicable, saying from when", async () => {
    const b = await row(wh, "budget.execution_rate", "2025", A); // no funds anywhere
    expect(b.status).toBe("na");
    const c = await row(wh, "reporting.completeness", "2025", A);
    expect([c.numerator, c.denominator]).toEqual([6, 6]); // roster and payments, October to December
  });
});

describe("duplicates across counties", () => {
  it("count for both counties; the case names the other county and its household, masked", async () => {
    const wh = await fixtureWarehouse({ meta: true });
    try {
      for (const c of [A, C]) await deliver(wh, "roster", c, "2026-01");
      await insertRows(wh, "roster", [
        rosterRow("2026-01", A, "HA0001", 1, {}),
        rosterRow("2026-01", C, "HC0009", 1, {}), // the same person in another city's county
        rosterRow("2026-01", C, "HC0010", 2, {}),
      ]);
      await computeIndicators(wh);
      expect((await row(wh, "integrity.duplicate_persons", "2026-01", A)).value).toBe(1);
      expect((await row(wh, "integrity.duplicate_persons", "2026-01", C)).value).toBe(1);
      expect((await row(wh, "integrity.duplicate_persons", "2026-01", "1501")).value).toBe(0); // one household within 1501
      expect((await row(wh, "integrity.duplicate_persons", "2026-01", "15")).value).toBe(1);
      expect((await row(wh, "coverage.persons", "2026-01", "15")).value).toBe(2);
      const cases = await wh.query<{ county_code: string; detail: string }>(
        "SELECT county_code, detail FROM mart_case WHERE indicator = 'integrity.duplicate_persons' AND \"window\" = '2026-01' ORDER BY county_code",
      );
      expect(cases.map((c) => c.county_code)).toEqual([A, C]);
      const a = JSON.parse(cases[0]!.detail);
      expect(a).toMatchObject({ scope: "across_counties", households: ["HA**01"], other_counties: [{ county_code: C, county_name: "东河区", households: ["HC**09"] }] });
      expect(cases.map((c) => c.detail).join("")).not.toMatch(/HC0009|HA0001/);
    } finally {
      wh.close();
    }
  });
});

describe("exact values", () => {
  it("a 34/3 average divides once: complaints per 10,000 and the coverage rates to 1e-9 relative", async () => {
    const wh = await fixtureWarehouse({ meta: true });
    try {
      const persons = { "2026-01": 11, "2026-02": 11, "2026-03": 12 }; // 34 person-months over 3 months
      for (const [m, n] of Object.entries(persons)) {
        await deliver(wh, "roster", A, m);
        await insertRows(wh, "roster", rosterOf(A, m, n));
        await deliver(wh, "complaints", A, m);
      }
      await insertRows(wh, "complaints", [complaint(A, "e1", "2026-02-10")]);
      await insertRows(wh, "county_profile", [{ year: 2026, county_code: A, resident_population: 7, low_income_population: 13, fiscal_difficulty: 0.5 }]);
      await computeIndicators(wh);
      const rel = (got: number | null, exact: number) => Math.abs((got ?? NaN) - exact) / exact;
      const per = await row(wh, "complaints.per_10k", "2026-Q1", A);
      expect(rel(per.value, (1 * 3 * 10000) / 34)).toBeLessThan(1e-9); // 882.352941176…, not 1 ÷ 11.3333 × 10⁴
      expect(rel((await row(wh, "coverage.rate", "2026-Q1", A)).value, 34 / (3 * 7))).toBeLessThan(1e-9);
      expect(rel((await row(wh, "coverage.need_rate", "2026-Q1", A)).value, 34 / (3 * 13))).toBeLessThan(1e-9);
      for (const region of ["1501", "15"]) {
        expect(rel((await row(wh, "complaints.per_10k", "2026-Q1", region)).value, 30000 / 34)).toBeLessThan(1e-9);
        expect(rel((await row(wh, "coverage.rate", "2026-Q1", region)).value, 34 / 21)).toBeLessThan(1e-9);
      }
    } finally {
      wh.close();
    }
  });
});

describe("the calendar after 2026", () => {
  it("counts 2027 on weekends alone and marks it provisional, then recomputes when the year is added", async () => {
    const wh = await fixtureWarehouse({ meta: true });
    try {
      for (const m of ["2026-12", "2027-01"]) await deliver(wh, "applications", A, m);
      await insertRows(wh, "applications", [
        {
          application_id: "n1", program: "urban_dibao", region_code: `${A}001001`, applicant_id: pid(50), household_size: 1,
          applied_on: "2026-12-29", accepted_on: "2026-12-30", extended: false, investigated_on: "2026-12-31", county_checked: true,
          decided_on: "2027-01-05", decision: "approved", publicity_from: "2026-12-31", publicity_to: "2027-01-07",
        },
      ]);
      const first = await computeIndicators(wh);
      expect(first.provisionalYears).toEqual([2027]);
      const before = await row(wh, "process.median_days", "2027-01", A);
      // 12-31, 1-1 (a Friday: a working day on weekends alone), 1-4, 1-5
      expect([before.status, before.value]).toEqual(["provisional", 4]);
      expect(before.reason).toMatch(/2027.*weekends alone.*data\/holidays\.json/);
      expect((await row(wh, "process.on_time_rate", "2027-01", "15")).status).toBe("provisional");
      expect((await row(wh, "process.home_visit_rate", "2027-01", A)).status).toBe("ok"); // no working days counted
      // 2027's schedule arrives: New Year's Day off.
      const calendar = new WorkCalendar({ sources: { "2027": "test" }, years: { "2027": { holidays: { "2027-01-01": "元旦" }, workdays: {} } } });
      const second = await computeIndicators(wh, { calendar });
      expect(second.windows).toContain("2027-01");
      expect(second.provisionalYears).toEqual([]);
      const after = await row(wh, "process.median_days", "2027-01", A);
      expect([after.status, after.value, after.reason]).toEqual(["ok", 3, null]);
    } finally {
      wh.close();
    }
  });
});
