// Hostile input (issue 16): a corpus of small malformed files, each kind with
// assertions on what is kept and on the messages people read.
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ingestPaths, parseReceivedAt } from "../../loaders/ingest.js";
import { acquireLock, lockPathOf } from "../../loaders/lock.js";
import { describeResult } from "../../loaders/progress.js";
import { formatRejects, maskRejectValue, rejectsReport } from "../../loaders/report.js";
import { StagingDir } from "../../loaders/staging.js";
import { extractDef } from "../../loaders/contracts/dictionary.js";
import { Warehouse, withWarehouse } from "../../loaders/db.js";
import { csvString, encodeGb18030, makeId, validRows, writeCsv, writeParquet, type FixtureRow } from "../fixtures/extracts/make.js";
import { count, freshWarehouse, q, templateWarehouse } from "../fixtures/extracts/warehouse.js";

beforeAll(async () => {
  await templateWarehouse();
}, 60_000);

const T = 60_000;
/** Words no message for people may contain. */
const INTERNAL = /TypeError|is not iterable|CSV Error|Binder Error|Conversion Error|jiuzhu-stage|\.jiuzhu-staging|NaN|undefined|\bnull\b/;

describe("nothing lost", () => {
  it("a quote that never closes refuses the file, naming the line it opens on", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 30).map((r) => ({ ...r, monthly_benefit: "1079.00", per_capita_income: "320.50" }));
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    const lines = (await import("node:fs")).readFileSync(file, "utf8").split("\n");
    expect(lines.join("\n")).not.toContain('"');
    lines[5] = lines[5]!.replace(",", ',"'); // an opening quote on line 6 that never closes
    writeFileSync(file, lines.join("\n"));
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]!.status).toBe("refused");
    expect(s.files[0]!.reason).toMatch(/^unbalanced quote: the quoted field that opens on line 6 never closes/);
    expect(s.files[0]!.reason).not.toMatch(INTERNAL);
    expect(await count(db, "SELECT count(*) AS n FROM stg_roster")).toBe(0);
  }, T);

  it("a row-level fault rejects that row, never the file: unknown province prefixes, a 1 MB cell", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 10);
    rows[2]!.region_code = "990102001001";
    rows[4]!.region_code = "000102001001";
    rows[6]!.person_name = "张".repeat(1_000_000);
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    const s = await ingestPaths(db, [file]);
    const f = s.files[0]!;
    expect(f.status).toBe("loaded");
    expect(f.rowsRead).toBe(f.rowsLoaded + f.rowsRejected);
    const rej = await q<{ line: number; column_name: string; value: string | null; reason: string }>(db, "SELECT line, column_name, value, reason FROM meta_reject ORDER BY line, reason");
    expect(rej.find((r) => r.line === 4)).toMatchObject({ column_name: "区划代码", value: "990102001001", reason: "division code not in the region table: 990102001001" });
    expect(rej.find((r) => r.line === 6)).toMatchObject({ column_name: "区划代码", reason: "division code not in the region table: 000102001001" });
    expect(rej.find((r) => r.line === 8)).toMatchObject({ column_name: "姓名", value: null, reason: "value too long: 1,000,000 characters (at most 10,000)" });
    for (const r of rej) expect(r.reason).not.toMatch(INTERNAL);
    // every other row loaded (households of the rejected rows go with them)
    expect(f.rowsLoaded).toBeGreaterThanOrEqual(10 - 3 - 3);
  }, T);

  it("a Parquet file named like a glob reads itself only", async () => {
    const { db, dir } = await freshWarehouse();
    // the glob-named file first: the fixture writer itself reads through DuckDB
    const star = await writeParquet(join(dir, "applications_2025-01_150102*.parquet"), "applications", validRows("applications", 3));
    await writeParquet(join(dir, "applications_2025-01_150102.parquet"), "applications", validRows("applications", 4));
    await writeParquet(join(dir, "applications_2025-01_150102_b.parquet"), "applications", validRows("applications", 5));
    const s = await ingestPaths(db, [star]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 3, rowsLoaded: 3 });
  }, T);
});

