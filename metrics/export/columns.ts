// Column definitions shared by the CSV, XLSX and text-table exports.

export type ColumnKind = "text" | "integer" | "yuan" | "decimal" | "percent" | "score";

export interface Column {
  /** Property of the row. */
  key: string;
  /** Header shown to finance staff (Chinese). */
  header: string;
  kind?: ColumnKind;
  /** Decimal places for decimal, percent and score columns. */
  digits?: number;
  /** Sum this column in the total row. */
  total?: boolean;
  /** Width in characters (XLSX). */
  width?: number;
}

export type ExportRow = Record<string, unknown>;

const DEFAULT_DIGITS: Record<ColumnKind, number> = { text: 0, integer: 0, yuan: 0, decimal: 4, percent: 2, score: 2 };

export function digitsOf(col: Column): number {
  return col.digits ?? DEFAULT_DIGITS[col.kind ?? "text"];
}

/**
 * Spreadsheet-formula injection (CWE-1236): a text cell that begins with =, +, -, @,
 * a tab or a carriage return is prefixed with ' so no spreadsheet runs it.
 * Numbers are written as numbers: a numeral cannot be a formula.
 */
export function neutralise(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** A cell as plain text (CSV): numbers without thousands separators, fixed decimals. */
export function plainText(value: unknown, col: Column): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "";
    switch (col.kind ?? "text") {
      case "integer":
      case "yuan":
        return Number.isInteger(value) ? String(value) : value.toFixed(0);
      case "percent":
        return `${(value * 100).toFixed(digitsOf(col))}%`;
      case "decimal":
      case "score":
        return value.toFixed(digitsOf(col));
      case "text":
        return String(value);
    }
  }
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return neutralise(value.map(String).join("、"));
  return neutralise(String(value));
}

/** A cell for reading on screen: yuan and integers with thousands separators. */
export function displayText(value: unknown, col: Column): string {
  if (typeof value === "number" && Number.isFinite(value) && (col.kind === "yuan" || col.kind === "integer")) {
    return Math.round(value).toLocaleString("en-US");
  }
  return plainText(value, col);
}

/** Sums of the total columns (exact for integers; yuan columns are integers). */
export function totals(rows: readonly ExportRow[], columns: readonly Column[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of columns) {
    if (!c.total) continue;
    out[c.key] = rows.reduce((a, r) => {
      const v = r[c.key];
      return a + (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "bigint" ? Number(v) : 0);
    }, 0);
  }
  return out;
}
