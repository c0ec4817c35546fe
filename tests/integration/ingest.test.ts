// End to end through ingestPaths: formats, encodings, every extract type,
// rejections, refusals, lineage, idempotence, supersession.
import { copyFileSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { EXTRACT_TYPES, extractDef, type ExtractType } from "../../loaders/contracts/dictionary.js";
import { ingestPaths } from "../../loaders/ingest.js";
import { COUNTY, makeId, validRows, writeCsv, writeParquet, writeXlsx, type FixtureRow } from "../fixtures/extracts/make.js";
import { count, freshWarehouse, q, templateWarehouse } from "../fixtures/extracts/warehouse.js";

beforeAll(async () => {
  await templateWarehouse();
}, 60_000);

const T = 30_000;

function fileName(type: ExtractType, month = "2025-01", county = COUNTY, ext = "csv"): string {
  const def = extractDef(type);
  if (type === "county_profile") return `county_profile_${month.slice(0, 4)}.${ext}`;
  if (def.cadence === "reference") return `${type}.${ext}`;
  return `${type}_${month}_${county}.${ext}`;
}

describe("formats and encodings", () => {
  for (const encoding of ["utf-8", "utf-8-bom", "gb18030"] as const) {
    it(`CSV ${encoding}`, async () => {
      const { db, dir } = await freshWarehouse();
      const rows = validRows("roster", 6);
      rows[0]!.person_name = "𠀾䶮"; // 4-byte GB18030 characters, lost by a plain GBK decoder
      const file = writeCsv(join(dir, fileName("roster")), "roster", rows, encoding);
      const s = await ingestPaths(db, [file]);
      expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 6, rowsLoaded: 6, rowsRejected: 0, encoding });
      const names = await q<{ person_name: string }>(db, "SELECT person_name FROM core_roster ORDER BY line");
      expect(names[0]!.person_name).toBe("𠀾䶮");
      const money = await q<{ m: string }>(db, "SELECT CAST(sum(monthly_benefit) AS VARCHAR) AS m FROM core_roster");
      expect(money[0]!.m).toBe("6474.00");
    }, T);
  }

  it("one batch of plain and quoted files of one header layout, in every encoding: every row at its own line", async () => {
    const { db, dir } = await freshWarehouse();
    const months = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"];
    const files: string[] = [];
    const encodings = ["utf-8", "gb18030", "gb18030", "utf-8-bom", "utf-8", "gb18030"] as const;
    months.forEach((month, i) => {
      // no thousands separators, so no quotes: plain files DuckDB reads itself
      const rows: FixtureRow[] = validRows("roster", 3 + i, month).map((r) => ({ ...r, monthly_benefit: "1079.00", per_capita_income: "320.50" }));
      // the files of February and May hold a quoted name (not plain: read by the CSV reader), the others are plain
      if (i === 1 || i === 4) rows[1]!.person_name = '王"小"明';
      const encoding = encodings[i]!;
      files.push(writeCsv(join(dir, `roster_${month}_150102.csv`), "roster", rows, encoding));
    });
    const s = await ingestPaths(db, files);
    expect(s.files.map((f) => [f.status, f.rowsRead, f.rowsLoaded])).toEqual(months.map((_, i) => ["loaded", 3 + i, 3 + i]));
    const lines = await q<{ period: string; lines: number[] }>(db, "SELECT period, list(line ORDER BY line) AS lines FROM core_roster GROUP BY ALL ORDER BY period");
    expect(lines.map((l) => [l.period, [...l.lines].map(Number)])).toEqual(months.map((m, i) => [m, Array.from({ length: 3 + i }, (_, k) => k + 2)]));
    const quoted = await q<{ person_name: string }>(db, "SELECT person_name FROM core_roster WHERE period = '2025-02' AND line = 3");
    expect(quoted[0]!.person_name).toBe('王"小"明');
  }, T);

  it("XLSX with date cells, serial numbers and the sheet named after the extract", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("applications", 5);
    const a = await writeXlsx(join(dir, "applications_2025-01_150102.xlsx"), "applications", rows, { extraSheetsBefore: ["填报说明"], sheetName: "申请审核确认台账" });
    const s = await ingestPaths(db, [a]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 5, rowsLoaded: 5, format: "xlsx" });
    const d = await q<{ applied_on: string; granted_benefit: string }>(db, "SELECT CAST(applied_on AS VARCHAR) AS applied_on, CAST(granted_benefit AS VARCHAR) AS granted_benefit FROM core_applications LIMIT 1");
    expect(d[0]).toEqual({ applied_on: "2025-01-02", granted_benefit: "1200.00" });

    const { db: db2, dir: dir2 } = await freshWarehouse();
    const b = await writeXlsx(join(dir2, "applications_2025-02_150102.xlsx"), "applications", validRows("applications", 3, "2025-02"), { serialDates: true });
    const s2 = await ingestPaths(db2, [b]);
    expect(s2.files[0]).toMatchObject({ status: "loaded", rowsLoaded: 3 });
    const d2 = await q<{ d: string }>(db2, "SELECT CAST(min(decided_on) AS VARCHAR) AS d FROM core_applications");
    expect(d2[0]!.d).toBe("2025-02-20");
  }, T);

  it("XLSX: Chinese text split between inflated chunks comes through intact", async () => {
    const { db, dir } = await freshWarehouse();
    // distinct names, so the shared-strings part is long and its inflated chunks split characters
    const chars = [..."赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎䶮𠀾"];
    const nameOf = (i: number) => chars[i % chars.length]! + chars[Math.floor(i / chars.length) % chars.length]! + chars[(i * 7) % chars.length]!;
    const rows = validRows("roster", 3000).map((r, i) => ({ ...r, person_name: nameOf(i) }));
    const file = await writeXlsx(join(dir, "roster_2025-01_150102.xlsx"), "roster", rows, { streaming: true });
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsLoaded: 3000, rowsRejected: 0 });
    const got = await q<{ person_name: string }>(db, "SELECT person_name FROM core_roster ORDER BY line");
    expect(got.map((g) => g.person_name)).toEqual(rows.map((r) => r.person_name));
    expect(new TextDecoder().decode(new Uint8Array([0xe5]))).toBe("\ufffd"); // the global decoder is restored
  }, T);

  it("GB18030 CSV past its 1 MB read chunks: a character cut by a chunk comes through intact, every row at its line", async () => {
    const { db, dir } = await freshWarehouse();
    const chars = [..."赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎䶮𠀾"];
    const nameOf = (i: number) => Array.from({ length: 2 + (i % 3) }, (_, k) => chars[(i * 7 + k * 13) % chars.length]!).join("");
    // plain text (no thousands separators, no quotes), so the file is decoded chunk by chunk into DuckDB's input
    const base = validRows("roster", 12000).map((r, i) => ({ ...r, person_name: nameOf(i), monthly_benefit: "1079.00" }));
    // a first name with added ASCII letters, until a character straddles the first chunk's end (byte 1,048,576)
    let file = "";
    let rows = base;
    for (let pad = 0; pad < 200; pad++) {
      rows = base.map((r, i) => (i === 0 ? { ...r, person_name: `${r.person_name}${"A".repeat(pad)}` } : r));
      file = writeCsv(join(dir, fileName("roster")), "roster", rows, "gb18030");
      const cut = readFileSync(file).subarray(0, 1 << 20);
      let straddles = false;
      try {
        new TextDecoder("gb18030", { fatal: true }).decode(cut);
      } catch {
        straddles = true;
      }
      if (straddles) break;
      rows = [];
    }
    expect(rows.length).toBe(12000);
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", encoding: "gb18030", rowsRead: 12000, rowsLoaded: 12000, rowsRejected: 0 });
    const got = await q<{ person_name: string; line: number }>(db, "SELECT person_name, line FROM core_roster ORDER BY line");
    expect(got.map((g) => g.person_name)).toEqual(rows.map((r) => r.person_name));
    expect(got.map((g) => Number(g.line))).toEqual(rows.map((_, i) => i + 2));
  }, T);

  it("Parquet", async () => {
    const { db, dir } = await freshWarehouse();
    const file = await writeParquet(join(dir, "applications_2025-01_150102.parquet"), "applications", validRows("applications", 7));
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 7, rowsLoaded: 7, format: "parquet", encoding: null });
    expect(await count(db, "SELECT count(*) AS n FROM core_applications WHERE decided_on = DATE '2025-01-20'")).toBe(7);
  }, T);
});

