// The demo province generator end to end: determinism, every extract type and
// format, the ledger against the files (bad rows, planted counts, expected values).
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXTRACT_TYPES } from "../../loaders/contracts/dictionary.js";
import { monthIndex } from "../../data/generator/calendar.js";
import { generateDemo, type DemoSummary } from "../../data/generator/index.js";
import type { Ledger } from "../../data/generator/ledger.js";
import { buildProvince } from "../../data/generator/province.js";
import { readExtract, verifyDemo } from "../../data/generator/verify.js";

const FROM = "2025-11";
const TO = "2026-02";
const SCALE = 0.02;

let counties: string[] = [];
let dirA = "";
let dirB = "";
let summary: DemoSummary;
let ledger: Ledger;

/** A few counties that between them use every format, quality and header style. */
async function pickCounties(): Promise<string[]> {
  const model = await buildProvince("15", 1, SCALE, monthIndex(FROM), monthIndex(TO));
  const chosen = new Set<string>();
  for (const format of ["csv-gb18030", "csv-utf8-bom", "csv-utf8", "xlsx"]) {
    for (const quality of ["good", "fair", "poor"]) {
      const c = model.counties.find((x) => x.style.format === format && x.quality === quality);
      if (c) chosen.add(c.code);
    }
  }
  const alias = model.counties.find((x) => x.style.aliases && x.style.format !== "xlsx");
  if (alias) chosen.add(alias.code);
  return [...chosen].sort();
}

const temps: string[] = [];
/** A temp folder, removed after the tests. */
function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function fingerprint(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const hash = createHash("sha256").update(new Uint8Array(readFileSync(path))).digest("hex");
    out.set(name, `${hash} ${Math.floor(statSync(path).mtimeMs / 1000)}`);
  }
  return out;
}

beforeAll(async () => {
  counties = await pickCounties();
  dirA = temp("jiuzhu-demo-a-");
  dirB = temp("jiuzhu-demo-b-");
  // one run on the main thread, the other on worker threads: the same files
  summary = await generateDemo({ out: dirA, from: FROM, to: TO, scale: SCALE, seed: 1, counties, workers: 0 });
  await generateDemo({ out: dirB, from: FROM, to: TO, scale: SCALE, seed: 1, counties, workers: 2 });
  ledger = JSON.parse(readFileSync(join(dirA, "ground_truth.json"), "utf8")) as Ledger;
});

