// XLSX for finance staff, written by hand as Office Open XML (no dependency, browser-safe:
// the allocation page links this file and its one import, columns.ts, and builds the same
// bytes as `jiuzhu allocate --format xlsx`). Sheets print as filed: A4 landscape, fit to one
// page wide, the title and header rows repeated on every page, page numbers in the footer,
// frozen panes, a total row (SUM formulas with their values), and an 审计信息 sheet that
// prints on one page. Text cells are neutralised against formula injection.
import { digitsOf, neutralise, totals, type Column, type ExportRow } from "./columns.js";

export interface XlsxSheet {
  name: string;
  columns: readonly Column[];
  rows: readonly ExportRow[];
  /** A title line above the header (merged over the columns, repeated on every printed page). */
  title?: string;
  /** Label of the total row (in the first column); no total row when absent. */
  totalLabel?: string;
  /** Columns kept in view when scrolling sideways (default 2: code and name). */
  frozenColumns?: number;
  /** Columns whose text wraps (long notes). */
  wrap?: readonly string[];
}

export interface XlsxDocument {
  sheets: XlsxSheet[];
  /** Key–value pairs of the 审计信息 sheet (printed on one page). */
  audit: [string, string][];
  /** Title of the audit sheet's first line. */
  auditTitle?: string;
}

export const AUDIT_SHEET = "审计信息";