describe("every extract type", () => {
  it("loads valid rows of each type from CSV with Chinese headers, and the header alone tells the type", async () => {
    const { db, dir } = await freshWarehouse();
    for (const type of EXTRACT_TYPES) {
      const rows = validRows(type, 8);
      writeCsv(join(dir, fileName(type)), type, rows);
      writeCsv(join(dir, `noname_${type}.csv`), type, validRows(type, 8, "2025-02"), "utf-8", { headers: "name" });
    }
    const s = await ingestPaths(db, [dir]);
    const bad = s.files.filter((f) => f.status !== "loaded" || f.rowsRejected > 0);
    expect(bad).toEqual([]);
    for (const type of EXTRACT_TYPES) {
      const byName = s.files.find((f) => f.file === fileName(type))!;
      expect(byName.type).toBe(type);
      const byHeader = s.files.find((f) => f.file === `noname_${type}.csv`)!;
      expect(byHeader.type).toBe(type);
      expect(await count(db, `SELECT count(*) AS n FROM stg_${type}`)).toBe(16);
    }
    const d = await q(db, "SELECT extract_type, county_code, period FROM meta_delivery WHERE file_name IN ('roster_2025-01_150102.csv', 'county_profile_2025.csv', 'standards.csv', 'noname_roster.csv', 'noname_applications.csv') ORDER BY file_name");
    expect(d).toEqual([
      { extract_type: "county_profile", county_code: null, period: "2025" },
      { extract_type: "applications", county_code: COUNTY, period: "2025-02" },
      { extract_type: "roster", county_code: COUNTY, period: "2025-02" },
      { extract_type: "roster", county_code: COUNTY, period: "2025-01" },
      { extract_type: "standards", county_code: null, period: null },
    ]);
    const lineage = await q(db, "SELECT DISTINCT county_code, city_code FROM stg_roster");
    expect(lineage).toEqual([{ county_code: COUNTY, city_code: "1501" }]);
  }, 60_000);

  it("takes aliases, units in brackets, …身份证号码 and full-width spaces in headers", async () => {
    const { db, dir } = await freshWarehouse();
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4), "gb18030", {
      headers: { covered_size: "保障人口数", monthly_benefit: "保障金额（元）", person_id: "　身份证号码 ", per_capita_income: "家庭月人均收入(元)" },
    });
    const p = writeCsv(join(dir, "payments_2025-01_150102.csv"), "payments", validRows("payments", 3), "utf-8", { headers: { amount: "发放金额(元)", payee_id: "领取人身份证号码" } });
    const s = await ingestPaths(db, [file, p]);
    expect(s.files.map((f) => [f.status, f.rowsLoaded])).toEqual([
      ["loaded", 4],
      ["loaded", 3],
    ]);
  }, T);
});

