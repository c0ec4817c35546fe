// Every indicator against hand-computed fixtures: three delivering counties in two cities
// and one county that never delivers, December 2025 to February 2026 (windows that straddle
// the year), working days across the Spring Festival, New Year and 调休 Saturdays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Warehouse } from "../../loaders/db.js";
import { CATALOGUE } from "../../metrics/catalogue/index.js";
import { computeIndicators } from "../../metrics/indicators/compute.js";
import { A, B, C, D, buildFixture, fixtureWarehouse, insertRows, mart, pid, rosterRow } from "../unit/metrics-fixtures.js";

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
  wh = await fixtureWarehouse({ meta: true });
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
    const dup = await wh.query<{ n: bigint }>(`SELECT count(*) AS n FROM (SELECT region_code, "window", indicator FROM mart_indicator GROUP BY ALL HAVING count(*) > 1)`);
    expect(Number(dup[0]!.n)).toBe(0);
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
    await expectStatus("process.median_days", "2026-Q1", C, "gap"); // C delivered no applications
  });
  it("a month with applications delivered but none decided is not applicable", async () => {
    await expectStatus("process.on_time_rate", "2025-12", A, "na");
  });
});

describe("coverage", () => {
  it("persons: distinct persons at each level, averaged over months", async () => {
    await expectValue("coverage.persons", "2026-01", A, 4);
    await expectRatio("coverage.persons", "2026-Q1", A, 7, 2);
    await expectStatus("coverage.persons", "2026-Q1", B, "gap"); // no February roster
    await expectValue("coverage.persons", "2026-01", "15", 6); // A 4 + B 1 + C 2, person 3 on A's and C's rosters
    // A city's persons are counted over its counties that have the figure: B is a gap for the quarter.
    await expectRatio("coverage.persons", "2026-Q1", "1501", 7, 2); // January A 4, February A 3
    await expectRatio("coverage.persons", "2026-Q1", "15", 9, 2); // January A 4 + C 2 − person 3, February A 3 + C 1
    await expectValue("coverage.persons", "2025", A, 3);
  });
  it("rates over the population of the window's year (else the latest earlier)", async () => {
    await expectRatio("coverage.rate", "2026-Q1", "1501", 3.5, 10000); // B is a gap
    await expectRatio("coverage.need_rate", "2026-Q1", A, 3.5, 5);
    // The province's own persons (person 3 once): (5 + 4) / 2 = 4.5 over 5 + 3
    await expectRatio("coverage.need_rate", "2026-Q1", "15", 4.5, 8);
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
    await expectRatio("accuracy.benefit_rate", "2026-Q1", "15", 4, 5); // B is a gap
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
  it("duplicates: a county's persons also on another household anywhere; a region's persons on two of its households", async () => {
    // Person 3 is on A's H2 and C's H9 in January: a problem of both counties.
    await expectValue("integrity.duplicate_persons", "2026-01", A, 1);
    await expectValue("integrity.duplicate_persons", "2026-01", C, 1);
    await expectValue("integrity.duplicate_persons", "2026-01", "15", 1); // one person
    await expectValue("integrity.duplicate_persons", "2026-01", "1501", 0); // within 1501 person 3 has one household
    await expectValue("integrity.duplicate_persons", "2026-02", A, 1); // person 4 on H1 and H3
    await expectValue("integrity.duplicate_persons", "2026-Q1", A, 2);
    await expectValue("integrity.duplicate_persons", "2026-Q1", C, 1);
    await expectValue("integrity.duplicate_persons", "2026-Q1", "15", 2);
  });
});

describe("funds and budget", () => {
  it("paid by the 10th, amounts matching, only months with both extracts", async () => {
    await expectRatio("funds.paid_rate", "2025-12", A, 1, 2);
    await expectRatio("funds.paid_rate", "2026-Q1", A, 4, 5);
    await expectRatio("funds.paid_rate", "2026-Q1", "15", 4, 5); // C: no February payments, a gap
    await expectStatus("funds.paid_rate", "2026-Q1", C, "gap");
    await expectRatio("funds.paid_rate", "2026-01", C, 1, 1);
    await expectRatio("funds.amount_match_rate", "2026-Q1", A, 3, 4);
    await expectStatus("funds.paid_rate", "2026-Q1", B, "gap");
  });
  it("unlisted payments: count and exact amount, linshi excluded", async () => {
    const r = await get("funds.unlisted_payments", "2026-Q1", "15");
    expect([r.status, r.value, r.amount]).toEqual(["ok", 1, "300.50"]);
    await expectValue("funds.unlisted_payments", "2026-01", C, 0);
  });
  it("socialized rate as exact money sums; proxy violations", async () => {
    await expectRatio("funds.socialized_rate", "2026-Q1", A, 3350.5, 4050.5);
    await expectRatio("funds.socialized_rate", "2026-01", "15", 2850.5, 3050.5);
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
    // The province's own persons over A and C (B delivered no complaints): (5 + 4) / 2
    await expectValue("complaints.per_10k", "2026-Q1", "15", (4 / 4.5) * 10000);
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
      if (r.indicator.startsWith("reporting.")) expect([r.status, r.value]).toEqual(["ok", 0]);
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
        FROM mart_indicator WHERE level = 'county' AND status = 'ok' AND denominator IS NOT NULL
          -- a stock of distinct persons and the rates over it: counted from the rows at every level
          AND indicator NOT IN ('coverage.persons', 'coverage.rate', 'coverage.need_rate', 'complaints.per_10k'))
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
    expect((await cases("integrity.duplicate_persons", "2026-01")).map((c) => [c.county_code, JSON.parse(c.detail).scope])).toEqual([
      [A, "across_counties"],
      [C, "across_counties"],
    ]);
    expect((await cases("integrity.duplicate_persons", "2026-02")).map((c) => [c.county_code, JSON.parse(c.detail).scope])).toEqual([[A, "county"]]);
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
    // The incremental result is exactly what a full recomputation gives.
    const snapshot = async () =>
      (
        await wh.query<Record<string, unknown>>(
          `SELECT region_code, "window", indicator, value, CAST(numerator AS VARCHAR) AS num, CAST(denominator AS VARCHAR) AS den, n, CAST(amount AS VARCHAR) AS amount, ci_low, status
           FROM mart_indicator ORDER BY region_code, "window", indicator`,
        )
      ).map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? Number(v) : v)));
    const cases = async () => (await wh.query<{ c: bigint }>("SELECT count(*) AS c FROM mart_case"))[0]!.c;
    const incremental = await snapshot();
    const incrementalCases = await cases();
    await computeIndicators(wh, { force: true });
    expect(await snapshot()).toEqual(incremental);
    expect(await cases()).toBe(incrementalCases);
  });
});

