// `jiuzhu report loads|rejects`: what each delivery brought, and every rejected row.
// Rejected values of ID-number and name columns (and anything that looks like an
// ID number) are masked unless asked for unmasked; CSV cells that a spreadsheet
// would run as a formula are neutralised by the one function every export uses.
import { neutralise } from "../metrics/export/columns.js";
import { withWarehouse, type Warehouse } from "./db.js";
import { isExtractType } from "./contracts/dictionary.js";
import { maskId, maskName } from "./contracts/mask.js";
import { mapHeader } from "./detect.js";
import { extractDef } from "./contracts/dictionary.js";

export type ReportFormat = "table" | "csv" | "json";

export interface ReportFilter {
  type?: string;
  county?: string;
  period?: string;
  file?: string;
  delivery?: number;
  /** Current deliveries only (loads). */
  current?: boolean;
  /** Rejects: show ID numbers and names as they were delivered. */
  unmasked?: boolean;
  limit?: number;
}

export interface LoadRow {
  delivery_id: number;
  file_name: string;
  extract_type: string;
  county_code: string | null;
  period: string | null;
  format: string;
  encoding: string | null;
  received_at: string;
  loaded_at: string;
  rows_read: number;
  rows_loaded: number;
  rows_rejected: number;
  status: string;
  superseded_by: number | null;
  warnings: string[];
}

export interface RejectRow {
  delivery_id: number;
  file_name: string;
  line: number | null;
  column_name: string | null;
  value: string | null;
  reason: string;
}

async function hasTable(wh: Warehouse, name: string): Promise<boolean> {
  const r = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", [name]);
  return Number(r[0]!.n) > 0;
}

function where(filter: ReportFilter, params: Record<string, string | number>, alias = ""): string {
  const c: string[] = [];
  const a = alias ? `${alias}.` : "";
  if (filter.type) (params.type = filter.type), c.push(`${a}extract_type = $type`);
  if (filter.county) (params.county = filter.county), c.push(`${a}county_code = $county`);
  if (filter.period) (params.period = filter.period), c.push(`${a}period = $period`);
  if (filter.file) (params.file = filter.file), c.push(`${a}file_name = $file`);
  if (filter.delivery !== undefined) (params.delivery = filter.delivery), c.push(`${a}delivery_id = $delivery`);
  if (filter.current) c.push(`${a}status = 'current'`);
  return c.length ? `WHERE ${c.join(" AND ")}` : "";
}

export async function loadsReport(wh: Warehouse, filter: ReportFilter = {}): Promise<LoadRow[]> {
  if (!(await hasTable(wh, "meta_delivery"))) return [];
  const params: Record<string, string | number> = {};
  const rows = await wh.queryJson<Record<string, unknown>>(
    `SELECT delivery_id, file_name, extract_type, county_code, period, format, encoding,
            strftime(received_at, '%Y-%m-%d %H:%M:%S') AS received_at, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') AS loaded_at,
            rows_read, rows_loaded, rows_rejected, status, superseded_by, warnings
     FROM meta_delivery ${where(filter, params)}
     ORDER BY extract_type, county_code NULLS FIRST, period NULLS FIRST, received_at, delivery_id
     ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ""}`,
    params,
  );
  return rows.map((r) => ({
    ...(r as unknown as LoadRow),
    warnings: typeof r.warnings === "string" && r.warnings ? r.warnings.split("\n") : [],
  }));
}

export async function rejectsReport(wh: Warehouse, filter: ReportFilter = {}): Promise<RejectRow[]> {
  if (!(await hasTable(wh, "meta_reject"))) return [];
  const params: Record<string, string | number> = {};
  const f = { ...filter, current: false };
  const cond = where(f, params, "d");
  const rows = await wh.queryJson<RejectRow & Record<string, unknown>>(
    `SELECT r.delivery_id, r.file_name, r.line, r.column_name, r.value, r.reason, d.extract_type
     FROM meta_reject r JOIN meta_delivery d ON d.delivery_id = r.delivery_id
     ${cond}
     ORDER BY r.delivery_id, r.line, r.column_name
     ${filter.limit ? `LIMIT ${Math.floor(filter.limit)}` : ""}`,
    params,
  );
  return rows.map(({ extract_type, ...r }) => ({
    ...(r as unknown as RejectRow),
    value: filter.unmasked ? r.value : maskRejectValue(String(extract_type), r.column_name, r.value),
  }));
}