async function rejectsOf(db: string) {
  return q<{ line: number; column_name: string; value: string | null; reason: string }>(db, "SELECT line, column_name, value, reason FROM meta_reject ORDER BY line, column_name");
}

describe("rejected rows", () => {
  it("keeps each rejected row with file, line, column, value and reason; read = loaded + rejected", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("applications", 16);
    const broken: [number, string, FixtureRow[string], RegExp][] = [
      [0, "applied_on", "2025-02-30", /not a valid calendar date/],
      [1, "applied_on", "01/02/2025", /not a date/],
      [2, "granted_benefit", "12.345", /more than 2 decimals/],
      [3, "county_checked", "也许", /not yes\/no/],
      [4, "applicant_id", "150102198001010010", /check digit/],
      [5, "applicant_id", `150102198013${"01001"}`, /not an 18-character|birth date|check digit/],
      [6, "region_code", "150102999999", /not in the region table/],
      [7, "program", "医疗救助", /unknown value/],
      [8, "household_size", "0", /below 1/],
      [9, "application_id", "", /required value missing/],
      [10, "accepted_on", "2025-01-01", /accepted_on 2025-01-01 is before applied_on/],
      [11, "region_code", "150103001001", /outside the delivery's county 150102/],
      [12, "household_size", "2.5", /not a whole number/],
    ];
    for (const [i, field, value] of broken) rows[i]![field] = value;
    rows[13]!.application_id = rows[14]!.application_id; // duplicate key
    rows[15]!.applicant_id = "１５０１０２８００１０１００１"; // 15 digits, full-width: upgraded with a warning
    const file = writeCsv(join(dir, "applications_2025-01_150102.csv"), "applications", rows);
    const s = await ingestPaths(db, [file]);
    const f = s.files[0]!;
    expect(f).toMatchObject({ status: "loaded", rowsRead: 16, rowsLoaded: 2, rowsRejected: 14 });
    expect(f.rowsRead).toBe(f.rowsLoaded + f.rowsRejected);
    expect(f.warnings.join("\n")).toMatch(/15-digit ID number upgraded to 18 digits: 1 \(first at line 17\)/);
    const rejects = await rejectsOf(db);
    for (const [i, , value, reason] of broken) {
      const r = rejects.find((x) => x.line === i + 2);
      expect(r, `line ${i + 2}`).toBeDefined();
      expect(r!.reason).toMatch(reason);
      if (value !== "") expect(r!.value).toBe(value);
    }
    const dup = rejects.find((x) => x.line === 16)!;
    expect(dup).toMatchObject({ column_name: "申请编号" });
    expect(dup.reason).toBe(`duplicate application_id ${rows[14]!.application_id} (also on line 15)`);
    const upgraded = await q<{ applicant_id: string }>(db, "SELECT applicant_id FROM stg_applications WHERE line = 17");
    expect(upgraded[0]!.applicant_id).toBe(makeId("150102", "19800101", 1));
    expect(await count(db, "SELECT count(*) AS n FROM meta_reject WHERE file_name = 'applications_2025-01_150102.csv'")).toBeGreaterThanOrEqual(14);
  }, T);

  it("rejects the cross-field rules of each extract", async () => {
    const { db, dir } = await freshWarehouse();
    const roster = validRows("roster", 4);
    roster[0]!.covered_size = 3; // above household_size 2 (and the household then disagrees)
    roster[2]!.care_mode = "集中"; // 低保 row with a 特困 field
    const payments = validRows("payments", 2);
    payments[0]!.proxy = "是";
    const funds = validRows("funds", 2);
    funds[0]!.spent = "350000.01";
    const complaints = validRows("complaints", 2);
    complaints[0]!.closed_on = "2025-01-01";
    const inspections = validRows("inspections", 2);
    inspections[0]!.cases_wrong = 21;
    const apps = validRows("applications", 3);
    apps[0]!.decision = "审核中"; // pending with a decision date
    apps[1]!.decided_on = null; // approved without one
    apps[2]!.publicity_to = "2025-01-08";
    const files = [
      writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", roster),
      writeCsv(join(dir, "payments_2025-01_150102.csv"), "payments", payments),
      writeCsv(join(dir, "funds_2025-01_150102.csv"), "funds", funds),
      writeCsv(join(dir, "complaints_2025-01_150102.csv"), "complaints", complaints),
      writeCsv(join(dir, "inspections_2025-01_150102.csv"), "inspections", inspections),
      writeCsv(join(dir, "applications_2025-01_150102.csv"), "applications", apps),
    ];
    const s = await ingestPaths(db, files);
    const rej = await q<{ file_name: string; reason: string }>(db, "SELECT file_name, reason FROM meta_reject ORDER BY file_name, line");
    const reasons = (f: string) => rej.filter((r) => r.file_name.startsWith(f)).map((r) => r.reason).join("\n");
    expect(reasons("roster")).toMatch(/covered_size 3 above household_size 2/);
    expect(reasons("roster")).toMatch(/care_mode applies to 特困 only/);
    expect(reasons("payments")).toMatch(/proxy_id required when proxy/);
    expect(reasons("funds")).toMatch(/spent 350000.01 above carried_in \+ received/);
    expect(reasons("complaints")).toMatch(/closed_on 2025-01-01 is before received_on/);
    expect(reasons("inspections")).toMatch(/cases_wrong 21 above cases_checked 20/);
    expect(reasons("applications")).toMatch(/decided_on must be empty while the application is pending/);
    expect(reasons("applications")).toMatch(/decided_on required unless the application is pending/);
    expect(reasons("applications")).toMatch(/publicity_to 2025-01-08 is before publicity_from/);
    for (const f of s.files) expect(f.rowsRead).toBe(f.rowsLoaded + f.rowsRejected);
  }, T);

  it("rejects a roster household whose rows disagree on household-level fields, whole", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 6); // households of 2 rows each
    rows[3]!.monthly_benefit = "999.00"; // second row of household 1
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ rowsRead: 6, rowsLoaded: 4, rowsRejected: 2 });
    const rej = await rejectsOf(db);
    expect(rej.map((r) => [r.line, r.column_name])).toEqual([
      [4, "月保障金额"],
      [5, "月保障金额"],
    ]);
    expect(rej[1]!.value).toBe("999.00");
    expect(rej[0]!.reason).toMatch(/household HH15010200001 rows disagree on monthly_benefit/);
    expect(await count(db, "SELECT count(*) AS n FROM core_roster WHERE household_id = 'HH15010200001'")).toBe(0);
  }, T);

  it("rejects rows of another month than the delivery's", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 4);
    rows[2]!.period = "2025-02";
    rows[3]!.period = "2025-02";
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ rowsLoaded: 2, rowsRejected: 2 });
    expect((await rejectsOf(db))[0]!.reason).toMatch(/period 2025-02 differs from the delivery's 2025-01/);
  }, T);
});

