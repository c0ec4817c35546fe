// CSV splitting and encoding detection, file-name and header detection.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvSplitter, EncodingSniffer, openCsv } from "../../loaders/readers/csv.js";
import { mapHeader, parseFileName, typeFromFileName, typeFromHeader } from "../../loaders/detect.js";
import { EXTRACT_TYPES, extractDef } from "../../loaders/contracts/dictionary.js";
import { encodeGb18030, tempDir, validRows, writeXlsx } from "../fixtures/extracts/make.js";
import { openXlsxFast } from "../../loaders/readers/xlsx-fast.js";
import { openXlsxExceljs } from "../../loaders/readers/xlsx.js";

function split(chunks: string[]): { lines: number[]; rows: string[][] } {
  const sp = new CsvSplitter();
  const lines: number[] = [];
  const rows: string[][] = [];
  chunks.forEach((c, i) => sp.push(c, i === chunks.length - 1, lines, rows));
  return { lines, rows };
}

describe("CSV splitter", () => {
  it("quotes, doubled quotes, delimiters and newlines inside quotes, CRLF, blank lines", () => {
    const text = 'a,b,c\r\n1,"x, y","he said ""hi"""\r\n\r\n2,"multi\nline",z\n3,,\n';
    const { lines, rows } = split([text]);
    expect(rows).toEqual([
      ["a", "b", "c"],
      ["1", "x, y", 'he said "hi"'],
      ["2", "multi\nline", "z"],
      ["3", "", ""],
    ]);
    expect(lines).toEqual([1, 2, 4, 6]);
  });

  it("gives the same records however the text is cut into chunks", () => {
    const cell = fc.oneof(fc.constantFrom("", "a", "张三", "1,234.00", 'say "x"', "two\nlines", "末尾\r"), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 5 }), (records, cuts) => {
        const quote = (s: string) => (/[",\n\r]/.test(s) || s === "" ? `"${s.replace(/"/g, '""')}"` : s);
        const text = `h1,h2,h3\n${records.map((r) => r.map(quote).join(",")).join("\n")}\n`;
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of points) {
          chunks.push(text.slice(prev, p));
          prev = p;
        }
        chunks.push(text.slice(prev));
        const whole = split([text]);
        const cut = split(chunks);
        expect(cut).toEqual(whole);
        expect(whole.rows.slice(1)).toEqual(records);
      }),
      { numRuns: 200 },
    );
  });

  it("sniffs tab and semicolon delimiters from the header", () => {
    expect(split(["a\tb\n1\t2\n"]).rows).toEqual([["a", "b"], ["1", "2"]]);
    expect(split(["a;b\n1;2\n"]).rows).toEqual([["a", "b"], ["1", "2"]]);
  });
});

describe("encoding detection", () => {
  const text = "姓名,区划代码\n䶮𠀾,150102\n";
  it.each([
    ["utf-8", new TextEncoder().encode(text)],
    ["utf-8-bom", new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)])],
    ["gb18030", encodeGb18030(text)],
  ] as const)("%s", async (encoding, bytes) => {
    const dir = tempDir();
    const file = join(dir, "x.csv");
    writeFileSync(file, bytes);
    const src = await openCsv(file, "x.csv");
    expect(src.encoding).toBe(encoding);
    expect(src.header).toEqual(["姓名", "区划代码"]);
    const rows = [];
    for await (const b of src.batches()) rows.push(...b.rows);
    expect(rows).toEqual([["䶮𠀾", "150102"]]);
  });

  it("a UTF-8 character cut between two chunks survives", () => {
    const bytes = new TextEncoder().encode("名字");
    const sn = new EncodingSniffer("x");
    expect(sn.decode(bytes.slice(0, 4)) + sn.decode(bytes.slice(4), true)).toBe("名字");
    expect(sn.encoding).toBe("utf-8");
  });

  it("ASCII first and GB18030 later switches without loss", () => {
    const sn = new EncodingSniffer("x");
    const a = sn.decode(new TextEncoder().encode("a,b\n"));
    const b = sn.decode(encodeGb18030("张三\n"), true);
    expect(a + b).toBe("a,b\n张三\n");
    expect(sn.encoding).toBe("gb18030");
  });
});

describe("file names", () => {
  it("type, month, year and county from the name", () => {
    expect(parseFileName("roster_2026-06_150102.csv")).toEqual({ type: "roster", month: "2026-06", year: "2026", county: "150102" });
    expect(parseFileName("payments_202606_150102.xlsx")).toEqual({ type: "payments", month: "2026-06", year: "2026", county: "150102" });
    expect(parseFileName("county_profile_2025.csv")).toEqual({ type: "county_profile", year: "2025" });
    expect(parseFileName("standards.csv")).toEqual({ type: "standards" });
    expect(parseFileName("在保对象花名册_2026年6月_150102.xlsx")).toEqual({ type: "roster", month: "2026-06", year: "2026", county: "150102" });
    expect(typeFromFileName("rosters.csv")).toBeUndefined();
    expect(typeFromFileName("export.csv")).toBeUndefined();
  });
});

describe("headers", () => {
  it("each type's Chinese labels identify it alone", () => {
    for (const type of EXTRACT_TYPES) {
      const labels = extractDef(type).fields.map((f) => f.label);
      expect(typeFromHeader(labels)).toEqual({ type });
    }
  });
  it("missing required columns are listed; unknown columns kept as warnings", () => {
    const labels = extractDef("payments").fields.map((f) => f.label).filter((l) => l !== "发放日期");
    const m = mapHeader("payments", [...labels, "备注"]);
    expect(m.missing).toEqual(["发放日期(paid_on)"]);
    expect(m.unknown).toEqual(["备注"]);
  });
  it("a header that fits no extract says which one came closest", () => {
    const g = typeFromHeader(["申请编号", "救助类别"]);
    expect("error" in g && g.error).toMatch(/unknown extract type.*closest: applications/);
  });
});

describe("XLSX readers", () => {
  async function readAll(src: Awaited<ReturnType<typeof openXlsxFast>>) {
    const rows: unknown[][] = [];
    const lines: number[] = [];
    for await (const b of src.batches()) {
      rows.push(...b.rows);
      lines.push(...b.lines);
    }
    return { header: src.header, sheet: src.sheet, rows, lines };
  }

  for (const streaming of [false, true]) {
    it(`the direct reader and exceljs agree (${streaming ? "inline strings" : "shared strings"}, date cells, serials, gaps, escapes)`, async () => {
      const dir = tempDir();
      const rows = validRows("applications", 40).map((r, i) => ({
        ...r,
        application_id: i === 3 ? 'A&B <"x">' : r.application_id,
        reviewed_on: i % 5 === 0 ? null : r.reviewed_on,
        extended: i % 7 === 0 ? "是" : r.extended,
      }));
      const file = await writeXlsx(join(dir, "a.xlsx"), "applications", rows, { streaming, extraSheetsBefore: streaming ? [] : ["说明"], sheetName: "申请审核确认台账" });
      const pick = (n: string) => n === "申请审核确认台账";
      const fast = await readAll(await openXlsxFast(file, "a.xlsx", pick));
      const slow = await readAll(await openXlsxExceljs(file, "a.xlsx", pick));
      expect(fast.sheet).toBe("申请审核确认台账");
      expect(fast.header).toEqual(slow.header);
      expect(fast.lines).toEqual(slow.lines);
      const norm = (r: unknown[]) => r.map((c) => (c instanceof Date ? c.toISOString() : c ?? null));
      const trim = (r: unknown[]) => {
        const out = norm(r);
        while (out.length && out[out.length - 1] === null) out.pop();
        return out;
      };
      expect(fast.rows.map(trim)).toEqual(slow.rows.map(trim));
      expect(fast.rows[3]![0]).toBe('A&B <"x">');
      expect(fast.rows[0]![5]).toBeInstanceOf(Date);
    });
  }

  it("a file that is not a zip is refused with a clear reason", async () => {
    const dir = tempDir();
    const file = join(dir, "x.xlsx");
    writeFileSync(file, "not a zip at all, just text");
    await expect(openXlsxFast(file, "x.xlsx", () => false)).rejects.toThrow(/x\.xlsx: refused: unreadable XLSX: not a zip file/);
  });

  it("the direct reader reads every way of writing a cell alike, and rows that cross the inflater's chunk edges whole", async () => {
    const JSZip = (await import("jszip")).default;
    const dir = tempDir();
    // each expected value written in one of several spellings of the same cell (attribute order,
    // no reference, rich-text runs, preserved spaces, entities, a style that is not a date)
    const spell = (ref: string, v: string | number | Date, k: number): string => {
      const esc = String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;");
      if (typeof v === "number") return [`<c r="${ref}" s="1"><v>${v}</v></c>`, `<c s="1" r="${ref}"><v>${v}</v></c>`, `<c r="${ref}" t="n"><v>${v}</v></c>`][k % 3]!;
      if (v instanceof Date) {
        const serial = (v.getTime() - Date.UTC(1899, 11, 30)) / 86400000;
        return [`<c r="${ref}" s="2"><v>${serial}</v></c>`, `<c r="${ref}" t="n" s="2"><v>${serial}</v></c>`, `<c s="2" r="${ref}" t="n"><v>${serial}</v></c>`][k % 3]!;
      }
      return [
        `<c r="${ref}" t="inlineStr"><is><t>${esc}</t></is></c>`,
        `<c t="inlineStr" r="${ref}" s="1"><is><t>${esc}</t></is></c>`,
        `<c r="${ref}" s="1" t="inlineStr"><is><r><t>${esc.slice(0, 2)}</t></r><r><rPr><b/></rPr><t xml:space="preserve">${esc.slice(2)}</t></r></is></c>`,
        `<c r="${ref}"	t="str"><v>${esc}</v></c>`,
        `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${esc}</t></is></c>`,
      ][k % 5]!;
    };
    const rows: (string | number | Date)[][] = [];
    const xml: string[] = [];
    for (let r = 2; r <= 9000; r++) {
      // rows of uneven length, some far longer than the rest, so row ends fall anywhere in a chunk
      const row: (string | number | Date)[] = [`行${r}&<${"字".repeat(r % 97 === 0 ? 5000 : r % 13)}`, r * 1.5, new Date(Date.UTC(2025, 0, 1 + (r % 400))), `x_${r}`, r % 11 === 0 ? "" : `尾${r}`];
      rows.push(row);
      const cells = row.map((v, i) => (v === "" ? `<c r="${String.fromCharCode(65 + i)}${r}"/>` : spell(`${String.fromCharCode(65 + i)}${r}`, v, r + i)));
      xml.push(r % 17 === 0 ? `<row>${cells.join("")}</row>` : `<row r="${r}" spans="1:4">${cells.join("")}</row>`);
    }
    const sheet = `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c t="inlineStr"><is><t>甲</t></is></c><c t="inlineStr"><is><t>乙</t></is></c><c t="inlineStr"><is><t>丙</t></is></c><c t="inlineStr"><is><t>丁</t></is></c><c t="inlineStr"><is><t>戊</t></is></c></row>${xml.join("")}</sheetData><rowBreaks count="0"/></worksheet>`;
    expect(Buffer.byteLength(sheet)).toBeGreaterThan(3 << 20);
    const zip = new JSZip();
    zip.file("xl/workbook.xml", `<workbook xmlns:r="r"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`);
    zip.file("xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`);
    zip.file("xl/styles.xml", `<styleSheet><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="2"/><xf numFmtId="14"/></cellXfs></styleSheet>`);
    zip.file("xl/worksheets/sheet1.xml", sheet);
    const file = join(dir, "cells.xlsx");
    writeFileSync(file, await zip.generateAsync({ type: "uint8array", compression: "DEFLATE" }));
    const got = await readAll(await openXlsxFast(file, "cells.xlsx", () => true));
    expect(got.header).toEqual(["甲", "乙", "丙", "丁", "戊"]);
    expect(got.lines).toEqual(rows.map((_, i) => i + 2));
    expect(got.rows.map((r) => r.map((c) => c ?? ""))).toEqual(rows.map((r) => (r[4] === "" ? r.slice(0, 4) : r)));
  });
});

describe("errors for people", () => {
  it("a library's error is one line without its error class, staging paths or echoed lines", async () => {
    const { forPeople } = await import("../../loaders/readers/source.js");
    expect(forPeople(new Error("Conversion Error: CSV Error on Line: 47\nOriginal Line: 1,2,3"))).toBe("a line could not be read");
    expect(forPeople(new Error("Invalid Input Error: No magic bytes found at end of file '/data/.jiuzhu-staging/123-abc/4.parquet'"))).toBe(
      "No magic bytes found at end of file '(its staged copy)'",
    );
    expect(forPeople("")).toBe("an unexpected error");
  });
});
