// Extract file writers in the formats counties really deliver: GB18030 CSV, UTF-8 CSV
// (with or without BOM) and XLSX (exceljs streaming writer, real date cells). Rows
// stream to disk with backpressure; nothing holds a whole file in memory.
import { createWriteStream, type WriteStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { ymd, monthKey, type MonthIndex } from "./calendar.js";

export type FileFormat = "csv-gb18030" | "csv-utf8-bom" | "csv-utf8" | "xlsx";
export type DateStyle = "iso" | "slash" | "compact" | "chinese";
export type BoolStyle = "shifou" | "yn" | "10";
export type MonthStyle = "iso" | "compact" | "chinese";

/** How one county writes its files. */
export interface DeliveryStyle {
  format: FileFormat;
  dates: DateStyle;
  bools: BoolStyle;
  months: MonthStyle;
  /** Money with thousands separators (`1,234.50`, quoted in CSV). */
  thousands: boolean;
  /** Use the national system's header aliases where the dictionary has them. */
  aliases: boolean;
}

/** A date cell (day number); XLSX writes a real date cell. */
export interface DateCell {
  day: number;
}
/** A reporting-month cell. */
export interface MonthCell {
  month: MonthIndex;
}
/** Text written verbatim in every format (planted bad values such as `2025-02-30`). */
export interface RawCell {
  raw: string;
}
export type Cell = string | number | boolean | null | DateCell | MonthCell | RawCell;
export type ColumnKind = "text" | "int" | "money" | "decimal" | "date" | "month" | "bool";

export interface Column {
  header: string;
  kind: ColumnKind;
}

export function extensionOf(format: FileFormat): string {
  return format === "xlsx" ? "xlsx" : "csv";
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDate(day: number, style: DateStyle): string {
  const { y, m, d } = ymd(day);
  switch (style) {
    case "iso":
      return `${y}-${pad2(m)}-${pad2(d)}`;
    case "slash":
      return `${y}/${m}/${d}`;
    case "compact":
      return `${y}${pad2(m)}${pad2(d)}`;
    case "chinese":
      return `${y}年${m}月${d}日`;
  }
}

/** An impossible date (e.g. 30 February) written in the county's own style. */
export function impossibleDate(year: number, style: DateStyle, variant: number): string {
  const [m, d] = variant % 2 === 0 ? [2, 30] : [13, 5];
  switch (style) {
    case "iso":
      return `${year}-${pad2(m)}-${pad2(d)}`;
    case "slash":
      return `${year}/${m}/${d}`;
    case "compact":
      return `${year}${pad2(m)}${pad2(d)}`;
    case "chinese":
      return `${year}年${m}月${d}日`;
  }
}

export function formatMonth(index: MonthIndex, style: MonthStyle): string {
  const key = monthKey(index);
  switch (style) {
    case "iso":
      return key;
    case "compact":
      return key.replace("-", "");
    case "chinese":
      return `${key.slice(0, 4)}年${Number(key.slice(5))}月`;
  }
}

export function formatBool(value: boolean, style: BoolStyle): string {
  switch (style) {
    case "shifou":
      return value ? "是" : "否";
    case "yn":
      return value ? "Y" : "N";
    case "10":
      return value ? "1" : "0";
  }
}

function formatMoney(value: number, thousands: boolean): string {
  const text = value.toFixed(2);
  if (!thousands || Math.abs(value) < 1000) return text;
  const [int, frac] = text.split(".");
  return `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${frac}`;
}

function csvText(cell: Cell, kind: ColumnKind, style: DeliveryStyle): string {
  if (cell === null) return "";
  if (typeof cell === "string") return cell;
  if (typeof cell === "boolean") return formatBool(cell, style.bools);
  if (typeof cell === "number") {
    if (kind === "money") return formatMoney(cell, style.thousands);
    if (kind === "decimal") return String(Math.round(cell * 10000) / 10000);
    return String(cell);
  }
  if ("raw" in cell) return cell.raw;
  if ("day" in cell) return formatDate(cell.day, style.dates);
  return formatMonth(cell.month, style.months);
}

function csvQuote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A file of rows: `write` resolves once the row is buffered (awaits drain under backpressure). */
export interface RowWriter {
  readonly rows: number;
  write(row: readonly Cell[]): Promise<void> | void;
  close(): Promise<void>;
}

class CsvWriter implements RowWriter {
  rows = 0;
  private buffer: string[] = [];
  private bufferChars = 0;
  private readonly stream: WriteStream;

  constructor(
    path: string,
    private readonly columns: readonly Column[],
    private readonly style: DeliveryStyle,
  ) {
    this.stream = createWriteStream(path);
    if (style.format === "csv-utf8-bom") this.stream.write(Buffer.from([0xef, 0xbb, 0xbf]));
    this.push(columns.map((c) => csvQuote(c.header)).join(",") + "\r\n");
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.bufferChars += line.length;
  }

  private flush(): boolean {
    if (this.buffer.length === 0) return true;
    const text = this.buffer.join("");
    this.buffer = [];
    this.bufferChars = 0;
    const bytes = this.style.format === "csv-gb18030" ? iconv.encode(text, "gb18030") : Buffer.from(text, "utf8");
    return this.stream.write(bytes);
  }

  write(row: readonly Cell[]): Promise<void> | void {
    let line = "";
    for (let i = 0; i < row.length; i++) {
      if (i > 0) line += ",";
      line += csvQuote(csvText(row[i]!, this.columns[i]!.kind, this.style));
    }
    this.push(line + "\r\n");
    this.rows++;
    if (this.bufferChars > 1 << 16 && !this.flush()) {
      return new Promise((resolve) => this.stream.once("drain", () => resolve()));
    }
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once("error", reject);
      this.stream.end(() => resolve());
    });
  }
}