describe("stricter values", () => {
  it("a birth date after the delivery, a time of day past 23:59, NUL and control characters are rejected; #N/A, #VALUE! and NULL are empty", async () => {
    const { db, dir } = await freshWarehouse();
    const rows: FixtureRow[] = validRows("roster", 8).map((r) => ({ ...r, monthly_benefit: "1079.00", per_capita_income: "320.50" }));
    rows[0]!.person_id = makeId("150102", "20250301", 7); // born after the delivery (2025-02-05)
    rows[1]!.approved_on = "2024-03-05 25:61";
    rows[2]!.person_name = "张\u0000三";
    rows[3]!.person_name = "张\u0007三";
    rows[4]!.care_mode = "#N/A"; // optional: empty
    rows[5]!.person_name = "#VALUE!"; // required: missing
    rows[6]!.care_mode = "NULL";
    for (const encoding of ["utf-8", "gb18030"] as const) {
      const file = writeCsv(join(dir, `roster_2025-01_150102.${encoding}.csv`), "roster", rows, encoding);
      const s = await ingestPaths(db, [file], { receivedAt: "2025-02-05T10:00:00+08:00" });
      const f = s.files.find((x) => x.status === "loaded")!;
      expect(f).toMatchObject({ rowsRead: 8 });
      expect(f.rowsRead).toBe(f.rowsLoaded + f.rowsRejected);
    }
    const rej = await q<{ line: number; column_name: string; reason: string }>(db, "SELECT DISTINCT line, column_name, reason FROM meta_reject ORDER BY line, reason");
    const at = (line: number) => rej.filter((r) => r.line === line).map((r) => `${r.column_name}: ${r.reason}`);
    expect(at(2).join("\n")).toMatch(/身份证号: ID number with a birth date after the delivery date 2025-02-05/);
    expect(at(3).join("\n")).toMatch(/批准日期: not a valid time of day: 2024-03-05 25:61/);
    expect(at(4).join("\n")).toMatch(/姓名: control character U\+0000 in the value/);
    expect(at(5).join("\n")).toMatch(/姓名: control character U\+0007 in the value/);
    expect(at(6)).toEqual([]);
    expect(at(7).join("\n")).toMatch(/姓名: required value missing/);
    expect(at(8)).toEqual([]);
    for (const r of rej) expect(r.reason).not.toMatch(INTERNAL);
    const care = await q<{ n: bigint }>(db, "SELECT count(*) AS n FROM stg_roster WHERE line IN (6, 8) AND care_mode IS NULL");
    expect(Number(care[0]!.n)).toBe(4);
  }, T);

  it("a file with very many unknown columns gets a short warning", async () => {
    const { db, dir } = await freshWarehouse();
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 2));
    const text = (await import("node:fs")).readFileSync(file, "utf8").split("\r\n");
    const extra = Array.from({ length: 5000 }, (_, i) => `备注${i}`);
    text[0] = `${text[0]},${extra.join(",")}`;
    writeFileSync(file, text.join("\r\n"));
    const s = await ingestPaths(db, [file]);
    const w = s.files[0]!.warnings.join("\n");
    expect(w).toMatch(/unknown column\(s\) not loaded: 备注0, 备注1, .* and 4,980 more/);
    expect(w.length).toBeLessThan(1000);
  }, T);
});

describe("bounded", () => {
  it("a file whose rows are rejected by the ten thousand is refused as not this extract, with the first reasons; the others load", async () => {
    const { db, dir } = await freshWarehouse();
    const rows: FixtureRow[] = validRows("roster", 10_050).map((r) => ({ ...r, person_id: "150102198609023718", monthly_benefit: "1079.00", per_capita_income: "320.50" }));
    const bad = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    const good = writeCsv(join(dir, "roster_2025-02_150102.csv"), "roster", validRows("roster", 5, "2025-02"));
    const s = await ingestPaths(db, [bad, good]);
    expect(s.files.map((f) => f.status)).toEqual(["refused", "loaded"]);
    expect(s.files[0]!.reason).toMatch(/^10,000 rows or more rejected: is this a roster extract \(在保对象花名册\)\? first reasons: line 2 身份证号: ID number check digit wrong: 150102…3718 \(18 characters\)/);
    expect(s.files[0]!.reason).not.toMatch(INTERNAL);
    expect(await count(db, "SELECT count(*) AS n FROM meta_reject")).toBe(0);
    expect(await count(db, "SELECT count(*) AS n FROM stg_roster")).toBe(5);
  }, T);
});

