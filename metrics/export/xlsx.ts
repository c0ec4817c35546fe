// XLSX for finance staff (exceljs): styled headers, yuan number formats, a total row,
// frozen panes, and an 审计信息 sheet; text cells neutralised against formula injection.
import ExcelJS from "exceljs";
import { digitsOf, neutralise, totals, type Column, type ExportRow } from "./columns.js";

export interface XlsxSheet {
  name: string;
  columns: readonly Column[];
  rows: readonly ExportRow[];
  /** Label of the total row (in the first column); no total row when absent. */
  totalLabel?: string;
  /** Columns kept in view when scrolling sideways (default 2: code and name). */
  frozenColumns?: number;
}

export interface XlsxDocument {
  sheets: XlsxSheet[];
  /** Key–value pairs of the 审计信息 sheet. */
  audit: [string, string][];
  /** Workbook creation time (fixed for reproducible files; default 2000-01-01). */
  created?: Date;
}

export const AUDIT_SHEET = "审计信息";

export function numFmt(col: Column): string | undefined {
  const d = digitsOf(col);
  const dec = d > 0 ? `.${"0".repeat(d)}` : "";
  switch (col.kind ?? "text") {
    case "yuan":
      return '#,##0" 元";-#,##0" 元";0" 元"';
    case "integer":
      return "#,##0";
    case "decimal":
    case "score":
      return `0${dec}`;
    case "percent":
      return `0${dec}%`;
    case "text":
      return undefined;
  }
}

const HEADER_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FF1F4E79" } };
const TOTAL_FILL: ExcelJS.Fill = { type: "pattern", pattern: "solid", fgColor: { argb: "FFDDEBF7" } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: "thin", color: { argb: "FFBFBFBF" } },
  bottom: { style: "thin", color: { argb: "FFBFBFBF" } },
  left: { style: "thin", color: { argb: "FFBFBFBF" } },
  right: { style: "thin", color: { argb: "FFBFBFBF" } },
};

function cellValue(value: unknown, col: Column): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return neutralise(value.map(String).join("、"));
  if (col.kind && col.kind !== "text" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return neutralise(String(value));
}

function columnLetter(n: number): string {
  let s = "";
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

export function buildWorkbook(doc: XlsxDocument): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const created = doc.created ?? new Date(Date.UTC(2000, 0, 1));
  wb.creator = "Jiuzhu 救助";
  wb.lastModifiedBy = "Jiuzhu 救助";
  wb.created = created;
  wb.modified = created;
  wb.calcProperties.fullCalcOnLoad = true;
  for (const sheet of doc.sheets) {
    const frozen = sheet.frozenColumns ?? Math.min(2, sheet.columns.length);
    const ws = wb.addWorksheet(sheet.name, { views: [{ state: "frozen", xSplit: frozen, ySplit: 1 }] });
    ws.columns = sheet.columns.map((c) => ({ key: c.key, width: c.width ?? Math.max(10, Math.min(40, c.header.length * 2 + 4)) }));
    const header = ws.getRow(1);
    sheet.columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.value = neutralise(c.header);
      cell.font = { bold: true, color: { argb: "FFFFFFFF" } };
      cell.fill = HEADER_FILL;
      cell.alignment = { vertical: "middle", horizontal: "center", wrapText: true };
      cell.border = THIN;
    });
    header.height = 30;
    sheet.rows.forEach((row, r) => {
      const xr = ws.getRow(r + 2);
      sheet.columns.forEach((c, i) => {
        const cell = xr.getCell(i + 1);
        cell.value = cellValue(row[c.key], c);
        const fmt = numFmt(c);
        if (fmt) cell.numFmt = fmt;
        cell.border = THIN;
      });
    });
    if (sheet.totalLabel !== undefined) {
      const sums = totals(sheet.rows, sheet.columns);
      const r = sheet.rows.length + 2;
      const xr = ws.getRow(r);
      sheet.columns.forEach((c, i) => {
        const cell = xr.getCell(i + 1);
        if (i === 0) cell.value = neutralise(sheet.totalLabel!);
        else if (c.key in sums) {
          const letter = columnLetter(i + 1);
          cell.value = sheet.rows.length > 0 ? { formula: `SUM(${letter}2:${letter}${r - 1})`, result: sums[c.key]! } : 0;
          const fmt = numFmt(c);
          if (fmt) cell.numFmt = fmt;
        }
        cell.font = { bold: true };
        cell.fill = TOTAL_FILL;
        cell.border = THIN;
      });
    }
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: sheet.columns.length } };
  }
  const audit = wb.addWorksheet(AUDIT_SHEET, { views: [{ state: "frozen", ySplit: 1 }] });
  audit.columns = [
    { key: "k", width: 22 },
    { key: "v", width: 90 },
  ];
  const head = audit.getRow(1);
  ["项目", "内容"].forEach((h, i) => {
    const cell = head.getCell(i + 1);
    cell.value = h;
    cell.font = { bold: true, color: { argb: "FFFFFFFF" } };
    cell.fill = HEADER_FILL;
    cell.border = THIN;
  });
  doc.audit.forEach(([k, v], i) => {
    const row = audit.getRow(i + 2);
    row.getCell(1).value = neutralise(k);
    row.getCell(2).value = neutralise(v);
    row.getCell(2).alignment = { wrapText: true, vertical: "top" };
  });
  return wb;
}

export async function toXlsx(doc: XlsxDocument): Promise<Uint8Array> {
  const data = await buildWorkbook(doc).xlsx.writeBuffer();
  return new Uint8Array(data as ArrayBuffer);
}