describe("files refused whole", () => {
  it("says why in one line and changes nothing", async () => {
    const { db, dir } = await freshWarehouse();
    const good = writeCsv(join(dir, "payments_2025-01_150102.csv"), "payments", validRows("payments", 2));
    await ingestPaths(db, [good]);
    const before = await q(db, "SELECT * FROM meta_delivery");
    const missing = writeCsv(join(dir, "roster_2025-01_150103.csv"), "roster", validRows("roster", 2), "utf-8", { omit: ["person_id", "region_code"] });
    const unknown = join(dir, "something.csv");
    writeFileSync(unknown, "甲,乙,丙\n1,2,3\n");
    const empty = join(dir, "roster_2025-02_150102.csv");
    writeFileSync(empty, "");
    const broken = join(dir, "roster_2025-03_150102.xlsx");
    writeFileSync(broken, "this is not a zip file");
    const ambiguous = join(dir, "data.csv");
    writeFileSync(ambiguous, "年度,区县代码,常住人口,监测低收入人口数,财力困难系数,救助类别,执行月份,保障标准(元/人/月),省级指导标准(元/人/月)\n");
    const s = await ingestPaths(db, [missing, unknown, empty, broken, join(dir, "nowhere.csv"), ambiguous]);
    expect(s.refused).toBe(6);
    const reasons = s.files.map((f) => f.reason ?? "");
    expect(reasons[0]).toMatch(/roster file without required column\(s\): 区划代码\(region_code\), 身份证号\(person_id\)/);
    expect(reasons[1]).toMatch(/unknown extract type/);
    expect(reasons[2]).toMatch(/empty file/);
    expect(reasons[3]).toMatch(/unreadable XLSX/);
    expect(reasons[4]).toMatch(/cannot read: ENOENT/);
    expect(reasons[5]).toBe("ambiguous extract type: the header fits county_profile, standards; name it with --type");
    for (const r of reasons) expect(r).not.toMatch(/\n/);
    expect(await q(db, "SELECT * FROM meta_delivery")).toEqual(before);
    expect(await count(db, "SELECT count(*) AS n FROM meta_reject")).toBe(0);
    expect(await count(db, "SELECT count(*) AS n FROM stg_roster")).toBe(0);
  }, T);

  it("an unknown --type is an error before anything is read", async () => {
    const { db } = await freshWarehouse();
    await expect(ingestPaths(db, [], { type: "nonsense" })).rejects.toThrow(/unknown extract type nonsense/);
  });
});