describe("demo generator", () => {
  it("is deterministic: the same arguments give byte-identical files and delivery times, on one thread or on worker threads", () => {
    const a = fingerprint(dirA);
    const b = fingerprint(dirB);
    expect(a.size).toBeGreaterThan(50);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, print] of a) expect(b.get(name), name).toBe(print);
  });

  it("gives different data for a different seed", async () => {
    const dir = temp("jiuzhu-demo-c-");
    await generateDemo({ out: dir, from: FROM, to: FROM, scale: SCALE, seed: 2, counties: counties.slice(0, 1) });
    const roster = readdirSync(dir).find((f) => f.startsWith("roster_"))!;
    expect(readFileSync(join(dir, roster))).not.toEqual(readFileSync(join(dirA, roster)));
  });

  it("writes every extract type, named by the spec's prefix rule", () => {
    const types = new Set(ledger.files.map((f) => f.type));
    for (const type of EXTRACT_TYPES.filter((t) => t !== "regions")) expect(types, type).toContain(type);
    for (const f of ledger.files) {
      if (f.type === "standards") expect(f.file).toMatch(/^standards\.(csv|xlsx)$/);
      else if (f.type === "county_profile") expect(f.file).toMatch(/^county_profile_\d{4}\.(csv|xlsx)$/);
      else expect(f.file).toMatch(new RegExp(`^${f.type}_\\d{4}-\\d{2}_${f.county_code}\\.(csv|xlsx)$`));
    }
    // one file per monthly extract, county and month, unless planted missing
    const missing = new Set(ledger.deliveries.missing.map((m) => m.file));
    for (const c of counties) {
      for (const type of ["roster", "payments", "funds", "applications", "complaints"]) {
        for (const month of ["2025-11", "2025-12", "2026-01", "2026-02"]) {
          const present = ledger.files.some((f) => f.type === type && f.county_code === c && f.period === month);
          const name = ledger.files.find((f) => f.type === type && f.county_code === c)!.file.replace(/_\d{4}-\d{2}_/, `_${month}_`);
          expect(present || missing.has(name), name).toBe(true);
        }
      }
    }
  });

  it("delivers in every format: GB18030 and UTF-8 (BOM) CSV, XLSX with date cells, national header aliases", async () => {
    const formats = new Set(ledger.counties.map((c) => c.format));
    expect([...formats].sort()).toEqual(["csv-gb18030", "csv-utf8", "csv-utf8-bom", "xlsx"]);
    const rosterOf = (format: string) => {
      const c = ledger.counties.find((x) => x.format === format)!;
      return ledger.files.find((f) => f.type === "roster" && f.county_code === c.code)!.file;
    };
    const gb = readFileSync(join(dirA, rosterOf("csv-gb18030")));
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(gb)).toThrow();
    expect(new TextDecoder("gb18030").decode(gb)).toMatch(/^统计月份,救助类别,/);
    expect([...readFileSync(join(dirA, rosterOf("csv-utf8-bom"))).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const xlsx = await readExtract(dirA, rosterOf("xlsx"));
    expect(xlsx.encoding).toBe("xlsx");
    const approved = xlsx.fields.indexOf("approved_on");
    expect(xlsx.rows[0]![approved]).toBeInstanceOf(Date);
    const aliased = ledger.counties.find((c) => c.header_aliases && c.format !== "xlsx")!;
    const file = ledger.files.find((f) => f.type === "roster" && f.county_code === aliased.code)!.file;
    const bytes = readFileSync(join(dirA, file));
    const header = (aliased.format === "csv-gb18030" ? new TextDecoder("gb18030") : new TextDecoder()).decode(bytes).split("\r\n")[0]!;
    expect(header).toContain("保障人口数");
    expect(header).toContain("身份证号码");
  });

  it("records late and missing deliveries, with delivery times in the file times", () => {
    const poor = ledger.counties.filter((c) => c.quality === "poor").map((c) => c.code);
    expect(poor.length).toBeGreaterThan(0);
    for (const c of poor) expect(ledger.deliveries.missing.filter((m) => m.county_code === c).length, c).toBe(2);
    for (const m of ledger.deliveries.missing) expect(readdirSync(dirA)).not.toContain(m.file);
    expect(ledger.deliveries.late.length).toBeGreaterThan(0);
    for (const d of ledger.deliveries.late) {
      expect(new Date(d.received_at).getTime()).toBe(statSync(join(dirA, d.file)).mtime.getTime());
      expect(d.days_late).toBeGreaterThan(0);
    }
  });

  it("plants problems at known places", () => {
    const kinds = new Set(ledger.planted.map((p) => p.problem));
    for (const k of [
      "application_late",
      "application_no_home_visit",
      "wrong_benefit",
      "overdue_review",
      "unfiled_cadre_relative",
      "duplicate_person_across_counties",
      "payment_missing",
      "payment_late",
      "payment_wrong_amount",
      "payment_unlisted",
      "payment_cash",
      "payment_proxy_violation",
      "budget_rollover_above_10pct",
      "budget_underspent",
    ]) {
      expect(kinds, k).toContain(k);
    }
    for (const p of ledger.planted) {
      expect(p.count).toBeGreaterThan(0);
      if (p.ids) expect(p.ids.length).toBe(p.count);
    }
    const reasons = new Set(ledger.bad_rows.map((b) => b.reason));
    expect(reasons.size).toBeGreaterThanOrEqual(3);
  });

  it("has expected values for the indicators the planted problems touch", () => {
    const ids = new Set(ledger.expected.map((e) => e.indicator));
    for (const id of [
      "process.on_time_rate",
      "process.home_visit_rate",
      "process.county_check_rate",
      "process.publicity_rate",
      "coverage.persons",
      "integrity.duplicate_persons",
      "funds.unlisted_payments",
      "funds.proxy_violations",
      "accuracy.relative_filed_rate",
      "accuracy.benefit_rate",
      "complaints.on_time_rate",
      "budget.rollover_ratio",
    ]) {
      expect(ids, id).toContain(id);
    }
    // scores spread: some counties keep the rules, some do not
    const benefit = ledger.expected.filter((e) => e.indicator === "accuracy.benefit_rate" && e.level === "county" && e.value !== null);
    expect(benefit.some((e) => e.value === 1)).toBe(true);
    expect(benefit.some((e) => e.value! < 0.99)).toBe(true);
    // the province's duplicates include the persons planted across counties
    const across = ledger.planted.filter((p) => p.problem === "duplicate_person_across_counties");
    const province = ledger.expected.filter((e) => e.indicator === "integrity.duplicate_persons" && e.level === "province");
    const within = ledger.expected.filter((e) => e.indicator === "integrity.duplicate_persons" && e.level === "county");
    const sum = (xs: typeof province) => xs.reduce((s, e) => s + (e.value ?? 0), 0);
    expect(sum(province)).toBeGreaterThan(sum(within));
    expect(across.length).toBeGreaterThan(0);
  });

  it("the ledger matches the files: counts, bad rows where it says, expected values recomputed from the rows", async () => {
    const report = await verifyDemo(dirA);
    expect(report.problems).toEqual([]);
    expect(report.recomputed.length).toBeGreaterThan(100);
    expect(report.rows).toBe(Object.values(summary.rows).reduce((s, n) => s + n, 0));
  });

  it("works for another province", async () => {
    const dir = temp("jiuzhu-demo-64-");
    const s = await generateDemo({ out: dir, province: "64", from: "2026-01", to: "2026-02", scale: 0.01, counties: 2 });
    expect(s.provinceName).toBe("宁夏回族自治区");
    const report = await verifyDemo(dir);
    expect(report.problems).toEqual([]);
    expect(readdirSync(dir).some((f) => /^roster_2026-02_64\d{4}\./.test(f))).toBe(true);
  });

  it("refuses bad options with a clear message", async () => {
    const dir = temp("jiuzhu-demo-x-");
    await expect(generateDemo({ out: dir, province: "99" })).rejects.toThrow(/unknown province code 99/);
    await expect(generateDemo({ out: dir, from: "2026-03", to: "2026-01" })).rejects.toThrow(/after/);
    await expect(generateDemo({ out: dir, to: "2027-06" })).rejects.toThrow(/calendar/);
  });
});