describe("households without exactly one head row", () => {
  it("are grouped from all their rows, counted once", async () => {
    const w = await fixtureWarehouse();
    try {
      const base = { program: "urban_dibao", monthly_benefit: 800, per_capita_income: 0, covered_size: 1, household_size: 2, category: "A", last_review_on: "2025-12-01" };
      await insertRows(w, "standards", [{ county_code: A, program: "urban_dibao", effective_from: "2025-01", standard: 800, guideline: 800 }]);
      await insertRows(w, "roster", [
        rosterRow("2026-01", A, "X", 1, { ...base, relation: "spouse" }), // no head
        rosterRow("2026-01", A, "X", 2, { ...base, relation: "child" }),
        rosterRow("2026-01", A, "Y", 3, base), // two heads
        rosterRow("2026-01", A, "Y", 4, base),
        rosterRow("2026-01", A, "Z", 5, { ...base, monthly_benefit: 500 }), // regular, wrong benefit
        rosterRow("2026-02", A, "X", 1, base),
        rosterRow("2026-02", A, "X", 2, { ...base, relation: "child" }),
        rosterRow("2026-02", A, "Z", 5, base),
      ]);
      await computeIndicators(w);
      const m = async (indicator: string, window: string) => (await mart(w, indicator, window)).get(A)!;
      expect([(await m("accuracy.benefit_rate", "2026-01")).numerator, (await m("accuracy.benefit_rate", "2026-01")).denominator]).toEqual([2, 3]);
      expect((await m("accuracy.review_on_time_rate", "2026-01")).denominator).toBe(3);
      expect((await m("coverage.persons", "2026-01")).value).toBe(5);
      expect([(await m("coverage.entries", "2026-02")).value, (await m("coverage.exits", "2026-02")).value]).toEqual([0, 1]);
      expect((await m("accuracy.benefit_rate", "2026-02")).numerator).toBe(2);
    } finally {
      w.close();
    }
  });
});