describe("lineage, idempotence and supersession", () => {
  it("byte-identical header-only files of other months or counties are deliveries of their own", async () => {
    const { db, dir } = await freshWarehouse();
    const names = ["complaints_2025-01_150102.csv", "complaints_2025-02_150102.csv", "complaints_2025-01_150103.csv"];
    const files = names.map((n) => writeCsv(join(dir, n), "complaints", []));
    const result = await ingestPaths(db, files);
    expect(result.files.map((f) => f.status)).toEqual(["loaded", "loaded", "loaded"]);
    const deliveries = await q<{ county_code: string; period: string; rows_read: number }>(
      db,
      "SELECT county_code, period, rows_read FROM meta_delivery ORDER BY county_code, period",
    );
    expect(deliveries).toEqual([
      { county_code: "150102", period: "2025-01", rows_read: 0 },
      { county_code: "150102", period: "2025-02", rows_read: 0 },
      { county_code: "150103", period: "2025-01", rows_read: 0 },
    ]);
    // and each is still a no-op when delivered again
    const again = await ingestPaths(db, files);
    expect(again.files.map((f) => f.status)).toEqual(["unchanged", "unchanged", "unchanged"]);
  }, T);

  it("loading the same content again is a no-op, whatever the file is called", async () => {
    const { db, dir } = await freshWarehouse();
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    const first = await ingestPaths(db, [file]);
    expect(first.files[0]!.status).toBe("loaded");
    const copy = join(dir, "copy.csv");
    copyFileSync(file, copy);
    const again = await ingestPaths(db, [file, copy]);
    expect(again.files.map((f) => f.status)).toEqual(["unchanged", "unchanged"]);
    expect(again.files[0]!.reason).toMatch(/already loaded as delivery 1/);
    expect(await count(db, "SELECT count(*) AS n FROM meta_delivery")).toBe(1);
    expect(await count(db, "SELECT count(*) AS n FROM stg_roster")).toBe(4);
    const d = await q<{ content_hash: string; received_at: string }>(db, "SELECT content_hash, CAST(received_at AS VARCHAR) AS received_at FROM meta_delivery");
    expect(d[0]!.content_hash).toMatch(/^[0-9a-f]{64}$/);
    // two copies in one ingest: the second is unchanged even while the first is still committing
    const { db: db2 } = await freshWarehouse();
    const both = await ingestPaths(db2, [file, copy]);
    expect(both.files.map((f) => f.status)).toEqual(["loaded", "unchanged"]);
    expect(both.files[1]!.reason).toMatch(/same content as roster_2025-01_150102\.csv/);
    expect(await count(db2, "SELECT count(*) AS n FROM stg_roster")).toBe(4);
  }, T);

  it("a new delivery for the same type, county and period supersedes the old one and keeps it in history", async () => {
    const { db, dir } = await freshWarehouse();
    const a = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    utimesSync(a, new Date("2025-02-05T02:00:00Z"), new Date("2025-02-05T02:00:00Z"));
    await ingestPaths(db, [a]);
    const dir2 = join(dir, "resent");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir2);
    const b = writeCsv(join(dir2, "roster_2025-01_150102.csv"), "roster", validRows("roster", 6));
    utimesSync(b, new Date("2025-02-09T02:00:00Z"), new Date("2025-02-09T02:00:00Z"));
    const s = await ingestPaths(db, [b]);
    expect(s.files[0]!.superseded).toEqual([1]);
    expect(await q(db, "SELECT delivery_id, status, superseded_by, CAST(received_at AS VARCHAR) AS received_at FROM meta_delivery ORDER BY delivery_id")).toEqual([
      { delivery_id: 1, status: "superseded", superseded_by: 2, received_at: "2025-02-05 10:00:00" },
      { delivery_id: 2, status: "current", superseded_by: null, received_at: "2025-02-09 10:00:00" },
    ]);
    expect(await count(db, "SELECT count(*) AS n FROM core_roster")).toBe(6);
    expect(await count(db, "SELECT count(*) AS n FROM stg_roster")).toBe(10);
    // a late copy of an older delivery goes into history, not into the current view
    const c = writeCsv(join(dir, "roster_2025-01_150102_old.csv"), "roster", validRows("roster", 2));
    const s3 = await ingestPaths(db, [c], { receivedAt: "2025-02-01T00:00:00Z" });
    expect(s3.files[0]!.status).toBe("loaded");
    expect(await q(db, "SELECT delivery_id, status, superseded_by FROM meta_delivery ORDER BY delivery_id")).toEqual([
      { delivery_id: 1, status: "superseded", superseded_by: 2 },
      { delivery_id: 2, status: "current", superseded_by: null },
      { delivery_id: 3, status: "superseded", superseded_by: 2 },
    ]);
    expect(await count(db, "SELECT count(*) AS n FROM core_roster")).toBe(6);
    // other counties and months are untouched
    const other = writeCsv(join(dir, "roster_2025-02_150102.csv"), "roster", validRows("roster", 2, "2025-02"));
    await ingestPaths(db, [other]);
    expect(await count(db, "SELECT count(*) AS n FROM meta_delivery WHERE status = 'current'")).toBe(2);
  }, T);

  it("event extracts: the core view keeps the latest version of each application", async () => {
    const { db, dir } = await freshWarehouse();
    const jan = validRows("applications", 3, "2025-01");
    jan[0]!.decision = "审核中";
    jan[0]!.decided_on = null;
    const feb = validRows("applications", 1, "2025-01"); // same id as jan[0], now decided
    feb[0]!.decided_on = "2025-02-03";
    const a = writeCsv(join(dir, "applications_2025-01_150102.csv"), "applications", jan);
    const b = writeCsv(join(dir, "applications_2025-02_150102.csv"), "applications", feb);
    await ingestPaths(db, [b, a]);
    const rows = await q<{ application_id: string; decision: string }>(db, "SELECT application_id, decision FROM core_applications ORDER BY application_id");
    expect(rows).toEqual([
      { application_id: "SQ15010200000", decision: "approved" },
      { application_id: "SQ15010200001", decision: "approved" },
      { application_id: "SQ15010200002", decision: "approved" },
    ]);
    expect(await count(db, "SELECT count(*) AS n FROM stg_applications")).toBe(4);
  }, T);
});
