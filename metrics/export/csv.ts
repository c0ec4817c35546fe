// CSV for finance staff: UTF-8 with BOM (Excel opens Chinese correctly), CRLF, RFC 4180
// quoting, formula injection neutralised.
import { plainText, totals, type Column, type ExportRow } from "./columns.js";

export const BOM = "\uFEFF";

function quote(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvOptions {
  /** Append a total row labelled this in the first column. */
  totalLabel?: string;
}

export function toCsv(rows: readonly ExportRow[], columns: readonly Column[], options: CsvOptions = {}): string {
  const lines = [columns.map((c) => quote(plainText(c.header, { key: c.key, header: c.header }))).join(",")];
  for (const row of rows) lines.push(columns.map((c) => quote(plainText(row[c.key], c))).join(","));
  if (options.totalLabel !== undefined) {
    const sums = totals(rows, columns);
    lines.push(
      columns
        .map((c, i) => (i === 0 ? quote(plainText(options.totalLabel, { key: "", header: "" })) : c.key in sums ? quote(plainText(sums[c.key], c)) : ""))
        .join(","),
    );
  }
  return BOM + lines.join("\r\n") + "\r\n";
}