describe("encodings", () => {
  it("cells in another encoding than their file's are rejected by name, never stored as mojibake", async () => {
    const { db, dir } = await freshWarehouse();
    const rows: FixtureRow[] = validRows("roster", 6).map((r) => ({ ...r, monthly_benefit: "1079.00", per_capita_income: "320.50" }));
    rows[2]!.person_name = "李四光";
    rows[4]!.person_name = "王五";
    const text = csvString("roster", rows).split("\r\n");
    const utf8 = new TextEncoder();
    // a UTF-8 file with one line in GBK; a GB18030 file with one line in UTF-8
    const mix = (main: (t: string) => Uint8Array, other: (t: string) => Uint8Array, odd: number) =>
      Buffer.concat(text.map((line, i) => Buffer.from(i === odd ? other(`${line}\r\n`) : main(`${line}\r\n`))) as unknown as Uint8Array[]);
    const a = join(dir, "roster_2025-01_150102.csv");
    writeFileSync(a, mix((t) => utf8.encode(t), encodeGb18030, 3) as unknown as Uint8Array);
    mkdirSync(join(dir, "gb"));
    const b = join(dir, "gb", "roster_2025-02_150102.csv");
    writeFileSync(b, Buffer.from(mix(encodeGb18030, (t) => utf8.encode(t), 5).toString("latin1").replace(/2025-01/g, "2025-02"), "latin1") as unknown as Uint8Array);
    const s = await ingestPaths(db, [a, b]);
    expect(s.files.map((f) => [f.status, f.encoding, f.rowsRead])).toEqual([
      ["loaded", "utf-8", 6],
      ["loaded", "gb18030", 6],
    ]);
    // every non-ASCII cell of the odd line is named (姓名, 救助类别, …), and only that line
    const rej = await q<{ file_name: string; line: number; column_name: string; reason: string }>(db, "SELECT file_name, line, column_name, reason FROM meta_reject WHERE reason LIKE 'invalid%' ORDER BY file_name, line");
    expect([...new Set(rej.map((r) => `${r.file_name}:${r.line}`))]).toEqual(["roster_2025-01_150102.csv:4", "roster_2025-02_150102.csv:6"]);
    expect(rej).toContainEqual({ file_name: "roster_2025-01_150102.csv", line: 4, column_name: "姓名", reason: "invalid UTF-8 bytes in 姓名: the cell is in another encoding than its file" });
    expect(rej).toContainEqual({ file_name: "roster_2025-02_150102.csv", line: 6, column_name: "姓名", reason: "invalid GB18030 bytes in 姓名: the cell is in another encoding than its file" });
    const names = await q<{ person_name: string }>(db, "SELECT DISTINCT person_name FROM stg_roster ORDER BY 1");
    for (const n of names) expect(n.person_name).toMatch(/^[\p{Script=Han}]+$/u);
    expect(names.map((n) => n.person_name)).toContain("王五");
  }, T);
});

describe("refusals say why", () => {
  it("a file in UTF-16 without its byte-order mark, or of another extract, is refused naming the encoding or the extract, not a list of missing columns", async () => {
    const { db, dir } = await freshWarehouse();
    const text = csvString("roster", validRows("roster", 3));
    const utf16 = join(dir, "roster_2025-01_150102.csv");
    writeFileSync(utf16, Buffer.from(text, "utf16le") as unknown as Uint8Array);
    const other = join(dir, "roster_2025-02_150102.csv");
    writeFileSync(other, "编号,金额,备注\n1,2,3\n");
    const s = await ingestPaths(db, [utf16, other]);
    expect(s.files.map((f) => f.status)).toEqual(["refused", "refused"]);
    expect(s.files[0]!.reason).toMatch(/^the header is not readable text \(read as .*\): save the file as UTF-8 or GB18030 CSV, or as XLSX$/);
    expect(s.files[1]!.reason).toMatch(/^none of the \d+ header column\(s\) is a column of roster \(在保对象花名册\): is this another extract\? expected 统计月份/);
  }, T);
});