export function numFmt(col: Column): string | undefined {
  const d = digitsOf(col);
  const dec = d > 0 ? `.${"0".repeat(d)}` : "";
  switch (col.kind ?? "text") {
    case "yuan":
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

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

export function columnLetter(n: number): string {
  let s = "";
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

/** Cell styles, registered on first use: index = position in cellXfs. */
class Styles {
  private fmts = new Map<string, number>();
  private xfs: string[] = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'];
  private index = new Map<string, number>();
  fmt(code: string | undefined): number {
    if (code === undefined) return 0;
    if (!this.fmts.has(code)) this.fmts.set(code, 164 + this.fmts.size);
    return this.fmts.get(code)!;
  }
  /** font 0 body, 1 bold, 2 bold white, 3 title; fill 2 header, 3 total; border 1 thin. */
  xf(o: { fmt?: string; font?: number; fill?: number; border?: boolean; wrap?: boolean; center?: boolean }): number {
    const key = JSON.stringify(o);
    const hit = this.index.get(key);
    if (hit !== undefined) return hit;
    const id = this.fmt(o.fmt);
    const align = o.wrap || o.center ? `<alignment${o.center ? ' horizontal="center"' : ""} vertical="${o.center ? "center" : "top"}"${o.wrap ? ' wrapText="1"' : ""}/>` : "";
    this.xfs.push(
      `<xf numFmtId="${id}" fontId="${o.font ?? 0}" fillId="${o.fill ?? 0}" borderId="${o.border ? 1 : 0}" xfId="0"${id ? ' applyNumberFormat="1"' : ""}${o.font ? ' applyFont="1"' : ""}${o.fill ? ' applyFill="1"' : ""}${o.border ? ' applyBorder="1"' : ""}${align ? ' applyAlignment="1"' : ""}>${align}</xf>`,
    );
    this.index.set(key, this.xfs.length - 1);
    return this.xfs.length - 1;
  }
  xml(): string {
    const fmts = [...this.fmts].map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${esc(code)}"/>`);
    return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${fmts.length ? `<numFmts count="${fmts.length}">${fmts.join("")}</numFmts>` : ""}<fonts count="4"><font><sz val="10"/><name val="等线"/><family val="2"/><charset val="134"/></font><font><b/><sz val="10"/><name val="等线"/><family val="2"/><charset val="134"/></font><font><b/><sz val="10"/><color rgb="FFFFFFFF"/><name val="等线"/><family val="2"/><charset val="134"/></font><font><b/><sz val="14"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts><fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FF1F4E79"/><bgColor indexed="64"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left style="thin"><color rgb="FF808080"/></left><right style="thin"><color rgb="FF808080"/></right><top style="thin"><color rgb="FF808080"/></top><bottom style="thin"><color rgb="FF808080"/></bottom><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="${this.xfs.length}">${this.xfs.join("")}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;
  }
}

function numberOf(value: unknown, col: Column): number | null {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (col.kind && col.kind !== "text" && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "是" : "否";
  if (Array.isArray(value)) return neutralise(value.map(String).join("、"));
  return neutralise(String(value));
}

function cell(ref: string, value: unknown, col: Column, style: number): string {
  const n = numberOf(value, col);
  // String(n) is the shortest decimal that reads back as the same double: the value the run used.
  if (n !== null) return `<c r="${ref}" s="${style}"><v>${String(n)}</v></c>`;
  const t = textOf(value);
  if (t === null || t === "") return `<c r="${ref}" s="${style}"/>`;
  return `<c r="${ref}" s="${style}" t="inlineStr"><is><t xml:space="preserve">${esc(t)}</t></is></c>`;
}

const TEXT: Column = { key: "", header: "" };

/** Width in character cells: CJK and full-width characters count two. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += ch.codePointAt(0)! > 0x2e7f ? 2 : 1;
  return w;
}

interface Built {
  xml: string;
  /** Rows repeated on every printed page, e.g. "$1:$2". */
  titles: string;
}

function printSetup(onePage: boolean, landscape: boolean): string {
  return `<printOptions horizontalCentered="1"/><pageMargins left="0.4" right="0.4" top="0.55" bottom="0.6" header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="${landscape ? "landscape" : "portrait"}" fitToWidth="1" fitToHeight="${onePage ? 1 : 0}"/><headerFooter><oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>`;
}

function sheetXml(sheet: XlsxSheet, styles: Styles): Built {
  const cols = sheet.columns;
  const rows: string[] = [];
  let r = 1;
  const merges: string[] = [];
  if (sheet.title) {
    rows.push(`<row r="1" ht="24" customHeight="1">${cell("A1", sheet.title, TEXT, styles.xf({ font: 3 }))}</row>`);
    merges.push(`A1:${columnLetter(cols.length)}1`);
    r++;
  }
  const headerRow = r;
  const head = styles.xf({ font: 2, fill: 2, border: true, wrap: true, center: true });
  rows.push(`<row r="${r}" ht="40" customHeight="1">${cols.map((c, i) => cell(`${columnLetter(i + 1)}${r}`, c.header, TEXT, head)).join("")}</row>`);
  r++;
  const wrap = new Set(sheet.wrap ?? []);
  const bodyStyle = cols.map((c) => styles.xf({ fmt: numFmt(c), border: true, wrap: wrap.has(c.key) }));
  const first = r;
  // Rows with wrapped text get the height of their longest cell (spreadsheets do not grow them on opening).
  const lines = (row: ExportRow) =>
    Math.max(1, ...cols.filter((c) => wrap.has(c.key)).map((c) => Math.ceil(textWidth(textOf(row[c.key]) ?? "") / Math.max(1, (c.width ?? 10) * 1.1))));
  for (const row of sheet.rows) {
    const n = lines(row);
    rows.push(`<row r="${r}"${n > 1 ? ` ht="${n * 13}" customHeight="1"` : ""}>${cols.map((c, i) => cell(`${columnLetter(i + 1)}${r}`, row[c.key], c, bodyStyle[i]!)).join("")}</row>`);
    r++;
  }
  if (sheet.totalLabel !== undefined) {
    const sums = totals(sheet.rows, cols);
    const cells = cols.map((c, i) => {
      const ref = `${columnLetter(i + 1)}${r}`;
      const style = styles.xf({ fmt: numFmt(c), font: 1, fill: 3, border: true });
      if (i === 0) return cell(ref, sheet.totalLabel, TEXT, style);
      if (!(c.key in sums)) return `<c r="${ref}" s="${style}"/>`;
      const d = c.kind === "yuan" || c.kind === "integer" ? 0 : digitsOf(c) + (c.kind === "percent" ? 2 : 0);
      const value = Number(sums[c.key]!.toFixed(d));
      if (sheet.rows.length === 0) return `<c r="${ref}" s="${style}"><v>0</v></c>`;
      const letter = columnLetter(i + 1);
      return `<c r="${ref}" s="${style}"><f>SUM(${letter}${first}:${letter}${r - 1})</f><v>${String(value)}</v></c>`;
    });
    rows.push(`<row r="${r}">${cells.join("")}</row>`);
    r++;
  }
  const xSplit = Math.min(sheet.frozenColumns ?? 2, cols.length);
  const topLeft = `${columnLetter(xSplit + 1)}${headerRow + 1}`;
  const pane =
    xSplit > 0
      ? `<pane xSplit="${xSplit}" ySplit="${headerRow}" topLeftCell="${topLeft}" activePane="bottomRight" state="frozen"/><selection pane="topRight"/><selection pane="bottomLeft"/><selection pane="bottomRight" activeCell="${topLeft}" sqref="${topLeft}"/>`
      : `<pane ySplit="${headerRow}" topLeftCell="${topLeft}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="${topLeft}" sqref="${topLeft}"/>`;
  const widths = cols.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width ?? Math.max(8, Math.min(40, c.header.length * 2 + 2))}" customWidth="1"/>`).join("");
  const last = `${columnLetter(cols.length)}${Math.max(r - 1, headerRow)}`;
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:${last}"/><sheetViews><sheetView workbookViewId="0">${pane}</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>${widths}</cols><sheetData>${rows.join("")}</sheetData><autoFilter ref="A${headerRow}:${columnLetter(cols.length)}${headerRow}"/>${merges.length ? `<mergeCells count="${merges.length}">${merges.map((m) => `<mergeCell ref="${m}"/>`).join("")}</mergeCells>` : ""}${printSetup(false, true)}</worksheet>`;
  return { xml, titles: `$1:$${headerRow}` };
}

function auditXml(title: string | undefined, pairs: [string, string][], styles: Styles): Built {
  const rows: string[] = [];
  let r = 1;
  if (title) {
    rows.push(`<row r="1" ht="24" customHeight="1">${cell("A1", title, TEXT, styles.xf({ font: 3 }))}</row>`);
    r++;
  }
  const headerRow = r;
  const head = styles.xf({ font: 2, fill: 2, border: true, center: true });
  rows.push(`<row r="${r}">${cell(`A${r}`, "项目", TEXT, head)}${cell(`B${r}`, "内容", TEXT, head)}</row>`);
  r++;
  const key = styles.xf({ font: 1, border: true, wrap: true });
  const val = styles.xf({ border: true, wrap: true });
  for (const [k, v] of pairs) {
    // Row height for wrapped text: about 60 characters a line at width 100 (LibreOffice and Excel keep it).
    const lines = Math.max(1, Math.ceil([...v].reduce((a, ch) => a + (ch.charCodeAt(0) > 0xff ? 2 : 1), 0) / 112));
    rows.push(`<row r="${r}" ht="${Math.max(15, lines * 13.5)}" customHeight="1">${cell(`A${r}`, k, TEXT, key)}${cell(`B${r}`, v, TEXT, val)}</row>`);
    r++;
  }
  const xml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:B${r - 1}"/><sheetViews><sheetView workbookViewId="0"><pane ySplit="${headerRow}" topLeftCell="A${headerRow + 1}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A${headerRow + 1}" sqref="A${headerRow + 1}"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="22" customWidth="1"/><col min="2" max="2" width="100" customWidth="1"/></cols><sheetData>${rows.join("")}</sheetData>${title ? `<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>` : ""}${printSetup(true, true)}</worksheet>`;
  return { xml, titles: `$1:$${headerRow}` };
}

export function sheetName(name: string, i: number): string {
  return name.replace(/[\\/?*[\]:]/g, " ").slice(0, 31) || `Sheet${i + 1}`;
}

/** The workbook's files (path → XML), in zip order. */
export function workbookFiles(doc: XlsxDocument): [string, string][] {
  const styles = new Styles();
  const built = doc.sheets.map((s) => sheetXml(s, styles));
  built.push(auditXml(doc.auditTitle, doc.audit, styles));
  const names = [...doc.sheets.map((s, i) => sheetName(s.name, i)), AUDIT_SHEET];
  const quoteName = (n: string) => `'${n.replace(/'/g, "''")}'`;
  const defined = built.map((b, i) => `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">${esc(quoteName(names[i]!))}!${b.titles}</definedName>`).join("");
  const n = built.length;
  return [
    [
      "[Content_Types].xml",
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${built.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join("")}</Types>`,
    ],
    [
      "_rels/.rels",
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    ],
    [
      "xl/workbook.xml",
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><bookViews><workbookView activeTab="0"/></bookViews><sheets>${names.map((nm, i) => `<sheet name="${esc(nm)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("")}</sheets><definedNames>${defined}</definedNames><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>`,
    ],
    [
      "xl/_rels/workbook.xml.rels",
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${built.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join("")}<Relationship Id="rId${n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    ],
    ["xl/styles.xml", styles.xml()],
    ...built.map((b, i): [string, string] => [`xl/worksheets/sheet${i + 1}.xml`, b.xml]),
  ];
}

/** The workbook as bytes: the same document gives the same bytes. */
export function toXlsx(doc: XlsxDocument): Uint8Array {
  return zipStore(workbookFiles(doc));
}

// ---- a STORE-only zip (no compression: a few hundred rows) ----
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function zipStore(files: [string, string | Uint8Array][]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
  for (const [name, content] of files) {
    const nameBytes = enc.encode(name);
    const data = typeof content === "string" ? enc.encode(content) : content;
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, 0x0800, true);
    local.setUint16(8, 0, true);
    local.setUint16(10, 0, true);
    local.setUint16(12, DOS_DATE, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, nameBytes.length, true);
    local.setUint16(28, 0, true);
    parts.push(new Uint8Array(local.buffer), nameBytes, data);
    const cen = new DataView(new ArrayBuffer(46));
    cen.setUint32(0, 0x02014b50, true);
    cen.setUint16(4, 20, true);
    cen.setUint16(6, 20, true);
    cen.setUint16(8, 0x0800, true);
    cen.setUint16(10, 0, true);
    cen.setUint16(12, 0, true);
    cen.setUint16(14, DOS_DATE, true);
    cen.setUint32(16, crc, true);
    cen.setUint32(20, data.length, true);
    cen.setUint32(24, data.length, true);
    cen.setUint16(28, nameBytes.length, true);
    cen.setUint16(30, 0, true);
    cen.setUint16(32, 0, true);
    cen.setUint16(34, 0, true);
    cen.setUint16(36, 0, true);
    cen.setUint32(38, 0, true);
    cen.setUint32(42, offset, true);
    central.push(new Uint8Array(cen.buffer), nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const centralSize = central.reduce((a, b) => a + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const b of all) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}