const ID_LIKE = /^\s*\d{6}(?:\d{9}|\d{11}[\dXx])\s*$/;

/** A rejected value as a report shows it: ID numbers and names masked (by the column's field, or by its look). */
export function maskRejectValue(type: string, column: string | null, value: string | null): string | null {
  if (value == null) return value;
  let personal: "id" | "name" | undefined;
  if (column && isExtractType(type)) {
    const at = mapHeader(type, [column]).columnOf.findIndex((c) => c === 0);
    if (at >= 0) personal = extractDef(type).fields[at]!.personal;
  }
  if (personal === "name") return maskName(value);
  if (personal === "id" || ID_LIKE.test(value)) return maskId(value);
  return value;
}

function csvField(v: unknown): string {
  if (v == null) return "";
  // numbers are numbers; text (file names, values, reasons) through the one neutralising function
  const s = typeof v === "number" || typeof v === "bigint" ? String(v) : neutralise(Array.isArray(v) ? v.join("; ") : String(v));
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const out = [columns.join(",")];
  for (const r of rows) out.push(columns.map((c) => csvField(r[c])).join(","));
  return `${out.join("\n")}\n`;
}

/** Display width (CJK characters count double). */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function toTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] == null ? "" : Array.isArray(r[c]) ? String((r[c] as unknown[]).length) : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((row) => width(row[i]!))));
  const line = (vals: string[]) => vals.map((v, i) => v + " ".repeat(widths[i]! - width(v))).join("  ").trimEnd();
  return [line(columns), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}

export const LOAD_COLUMNS = [
  "delivery_id",
  "file_name",
  "extract_type",
  "county_code",
  "period",
  "format",
  "encoding",
  "received_at",
  "loaded_at",
  "rows_read",
  "rows_loaded",
  "rows_rejected",
  "status",
  "superseded_by",
  "warnings",
];
export const REJECT_COLUMNS = ["delivery_id", "file_name", "line", "column_name", "value", "reason"];

export function formatLoads(rows: LoadRow[], format: ReportFormat): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "csv") return toCsv(rows as unknown as Record<string, unknown>[], LOAD_COLUMNS);
  const table = toTable(
    rows.map((r) => ({ ...r, county_code: r.county_code ?? "*", warnings: r.warnings })) as unknown as Record<string, unknown>[],
    ["delivery_id", "file_name", "extract_type", "county_code", "period", "rows_read", "rows_loaded", "rows_rejected", "status", "superseded_by", "warnings"],
  );
  const notes = rows.flatMap((r) => r.warnings.map((w) => `  ${r.file_name}: warning: ${w}`));
  return notes.length ? `${table}\n${notes.join("\n")}\n` : table;
}

export function formatRejects(rows: RejectRow[], format: ReportFormat): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === "csv") return toCsv(rows as unknown as Record<string, unknown>[], REJECT_COLUMNS);
  return rows
    .map((r) => `${r.file_name}:${r.line ?? ""}:${r.column_name ?? ""}: ${r.reason}${r.value != null && !r.reason.includes(r.value) ? ` [${r.value}]` : ""}`)
    .join("\n")
    .concat(rows.length ? "\n" : "");
}

export async function runReport(dbPath: string, what: "loads" | "rejects", format: ReportFormat, filter: ReportFilter): Promise<string> {
  return withWarehouse(
    dbPath,
    async (wh) => (what === "loads" ? formatLoads(await loadsReport(wh, filter), format) : formatRejects(await rejectsReport(wh, filter), format)),
    { readOnly: true },
  );
}