describe("bounded XLSX", () => {
  /** A workbook whose one sheet is `sheetXml`, deflated. */
  async function workbook(path: string, sheetXml: string): Promise<string> {
    const JSZip = (await import("jszip")).default;
    const zip = new JSZip();
    zip.file("[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`);
    zip.file("_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`);
    zip.file("xl/workbook.xml", `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`);
    zip.file("xl/_rels/workbook.xml.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`);
    zip.file("xl/worksheets/sheet1.xml", sheetXml);
    writeFileSync(path, await zip.generateAsync({ type: "uint8array", compression: "DEFLATE", compressionOptions: { level: 9 } }));
    return path;
  }
  const cellRow = (r: number | null, values: string[]) =>
    `<row${r === null ? "" : ` r="${r}"`}>${values.map((v) => `<c t="inlineStr"><is><t>${v}</t></is></c>`).join("")}</row>`;
  const header = extractDef("roster").fields.map((f) => f.label);
  const sheet = (rows: string) => `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${cellRow(1, header)}${rows}</sheetData></worksheet>`;

  it("a sheet that inflates without end, a row number past the last row: refused in seconds, saying which limit", async () => {
    const { db, dir } = await freshWarehouse();
    const bomb = await workbook(join(dir, "roster_2025-01_150102.xlsx"), sheet(cellRow(null, ["x"]).repeat(1_500_000)));
    expect(statSync(bomb).size).toBeLessThan(2_000_000);
    const far = await workbook(join(dir, "roster_2025-02_150102.xlsx"), sheet(cellRow(99_999_999_999, header)));
    const t0 = Date.now();
    const rss0 = process.memoryUsage().rss;
    const s = await ingestPaths(db, [bomb, far]);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(1_000_000_000);
    expect(s.files.map((f) => f.status)).toEqual(["refused", "refused"]);
    expect(s.files[0]!.reason).toMatch(/^XLSX past its limits: (row number 1048577 is past a sheet's last row \(1,048,576\)|the sheet inflates more than 200-fold)/);
    expect(s.files[1]!.reason).toBe("XLSX past its limits: row number 99999999999 is past a sheet's last row (1,048,576)");
  }, 120_000);

  it("a header cell with a lone UTF-16 surrogate (&#xD800;) is a column like any other: the file loads, its warning names it", async () => {
    const { db, dir } = await freshWarehouse();
    const row = validRows("roster", 1)[0]!;
    const values = extractDef("roster").fields.map((f) => String(row[f.name] ?? ""));
    const xml = `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${cellRow(1, [...header, "备注&#xD800;"])}${cellRow(2, [...values, "x"])}</sheetData></worksheet>`;
    const file = await workbook(join(dir, "roster_2025-01_150102.xlsx"), xml);
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 1, rowsLoaded: 1 });
    const stored = await q<{ warnings: string }>(db, "SELECT warnings FROM meta_delivery");
    expect(stored[0]!.warnings).toBe("unknown column(s) not loaded: 备注\uFFFD");
  }, T);
});

describe("re-delivery guards", () => {
  it("a re-delivery that empties or halves the data it replaces is loaded, flagged loudly, and --expect-shrink silences it", async () => {
    const { db, dir } = await freshWarehouse();
    const first = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 10));
    await ingestPaths(db, [first], { receivedAt: "2025-02-05T10:00:00+08:00" });
    const empty = join(dir, "again", "roster_2025-01_150102.csv");
    mkdirSync(join(dir, "again"));
    writeCsv(empty, "roster", []);
    const s = await ingestPaths(db, [empty], { receivedAt: "2025-02-06T10:00:00+08:00" });
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsLoaded: 0 });
    expect(s.files[0]!.warnings[0]).toMatch(/^re-delivery shrinks the data: 0 row\(s\) replace the 10 of delivery 1 \(roster_2025-01_150102\.csv\); if that is intended, load it with --expect-shrink$/);
    const stored = await q<{ warnings: string }>(db, "SELECT warnings FROM meta_delivery WHERE delivery_id = 2");
    expect(stored[0]!.warnings).toMatch(/re-delivery shrinks the data/);
    expect(describeResult(s.files[0]!)).toMatch(/warning/);

    const { db: db2, dir: dir2 } = await freshWarehouse();
    await ingestPaths(db2, [writeCsv(join(dir2, "roster_2025-01_150102.csv"), "roster", validRows("roster", 10))], { receivedAt: "2025-02-05T10:00:00+08:00" });
    mkdirSync(join(dir2, "b"));
    const half = writeCsv(join(dir2, "b", "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    const s2 = await ingestPaths(db2, [half], { receivedAt: "2025-02-06T10:00:00+08:00", expectShrink: true });
    expect(s2.files[0]!.warnings.join("\n")).not.toMatch(/shrinks/);
    mkdirSync(join(dir2, "c"));
    const most = writeCsv(join(dir2, "c", "roster_2025-01_150102.csv"), "roster", validRows("roster", 1));
    const s3 = await ingestPaths(db2, [most], { receivedAt: "2025-02-07T10:00:00+08:00" });
    expect(s3.files[0]!.warnings.join("\n")).toMatch(/shrinks the data: 1 row\(s\) replace the 4 of delivery 2/);
  }, T);

  it("standards and county profiles supersede per key, not the whole extract", async () => {
    const { db, dir } = await freshWarehouse();
    const all = validRows("standards", 6);
    const a = writeCsv(join(dir, "standards.csv"), "standards", all);
    await ingestPaths(db, [a], { receivedAt: "2025-02-05T10:00:00+08:00" });
    const before = await q<{ n: bigint }>(db, "SELECT count(*) AS n FROM core_standards");
    mkdirSync(join(dir, "fix"));
    const one = { ...all[0]!, standard: "999.00" };
    const b = writeCsv(join(dir, "fix", "standards.csv"), "standards", [one]);
    await ingestPaths(db, [b], { receivedAt: "2025-02-06T10:00:00+08:00" });
    const after = await q<{ n: bigint }>(db, "SELECT count(*) AS n FROM core_standards");
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
    const changed = await q<{ s: string }>(db, "SELECT CAST(standard AS VARCHAR) AS s FROM core_standards WHERE county_code = $c AND program = 'urban_dibao' AND effective_from = $e".replace("$c", `'${all[0]!.county_code}'`).replace("$e", `'${all[0]!.effective_from}'`));
    expect(changed.map((r) => r.s)).toEqual(["999.00"]);

    const p1 = writeCsv(join(dir, "county_profile_2025.csv"), "county_profile", validRows("county_profile", 4));
    await ingestPaths(db, [p1], { receivedAt: "2025-02-05T10:00:00+08:00" });
    mkdirSync(join(dir, "fix2"));
    const p2 = writeCsv(join(dir, "fix2", "county_profile_2025.csv"), "county_profile", validRows("county_profile", 1));
    await ingestPaths(db, [p2], { receivedAt: "2025-02-06T10:00:00+08:00" });
    expect(await count(db, "SELECT count(*) AS n FROM core_county_profile")).toBe(4);
  }, T);
});

describe("types from Parquet", () => {
  /** A Parquet file of roster rows with typed columns: the CSV's text cast by `casts` (header → SQL expression over the text column). */
  async function typedParquet(path: string, rows: ReturnType<typeof validRows>, casts: Record<string, string>): Promise<string> {
    const csv = `${path}.src.csv`;
    writeCsv(csv, "roster", rows.map((r) => ({ ...r, monthly_benefit: "1079.00", per_capita_income: "320.50" })));
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const inst = await DuckDBInstance.create(":memory:");
    const conn = await inst.connect();
    try {
      const cols = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_csv('${csv}', header = true, all_varchar = true)`)).getRowObjectsJS() as { column_name: string }[];
      const select = cols.map(({ column_name: c }) => `${casts[c] ? casts[c]!.replaceAll("$", `"${c}"`) : `"${c}"`} AS "${c}"`).join(", ");
      await conn.run(`COPY (SELECT ${select} FROM read_csv('${csv}', header = true, all_varchar = true)) TO '${path}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
      inst.closeSync();
    }
    return path;
  }

  it("DECIMAL of any scale with at most 2 decimals, DATE months and dates, TIMESTAMP dates are taken", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 4);
    const file = await typedParquet(join(dir, "roster_2025-01_150102.parquet"), rows, {
      月保障金额: "CAST($ AS DECIMAL(38,10))",
      家庭月人均收入: "CAST($ AS DECIMAL(18,4))",
      统计月份: "CAST(strptime($ || '-01', '%Y-%m-%d') AS DATE)",
      批准日期: "CAST(strptime($, '%Y/%m/%d') AS TIMESTAMP)",
    });
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 4, rowsLoaded: 4, rowsRejected: 0 });
    const got = await q<{ period: string; m: string; i: string; a: string }>(
      db,
      "SELECT period, CAST(monthly_benefit AS VARCHAR) AS m, CAST(per_capita_income AS VARCHAR) AS i, CAST(approved_on AS VARCHAR) AS a FROM core_roster ORDER BY line LIMIT 1",
    );
    expect(got[0]).toEqual({ period: "2025-01", m: "1079.00", i: "320.50", a: "2024-03-05" });
  }, T);

  it("a DECIMAL with more than 2 decimals is rejected per row; BLOB and LIST columns are refused by name", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 3);
    const file = await typedParquet(join(dir, "roster_2025-01_150102.parquet"), rows, { 月保障金额: "CAST($ AS DECIMAL(38,10)) + CASE WHEN $ IS NOT NULL THEN 0.001 END" });
    const s = await ingestPaths(db, [file]);
    expect(s.files[0]).toMatchObject({ status: "loaded", rowsRead: 3, rowsLoaded: 0, rowsRejected: 3 });
    const rej = await q<{ value: string; reason: string }>(db, "SELECT value, reason FROM meta_reject WHERE column_name = '月保障金额' LIMIT 1");
    expect(rej[0]!.value).toBe("1079.001");
    expect(rej[0]!.reason).toMatch(/2 decimals/);

    const { db: db2, dir: dir2 } = await freshWarehouse();
    const blob = await typedParquet(join(dir2, "roster_2025-02_150102.parquet"), validRows("roster", 3, "2025-02"), { 姓名: "encode($)" });
    const list = await typedParquet(join(dir2, "roster_2025-03_150102.parquet"), validRows("roster", 3, "2025-03"), { 身份证号: "[$]" });
    const s2 = await ingestPaths(db2, [blob, list]);
    expect(s2.files.map((f) => f.status)).toEqual(["refused", "refused"]);
    expect(s2.files[0]!.reason).toBe("column 姓名 holds BLOB values, not text, numbers or dates: roster needs it");
    expect(s2.files[1]!.reason).toBe("column 身份证号 holds VARCHAR[] values, not text, numbers or dates: roster needs it");
    expect(await count(db2, "SELECT count(*) AS n FROM stg_roster")).toBe(0);
  }, T);
});

