// A plain-text table for the terminal; Chinese characters count two columns wide.
import { displayText, type Column, type ExportRow } from "./columns.js";

export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

export function toTextTable(rows: readonly ExportRow[], columns: readonly Column[], footer?: ExportRow): string {
  const all = footer ? [...rows, footer] : rows;
  const cells = all.map((r) => columns.map((c) => displayText(r[c.key], c)));
  const widths = columns.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((row) => displayWidth(row[i]!))));
  const numeric = columns.map((c) => c.kind !== undefined && c.kind !== "text");
  const line = (values: string[]) => values.map((v, i) => pad(v, widths[i]!, numeric[i]!)).join("  ").trimEnd();
  const out = [line(columns.map((c) => c.header)), widths.map((w) => "-".repeat(w)).join("  ")];
  cells.forEach((row, i) => {
    if (footer && i === cells.length - 1) out.push(widths.map((w) => "-".repeat(w)).join("  "));
    out.push(line(row));
  });
  return out.join("\n") + "\n";
}
