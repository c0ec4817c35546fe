// The demo province's ground truth: generate a few counties and months, ingest them, compute,
// and compare every expected value of the ledger with mart_indicator.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemo } from "../../data/generator/index.js";
import type { ExpectedValue, Ledger } from "../../data/generator/ledger.js";
import { Warehouse } from "../../loaders/db.js";
import { ingestPaths } from "../../loaders/ingest.js";
import { indicatorDef } from "../../metrics/catalogue/index.js";
import { CONFIG } from "../../metrics/config.js";
import { computeIndicators } from "../../metrics/indicators/compute.js";
import { parseWindow } from "../../metrics/windows.js";

let dir: string;
let wh: Warehouse;
let ledger: Ledger;
/** Ledger files the load log does not record (see `unrecorded` below). */
let unrecorded: { type: string; county_code: string | null; period: string | null }[];
/** Counties of the demo's province (the ledger may hold only some of them). */
let provinceCounties: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-gt-"));
  const out = join(dir, "demo");
  await generateDemo({ out, scale: 0.01, from: "2025-11", to: "2026-02", counties: 3, seed: 7 });
  const db = join(dir, "w.duckdb");
  await ingestPaths(db, [out]);
  wh = await Warehouse.open(db);
  await computeIndicators(wh);
  ledger = JSON.parse(readFileSync(join(out, "ground_truth.json"), "utf8")) as Ledger;
  const recorded = new Set((await wh.query<{ f: string }>("SELECT file_name AS f FROM meta_delivery")).map((r) => r.f));
  unrecorded = ledger.files.filter((f) => !recorded.has(f.file));
  const [{ n }] = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM dim_region WHERE level = 'county' AND province_code = '15'") as [{ n: bigint }];
  provinceCounties = Number(n);
}, 240_000);
afterAll(() => {
  wh?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A file the load log does not record cannot be told from a missing delivery. Ingestion
 * currently skips a file whose bytes equal an earlier file's (two header-only files of
 * different months), so such expectations are left out — and listed by the last test.
 */
function touchesUnrecorded(e: ExpectedValue): boolean {
  const def = indicatorDef(e.indicator);
  const reads: readonly string[] = def.family === "reporting" ? def.extracts : def.required;
  const months = parseWindow(e.window).months;
  return unrecorded.some(
    (f) => (e.county_code === null || f.county_code === e.county_code) && f.period !== null && months.includes(f.period) && reads.includes(f.type),
  );
}

/**
 * The generator's ledger counts reporting over five extracts (roster, payments, funds,
 * applications, complaints); issue 11 makes completeness and timeliness count the extracts
 * configured as monthly (CONFIG.monthlyExtracts, default roster, payments, funds), the event
 * ledgers being judged on coverage instead. The expectation is re-derived here from the
 * ledger's own record of missing and late deliveries, restricted to the configured extracts.
 */
function reportingExpectation(e: ExpectedValue): ExpectedValue {
  if (!e.indicator.startsWith("reporting.") || e.level !== "county") return e;
  const months = parseWindow(e.window).months.filter((m) => m >= ledger.params.from && m <= ledger.params.to);
  const monthly: readonly string[] = CONFIG.monthlyExtracts;
  const mine = (d: { type: string; county_code: string | null; period: string | null }) =>
    d.county_code === e.county_code && monthly.includes(d.type) && d.period !== null && months.includes(d.period);
  const den = monthly.length * months.length;
  const missing = ledger.deliveries.missing.filter(mine).length;
  const late = ledger.deliveries.late.filter(mine).length;
  const num = e.indicator === "reporting.completeness" ? den - missing : den - missing - late;
  return { ...e, numerator: num, denominator: den, value: den > 0 ? num / den : null };
}

describe("demo ground truth", () => {
  it("every county figure of the ledger", async () => {
    const rows = await wh.query<{ region_code: string; window: string; indicator: string; value: number | null; num: number | null; den: number | null; status: string; amount: number | null }>(
      `SELECT region_code, "window", indicator, value, CAST(numerator AS DOUBLE) AS num, CAST(denominator AS DOUBLE) AS den, status, CAST(amount AS DOUBLE) AS amount FROM mart_indicator`,
    );
    const mart = new Map(rows.map((r) => [`${r.region_code}|${r.window}|${r.indicator}`, r]));
    let compared = 0;
    for (const original of ledger.expected) {
      if (touchesUnrecorded(original)) continue;
      const e = reportingExpectation(original);
      const county = ledger.expected.filter((x) => x.level === "county" && x.indicator === e.indicator && x.window === e.window);
      // A province figure where no county has one: the ledger sums nothing to 0; the mart says so with na/gap.
      if (e.level === "province" && (e.status !== "ok" || county.every((x) => x.status !== "ok"))) continue;
      // The demo holds a few of the province's counties; the mart expects deliveries from all of them,
      // so the province's reporting figures are the ledger's only for a whole-province demo.
      if (e.level === "province" && e.indicator.startsWith("reporting.") && ledger.counties.length < provinceCounties) continue;
      const m = mart.get(`${e.region_code}|${e.window}|${e.indicator}`);
      const label = `${e.indicator} ${e.window} ${e.region_code}`;
      expect(m, label).toBeDefined();
      expect(m!.status, label).toBe(e.status);
      if (e.value === null) {
        expect(m!.value, label).toBeNull();
      } else {
        expect(m!.value, label).toBeCloseTo(e.value, 5);
        if (e.numerator !== null && e.indicator !== "coverage.persons") expect(m!.num, label).toBeCloseTo(e.numerator, 2);
        if (e.denominator !== null) expect(m!.den, label).toBeCloseTo(e.denominator, 2);
        if (e.amount !== undefined) expect(m!.amount, label).toBeCloseTo(e.amount, 2);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });
  it("lists what it could not compare", () => {
    // Ingestion records every delivered file, header-only ones included, so nothing is left out.
    expect(unrecorded).toEqual([]);
    expect(ledger.expected.filter(touchesUnrecorded)).toEqual([]);
  });
});