describe("messages for people, no personal data outside the warehouse", () => {
  it("report rejects masks ID numbers and names unless unmasked; its CSV neutralises formulas", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 4);
    rows[0]!.person_id = "150102198609023718"; // check digit wrong
    rows[1]!.relation = "=1+1";
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows);
    await ingestPaths(db, [file]);
    const masked = await withWarehouse(db, (wh) => rejectsReport(wh), { readOnly: true });
    const id = masked.find((r) => r.column_name === "身份证号")!;
    expect(id.value).toBe("150102********3718");
    for (const format of ["table", "csv", "json"] as const) expect(formatRejects(masked, format)).not.toContain("150102198609023718");
    const unmasked = await withWarehouse(db, (wh) => rejectsReport(wh, { unmasked: true }), { readOnly: true });
    expect(unmasked.find((r) => r.column_name === "身份证号")!.value).toBe("150102198609023718");
    const csv = formatRejects(masked, "csv");
    expect(csv).toContain(",'=1+1,");
    expect(maskRejectValue("roster", "姓名", "李四光")).toBe("李**");
    expect(maskRejectValue("payments", "备注", "15010219860902371X")).toBe("150102********371X");
  }, T);

  it("a file name with a newline cannot forge a line of the log", () => {
    const line = describeResult({ file: "a.csv\nb.csv: refused: forged", status: "refused", reason: "empty file", rowsRead: 0, rowsLoaded: 0, rowsRejected: 0, warnings: [], superseded: [], seconds: 0 });
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toBe("a.csv\\nb.csv: refused: forged: refused: empty file");
  });

  it("staging files live in a private folder beside the warehouse and are gone afterwards; a dead run's are removed", async () => {
    const { db, dir } = await freshWarehouse();
    const root = StagingDir.rootOf(db);
    mkdirSync(join(root, "999999999-dead"), { recursive: true });
    writeFileSync(join(root, "999999999-dead", "1.csv"), "150102198609023719\n");
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4), "gb18030");
    const s = await ingestPaths(db, [file]);
    expect(s.loaded).toBe(1);
    expect(readdirSync(root).filter((n) => n.startsWith(`${process.pid}-`) || n.startsWith("999999999-"))).toEqual([]);
    expect(statSync(root).mode & 0o077).toBe(0);
  }, T);
});