/** Fixed document times, so that XLSX files are byte-identical from run to run. */
const FIXED_TIME = new Date(Date.UTC(2026, 0, 1));

class XlsxWriter implements RowWriter {
  rows = 0;
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private readonly sheet: ExcelJS.Worksheet;

  constructor(
    private readonly path: string,
    sheetName: string,
    columns: readonly Column[],
    private readonly style: DeliveryStyle,
  ) {
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useStyles: true,
      useSharedStrings: false,
      zip: { zlib: { level: 1 } }, // fast: the default level triples the time of small files
      created: FIXED_TIME,
      modified: FIXED_TIME,
      creator: "民政业务系统",
      lastModifiedBy: "民政业务系统",
    } as Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions>);
    this.sheet = this.workbook.addWorksheet(sheetName);
    this.sheet.columns = columns.map((c) => ({
      header: c.header,
      width: c.kind === "date" ? 12 : c.kind === "text" ? 20 : 12,
      style: c.kind === "date" ? { numFmt: "yyyy-mm-dd" } : c.kind === "money" ? { numFmt: "0.00" } : {},
    }));
  }

  write(row: readonly Cell[]): void {
    const values = row.map((cell): ExcelJS.CellValue => {
      if (cell === null) return null;
      if (typeof cell === "string" || typeof cell === "number") return cell;
      if (typeof cell === "boolean") return formatBool(cell, this.style.bools);
      if ("raw" in cell) return cell.raw;
      if ("day" in cell) return new Date(cell.day * 86_400_000);
      return formatMonth(cell.month, this.style.months);
    });
    this.sheet.addRow(values).commit();
    this.rows++;
  }

  async close(): Promise<void> {
    this.sheet.commit();
    await this.workbook.commit();
    await normaliseZipTimes(this.path);
  }
}

export function openWriter(path: string, sheetName: string, columns: readonly Column[], style: DeliveryStyle): RowWriter {
  return style.format === "xlsx" ? new XlsxWriter(path, sheetName, columns, style) : new CsvWriter(path, columns, style);
}

/**
 * Set every entry's DOS time and date in a ZIP file to 2026-01-01 00:00, in the
 * local headers and the central directory (archiver stamps the current time).
 */
export async function normaliseZipTimes(path: string): Promise<void> {
  const zip = await readFile(path);
  const eocd = zip.lastIndexOf(new Uint8Array([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`not a zip file: ${path}`);
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  const dosTime = 0;
  const dosDate = ((2026 - 1980) << 9) | (1 << 5) | 1;
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory in ${path}`);
    zip.writeUInt16LE(dosTime, p + 12);
    zip.writeUInt16LE(dosDate, p + 14);
    const local = zip.readUInt32LE(p + 42);
    if (zip.readUInt32LE(local) === 0x04034b50) {
      zip.writeUInt16LE(dosTime, local + 10);
      zip.writeUInt16LE(dosDate, local + 12);
    }
    p += 46 + zip.readUInt16LE(p + 28) + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  const handle = await open(path, "r+");
  try {
    await handle.write(new Uint8Array(zip.buffer, zip.byteOffset, zip.length), 0, zip.length, 0);
  } finally {
    await handle.close();
  }
}
