import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { neutralise, plainText, type Column } from "../../metrics/export/columns.js";
import { BOM, toCsv } from "../../metrics/export/csv.js";
import { displayWidth, toTextTable } from "../../metrics/export/table.js";
import { AUDIT_SHEET, toXlsx } from "../../metrics/export/xlsx.js";

const COLUMNS: Column[] = [
  { key: "code", header: "区划代码" },
  { key: "name", header: "名称" },
  { key: "share", header: "分配系数", kind: "decimal", digits: 6 },
  { key: "rate", header: "占比", kind: "percent" },
  { key: "amount", header: "分配金额（元）", kind: "yuan", total: true },
  { key: "change", header: "增减（元）", kind: "yuan", total: true },
];
const ROWS = [
  { code: "150102", name: "新城区", share: 0.6, rate: 0.6, amount: 600_000, change: -1200 },
  { code: "150103", name: '=HYPERLINK("http://x","点我")', share: 0.4, rate: 0.4, amount: 400_000, change: 1200 },
  { code: "150104", name: "a,b \"c\"\nd", share: null, rate: null, amount: 0, change: null },
];

describe("formula injection", () => {
  it("neutralises text that starts with = + - @ tab or CR, and nothing else", () => {
    for (const s of ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"]) expect(neutralise(s)).toBe(`'${s}`);
    for (const s of ["1+2", "新城区", "a=b", "", "'="]) expect(neutralise(s)).toBe(s);
  });
  it("keeps numbers numbers (a negative amount is not a formula)", () => {
    expect(plainText(-1200, { key: "x", header: "", kind: "yuan" })).toBe("-1200");
    expect(plainText("-1200", { key: "x", header: "" })).toBe("'-1200");
    expect(plainText(["=a", "b"], { key: "x", header: "" })).toBe("'=a、b");
  });
});

describe("toCsv", () => {
  it("writes UTF-8 with BOM, CRLF, quoting, fixed decimals, a total row", () => {
    const csv = toCsv(ROWS, COLUMNS, { totalLabel: "合计" });
    expect(csv.startsWith(BOM)).toBe(true);
    const lines = csv.slice(1).split("\r\n");
    expect(lines[0]).toBe("区划代码,名称,分配系数,占比,分配金额（元）,增减（元）");
    expect(lines[1]).toBe("150102,新城区,0.600000,60.00%,600000,-1200");
    expect(lines[2]).toBe(`150103,"'=HYPERLINK(""http://x"",""点我"")",0.400000,40.00%,400000,1200`);
    expect(lines[3]).toBe('150104,"a,b ""c""\nd",,,0,');
    expect(lines[4]).toBe("合计,,,,1000000,0");
    expect(lines[5]).toBe("");
    expect(Buffer.from(csv, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
  it("is byte-identical for the same rows", () => {
    expect(toCsv(ROWS, COLUMNS)).toBe(toCsv(JSON.parse(JSON.stringify(ROWS)), COLUMNS));
  });
});

describe("toTextTable", () => {
  it("aligns Chinese text by display width", () => {
    expect(displayWidth("新城区ab")).toBe(8);
    const t = toTextTable(ROWS.slice(0, 2), COLUMNS.filter((c) => c.key !== "name"), { code: "合计", amount: 1_000_000 });
    const lines = t.split("\n");
    expect(lines[2]).toMatch(/^150102 +0\.600000 +60\.00% +600,000 +-1,200$/);
    expect(lines.at(-2)).toMatch(/^合计 +1,000,000$/);
    expect(new Set(lines.slice(0, 4).map(displayWidth)).size).toBe(1);
  });
});

describe("toXlsx", () => {
  const doc = () =>
    toXlsx({
      sheets: [{ name: "分配结果", title: "以奖代补资金分配表", columns: COLUMNS, rows: ROWS, totalLabel: "合计" }],
      audit: [
        ["资金总额（元）", "1000000"],
        ["备注", "=cmd|' /C calc'!A0"],
      ],
    });

  it("styled header under a title, number formats, total row with formula, frozen panes, audit sheet, neutralised text", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(doc() as unknown as ArrayBuffer);
    const ws = wb.getWorksheet("分配结果")!;
    expect(ws.getCell("A1").value).toBe("以奖代补资金分配表");
    expect(ws.getCell("A2").value).toBe("区划代码");
    expect(ws.getCell("A2").font?.bold).toBe(true);
    expect((ws.getCell("A2").fill as ExcelJS.FillPattern).fgColor?.argb).toBe("FF1F4E79");
    expect(ws.getCell("E3").value).toBe(600_000);
    expect(ws.getCell("E3").numFmt).toBe("#,##0");
    expect(ws.getCell("D3").numFmt).toBe("0.00%");
    expect(ws.getCell("C3").numFmt).toBe("0.000000");
    expect(ws.getCell("B4").value).toBe(`'=HYPERLINK("http://x","点我")`);
    expect(ws.getCell("A6").value).toBe("合计");
    expect(ws.getCell("E6").value).toEqual({ formula: "SUM(E3:E5)", result: 1_000_000 });
    expect(ws.views[0]).toMatchObject({ state: "frozen", xSplit: 2, ySplit: 2 });
    const audit = wb.getWorksheet(AUDIT_SHEET)!;
    expect(audit.getCell("A1").value).toBe("项目");
    expect(audit.getCell("A2").value).toBe("资金总额（元）");
    expect(audit.getCell("B3").value).toBe("'=cmd|' /C calc'!A0");
  });

  it("prints as filed: A4 landscape, one page wide (the audit sheet on one page), title and header rows repeated", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(doc() as unknown as ArrayBuffer);
    const ws = wb.getWorksheet("分配结果")!;
    expect(ws.pageSetup).toMatchObject({ paperSize: 9, orientation: "landscape", fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
    expect(ws.pageSetup.printTitlesRow).toBe("1:2");
    const audit = wb.getWorksheet(AUDIT_SHEET)!;
    expect(audit.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 1 });
    expect(audit.pageSetup.printTitlesRow).toBe("1:1");
  });

  it("is byte-identical for the same document, and numbers keep every decimal they have", () => {
    expect(doc()).toEqual(doc());
    const bytes = toXlsx({ sheets: [{ name: "s", columns: [{ key: "x", header: "x", kind: "decimal", digits: 4 }], rows: [{ x: 85.6667 }, { x: 0.1 + 0.2 }] }], audit: [] });
    const text = Buffer.from(bytes).toString("utf8");
    expect(text).toContain("<v>85.6667</v>");
    expect(text).toContain("<v>0.30000000000000004</v>"); // what is given is written, to the last bit
  });
});