describe("paths, locks and delivery times", () => {
  it("a folder is walked past entries that cannot be read; each is refused by its own name", async () => {
    const { db, dir } = await freshWarehouse();
    const folder = join(dir, "in");
    mkdirSync(folder);
    writeCsv(join(folder, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    (await import("node:fs")).symlinkSync(join(dir, "nowhere.csv"), join(folder, "broken.csv"));
    writeFileSync(join(folder, "notes.txt"), "not an extract\n");
    const s = await ingestPaths(db, [folder]);
    expect(s.files.map((f) => [f.file.replace(folder, "…"), f.status])).toEqual([
      ["…/broken.csv", "refused"],
      ["roster_2025-01_150102.csv", "loaded"],
    ]);
    expect(s.files[0]!.reason).toBe("cannot read: ENOENT");
  }, T);

  it("--db must be a DuckDB file or a new path", async () => {
    const { dir } = await freshWarehouse();
    const csv = join(dir, "not-a-warehouse.csv");
    writeFileSync(csv, "a,b\n1,2\n");
    await expect(ingestPaths(csv, [])).rejects.toThrow(/is not a DuckDB warehouse: give --db the warehouse file, or a path that does not exist yet/);
    await expect(Warehouse.open(join(dir, "missing.duckdb"), { readOnly: true })).rejects.toThrow(/^no warehouse at .*missing\.duckdb: run jiuzhu ingest first/);
  }, T);

  it("an empty or garbage lock is taken over at once; a live holder is waited for by pid", async () => {
    const { db, dir } = await freshWarehouse();
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    writeFileSync(lockPathOf(db), "garbage\n");
    const old = new Date(Date.now() - 60_000);
    (await import("node:fs")).utimesSync(lockPathOf(db), old, old);
    const s = await ingestPaths(db, [file], { lockTimeoutMs: 5000 });
    expect(s.loaded).toBe(1);
    const release = await acquireLock(db);
    await expect(ingestPaths(db, [file], { lockTimeoutMs: 300 })).rejects.toThrow(new RegExp(`pid ${process.pid}`));
    release();
  }, T);

  it("a reader or an ingest waits, with one clear line, while another process has the warehouse open", async () => {
    const { db, dir } = await freshWarehouse();
    const { spawn } = await import("node:child_process");
    const holder = spawn(process.execPath, [fileURLToPath(new URL("../fixtures/extracts/hold.mjs", import.meta.url)), db, "1500"], { stdio: ["ignore", "pipe", "inherit"] });
    const holderExit = new Promise((ok) => holder.once("exit", ok));
    await new Promise<void>((ok) => holder.stdout!.once("data", () => ok()));
    const said: string[] = [];
    const t0 = Date.now();
    const wh = await Warehouse.open(db, { readOnly: true, onWait: (m) => said.push(m) });
    wh.close();
    expect(Date.now() - t0).toBeGreaterThan(500);
    expect(said).toEqual([expect.stringMatching(new RegExp(`^another process \\(pid ${holder.pid}\\) has the warehouse .* open; waiting for it \\(at most \\d+ min\\)…$`))]);
    await holderExit;
    // and gives up with a sentence, not DuckDB's lock error
    const again = spawn(process.execPath, [fileURLToPath(new URL("../fixtures/extracts/hold.mjs", import.meta.url)), db, "3000"], { stdio: ["ignore", "pipe", "inherit"] });
    const againExit = new Promise((ok) => again.once("exit", ok));
    await new Promise<void>((ok) => again.stdout!.once("data", () => ok()));
    await expect(Warehouse.open(db, { readOnly: true, timeoutMs: 300, onWait: () => undefined })).rejects.toThrow(/is still in use by another process \(pid \d+\) after 0 s; try again when it has finished/);
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 2));
    await expect(ingestPaths(db, [file])).resolves.toMatchObject({ loaded: 1 });
    await againExit;
  }, T);

  it("--received-at is a real time, not in the future", () => {
    expect(() => parseReceivedAt("2026-02-30")).toThrow(/no such date/);
    expect(() => parseReceivedAt("2150-01-01")).toThrow(/in the future/);
    expect(() => parseReceivedAt("2999-01-01")).toThrow(/no such date/);
    expect(() => parseReceivedAt("25:61")).toThrow(/expected a time/);
    expect(() => parseReceivedAt("2026-01-05 25:61")).toThrow(/no such date or time/);
    expect(parseReceivedAt("2025-02-05T10:00:00+08:00").toISOString()).toBe("2025-02-05T02:00:00.000Z");
  });
});
