// Downloads of what a page shows: CSV (UTF-8 with BOM, spreadsheet-formula
// injection neutralised) and XLSX (a small Office Open XML writer: styled header,
// number formats, frozen header row, totals, several sheets) — no CDN, no big library.
import {html} from "htl";
// The project's one formula neutraliser and ZIP writer (metrics/export/, linked into the site).
import {neutralise as neutraliseText} from "../_metrics/allocation/columns.js";
import {zipStore} from "../_metrics/allocation/xlsx.js";

/** A cell that a spreadsheet would run as a formula gets a leading apostrophe. */
export function neutralise(value) {
  return typeof value === "string" ? neutraliseText(value) : value;
}

function csvField(v) {
  if (v === null || v === undefined) return "";
  const s = String(neutralise(v));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text (with BOM) of labelled columns and row arrays. */
export function csvText(columns, rows) {
  const lines = [columns.map((c) => csvField(c.label ?? c)).join(",")];
  for (const r of rows) lines.push(r.map(csvField).join(","));
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

export function csvBlob(columns, rows) {
  return new Blob([csvText(columns, rows)], {type: "text/csv;charset=utf-8"});
}

// ---- XLSX ----
const FORMATS = {text: 0, int: 2, yuan: 2, pct: 3, dec: 4, score: 5};

const STYLES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0"/><numFmt numFmtId="165" formatCode="0.0"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/></patternFill></fill></fills>
<borders count="2"><border/><border><top style="thin"/></border></borders>
<cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="10">
<xf/>
<xf fontId="1" fillId="2" applyFont="1" applyFill="1"/>
<xf numFmtId="164" applyNumberFormat="1"/>
<xf numFmtId="10" applyNumberFormat="1"/>
<xf numFmtId="4" applyNumberFormat="1"/>
<xf numFmtId="165" applyNumberFormat="1"/>
<xf fontId="1" borderId="1" applyFont="1" applyBorder="1"/>
<xf numFmtId="164" fontId="1" borderId="1" applyNumberFormat="1" applyFont="1" applyBorder="1"/>
<xf numFmtId="10" fontId="1" borderId="1" applyNumberFormat="1" applyFont="1" applyBorder="1"/>
<xf numFmtId="4" fontId="1" borderId="1" applyNumberFormat="1" applyFont="1" applyBorder="1"/>
</cellXfs>
</styleSheet>`;

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");

function colName(i) {
  let s = "";
  for (i += 1; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

function cellXml(ref, v, style) {
  if (v === null || v === undefined || v === "") return "";
  if (typeof v === "number" && Number.isFinite(v)) return `<c r="${ref}"${style ? ` s="${style}"` : ""}><v>${v}</v></c>`;
  return `<c r="${ref}" t="inlineStr"${style ? ` s="${style}"` : ""}><is><t xml:space="preserve">${esc(neutralise(String(v)))}</t></is></c>`;
}

function sheetXml({columns, rows, totals = null, title = null}) {
  const out = [];
  let r = 1;
  if (title) out.push(`<row r="${r}">${cellXml(`A${r++}`, title, 1)}</row>`);
  const headerRow = r;
  out.push(`<row r="${r}">${columns.map((c, i) => cellXml(`${colName(i)}${r}`, c.label, 1)).join("")}</row>`);
  r++;
  for (const row of rows) {
    out.push(`<row r="${r}">${row.map((v, i) => cellXml(`${colName(i)}${r}`, v, typeof v === "number" ? FORMATS[columns[i]?.format ?? "text"] ?? 0 : 0)).join("")}</row>`);
    r++;
  }
  if (totals) {
    const totalStyle = (f) => (f === "int" || f === "yuan" ? 7 : f === "pct" ? 8 : f === "dec" || f === "score" ? 9 : 6);
    out.push(`<row r="${r}">${totals.map((v, i) => cellXml(`${colName(i)}${r}`, v, typeof v === "number" ? totalStyle(columns[i]?.format) : 6)).join("")}</row>`);
  }
  const widths = columns.map((c, i) => {
    const len = Math.max(String(c.label).length * 2, ...rows.slice(0, 200).map((row) => String(row[i] ?? "").length * (/[^\x00-\xff]/.test(String(row[i] ?? "")) ? 2 : 1)));
    return `<col min="${i + 1}" max="${i + 1}" width="${Math.min(60, Math.max(8, len + 2))}" customWidth="1"/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="${headerRow}" topLeftCell="A${headerRow + 1}" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>${widths.join("")}</cols><sheetData>${out.join("")}</sheetData></worksheet>`;
}

/**
 * An XLSX workbook as a Blob.
 * sheets: [{name, title?, columns: [{label, format: "text"|"int"|"yuan"|"pct"|"dec"|"score"}], rows: any[][], totals?: any[]}]
 */
export function xlsxBlob(sheets) {
  const names = sheets.map((s, i) => esc(String(s.name).replace(/[\\/?*[\]:]/g, " ").slice(0, 31) || `Sheet${i + 1}`));
  const files = [
    ["[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>${sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join("")}</Types>`],
    ["_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ["xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>${names.map((n, i) => `<sheet name="${n}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join("")}</sheets></workbook>`],
    ["xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join("")}<Relationship Id="rId${sheets.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`],
    ["xl/styles.xml", STYLES],
    ...sheets.map((s, i) => [`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s)])
  ];
  return new Blob([zipStore(files)], {type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"});
}

/** Save a Blob under a file name. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A row of download buttons; `make()` returns {columns, rows, totals?, name, sheets?} at click time. */
export function downloadButtons(make, {filename, csv = true, xlsx = true} = {}) {
  const xlsxButton = html`<button type="button" class="download-xlsx">下载 XLSX</button>`;
  const csvButton = html`<button type="button" class="download-csv">下载 CSV</button>`;
  xlsxButton.onclick = () => {
    const t = make();
    saveBlob(xlsxBlob(t.sheets ?? [{name: t.name ?? "数据", title: t.title, columns: t.columns, rows: t.rows, totals: t.totals}]), `${filename}.xlsx`);
  };
  csvButton.onclick = () => {
    const t = make();
    saveBlob(csvBlob(t.columns, t.totals ? [...t.rows, t.totals] : t.rows), `${filename}.csv`);
  };
  return html`<div class="downloads no-print">${xlsx ? xlsxButton : ""}${csv ? csvButton : ""}</div>`;
}
