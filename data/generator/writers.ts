// Extract file writers in the formats counties really deliver: GB18030 CSV, UTF-8 CSV
// (with or without BOM) and XLSX (real date cells, see xlsx.ts). Rows
// stream to disk with backpressure; nothing holds a whole file in memory.
import { createWriteStream, type WriteStream } from "node:fs";
import iconv from "iconv-lite";
import { ymd, monthKey, type MonthIndex } from "./calendar.js";
import { XlsxStreamWriter, type XlsxCell } from "./xlsx.js";

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

const monthTexts = new Map<string, string>();

export function formatMonth(index: MonthIndex, style: MonthStyle): string {
  const cacheKey = `${style}${index}`;
  let text = monthTexts.get(cacheKey);
  if (text === undefined) {
    text = formatMonthUncached(index, style);
    monthTexts.set(cacheKey, text);
  }
  return text;
}

function formatMonthUncached(index: MonthIndex, style: MonthStyle): string {
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

type CellFormatter = (cell: Cell) => string;

/** One formatter per column, chosen once per file: the per-row work stays small. */
function csvFormatter(kind: ColumnKind, style: DeliveryStyle): CellFormatter {
  const other = (cell: Cell): string => {
    if (cell === null) return "";
    if (typeof cell === "string") return cell;
    if (typeof cell === "boolean") return formatBool(cell, style.bools);
    if (typeof cell === "number") return String(cell);
    if ("raw" in cell) return cell.raw;
    if ("day" in cell) return formatDate(cell.day, style.dates);
    return formatMonth(cell.month, style.months);
  };
  switch (kind) {
    case "money":
      return (cell) => (typeof cell === "number" ? csvQuote(formatMoney(cell, style.thousands)) : csvQuote(other(cell)));
    case "decimal":
      return (cell) => (typeof cell === "number" ? String(Math.round(cell * 10000) / 10000) : other(cell));
    case "text":
      return (cell) => (typeof cell === "string" ? csvQuote(cell) : csvQuote(other(cell)));
    default:
      return (cell) => csvQuote(other(cell));
  }
}

function csvQuote(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${text.replace(/"/g, '""')}"`;
  }
  return text;
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
  private readonly formatters: CellFormatter[];

  constructor(
    path: string,
    columns: readonly Column[],
    private readonly style: DeliveryStyle,
  ) {
    this.formatters = columns.map((c) => csvFormatter(c.kind, style));
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
    let line = this.formatters[0]!(row[0]!);
    for (let i = 1; i < row.length; i++) line += "," + this.formatters[i]!(row[i]!);
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

class XlsxWriter implements RowWriter {
  private readonly sheet: XlsxStreamWriter;
  private readonly money: boolean[];

  constructor(path: string, sheetName: string, columns: readonly Column[], private readonly style: DeliveryStyle) {
    this.money = columns.map((c) => c.kind === "money");
    const widths = columns.map((c) => (c.kind === "text" ? 20 : 12));
    this.sheet = new XlsxStreamWriter(path, sheetName, columns.map((c) => c.header), widths);
  }

  get rows(): number {
    return this.sheet.rows;
  }

  write(row: readonly Cell[]): Promise<void> | void {
    const values = row.map((cell, i): XlsxCell => {
      if (typeof cell === "number" && this.money[i]) return { value: cell, style: "money" };
      if (cell === null || typeof cell === "string" || typeof cell === "number") return cell;
      if (typeof cell === "boolean") return formatBool(cell, this.style.bools);
      if ("raw" in cell) return cell.raw;
      if ("day" in cell) return { serial: cell.day + 25569, style: "date" }; // Excel serial of 1970-01-01 is 25569
      return formatMonth(cell.month, this.style.months);
    });
    return this.sheet.write(values);
  }

  close(): Promise<void> {
    return this.sheet.close();
  }
}

export function openWriter(path: string, sheetName: string, columns: readonly Column[], style: DeliveryStyle): RowWriter {
  return style.format === "xlsx" ? new XlsxWriter(path, sheetName, columns, style) : new CsvWriter(path, columns, style);
}
