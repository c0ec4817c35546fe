// A direct XLSX reader: the zip's central directory, the sheet inflated as a
// stream and scanned row by row with regular expressions, shared strings and
// date styles read once. About ten times faster than exceljs's streaming
// reader on county exports; anything it does not handle (zip64, encryption,
// unusual compression) raises Unsupported and the exceljs reader takes over.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { createInflateRaw, inflateRawSync } from "node:zlib";
import type { Cell } from "../contracts/normalise.js";
import { FileRefused, type RowBatch, type Source } from "./source.js";

export class Unsupported extends Error {}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  offset: number;
  flags: number;
}

/** Bounds of what a workbook may hold; past them it is refused with the reason. */
export const LIMITS = {
  /** Uncompressed size of a part read whole (shared strings, styles, workbook). */
  partBytes: 256 * 1024 * 1024,
  /** Uncompressed size of the sheet. */
  sheetBytes: 2 * 1024 * 1024 * 1024,
  /** Inflation factor past which the sheet is taken for a zip bomb (real sheets: 5–30). */
  ratio: 200,
  sharedStrings: 5_000_000,
  /** A sheet's last row and column (Excel's own limits). */
  rows: 1_048_576,
  columns: 16_384,
  /** Longest row of XML (a row that never closes). */
  rowXml: 64 * 1024 * 1024,
};

/** A workbook past one of the LIMITS: refused, never handed to the fallback reader. */
export class Limit extends Error {}

const mb = (n: number) => `${Math.round(n / (1024 * 1024)).toLocaleString("en")} MB`;

class Zip {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly fd: number) {
    const size = fstatSync(fd).size;
    const tailLen = Math.min(size, 65557);
    const tail = Buffer.alloc(tailLen);
    readSync(fd, tail as unknown as Uint8Array, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error("not a zip file (no end of central directory)");
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new Unsupported("zip64");
    const cd = Buffer.alloc(cdSize);
    readSync(fd, cd as unknown as Uint8Array, 0, cdSize, cdOffset);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error("corrupt zip central directory");
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const compressedSize = cd.readUInt32LE(p + 20);
      const sizeU = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const offset = cd.readUInt32LE(p + 42);
      const name = cd.toString("utf8", p + 46, p + 46 + nameLen);
      this.entries.set(name.replace(/^\//, ""), { name, method, compressedSize, size: sizeU, offset, flags });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  private dataStart(e: ZipEntry): number {
    if (e.flags & 1) throw new Unsupported("encrypted workbook");
    if (e.method !== 0 && e.method !== 8) throw new Unsupported(`zip compression method ${e.method}`);
    const h = Buffer.alloc(30);
    readSync(this.fd, h as unknown as Uint8Array, 0, 30, e.offset);
    if (h.readUInt32LE(0) !== 0x04034b50) throw new Error("corrupt zip entry");
    return e.offset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  }

  text(name: string): string | null {
    const e = this.entries.get(name);
    if (!e) return null;
    const raw = Buffer.alloc(e.compressedSize);
    readSync(this.fd, raw as unknown as Uint8Array, 0, e.compressedSize, this.dataStart(e));
    let data: Buffer;
    try {
      data = e.method === 8 ? inflateRawSync(raw as unknown as Uint8Array, { maxOutputLength: LIMITS.partBytes }) : raw;
    } catch (error) {
      if (error instanceof RangeError) throw new Limit(`${name} inflates to more than ${mb(LIMITS.partBytes)} (a zip bomb?)`);
      throw error;
    }
    if (data.length > LIMITS.partBytes) throw new Limit(`${name} is larger than ${mb(LIMITS.partBytes)}`);
    return new TextDecoder("utf-8").decode(data as unknown as Uint8Array);
  }

  /** The entry's text in decoded chunks, inflated as it is read. */
  async *textChunks(name: string): AsyncGenerator<string> {
    const e = this.entries.get(name);
    if (!e) throw new Error(`missing ${name}`);
    const start = this.dataStart(e);
    const decoder = new TextDecoder("utf-8");
    const CHUNK = 1 << 20;
    if (e.method === 0) {
      for (let off = 0; off < e.compressedSize; off += CHUNK) {
        const n = Math.min(CHUNK, e.compressedSize - off);
        const b = Buffer.alloc(n);
        readSync(this.fd, b as unknown as Uint8Array, 0, n, start + off);
        yield decoder.decode(b as unknown as Uint8Array, { stream: true });
      }
      yield decoder.decode();
      return;
    }
    const inflate = createInflateRaw({ chunkSize: CHUNK });
    const fd = this.fd;
    (async () => {
      for (let off = 0; off < e.compressedSize; off += CHUNK) {
        const n = Math.min(CHUNK, e.compressedSize - off);
        const b = Buffer.alloc(n);
        readSync(fd, b as unknown as Uint8Array, 0, n, start + off);
        if (!inflate.write(b)) await new Promise((r) => inflate.once("drain", r));
      }
      inflate.end();
    })().catch((err) => inflate.destroy(err));
    let inflated = 0;
    for await (const chunk of inflate) {
      inflated += (chunk as Uint8Array).length;
      // a sheet far larger than any real one, or inflating far more than XML does: refused in seconds
      if (inflated > LIMITS.sheetBytes) {
        inflate.destroy();
        throw new Limit(`the sheet inflates to more than ${mb(LIMITS.sheetBytes)}`);
      }
      if (inflated > 64 * 1024 * 1024 && inflated > LIMITS.ratio * e.compressedSize) {
        inflate.destroy();
        throw new Limit(`the sheet inflates more than ${LIMITS.ratio}-fold (${mb(e.compressedSize)} to over ${mb(inflated)}): a zip bomb?`);
      }
      yield decoder.decode(chunk as Uint8Array, { stream: true });
    }
    yield decoder.decode();
  }
}

const ENTITY = /&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g;
const OOXML_ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

function unescapeXml(s: string): string {
  if (s.indexOf("&") >= 0) {
    s = s.replace(ENTITY, (_m, e: string) => {
      switch (e) {
        case "amp":
          return "&";
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "quot":
          return '"';
        case "apos":
          return "'";
        default:
          return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      }
    });
  }
  if (s.indexOf("_x") >= 0) s = s.replace(OOXML_ESCAPE, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return s;
}

const T_TEXT = /<t(?:\s[^>]*)?>([^<]*)<\/t>|<t(?:\s[^>]*)?\/>/g;

/** Text of an <si> or <is> element: every <t>, phonetic runs left out. */
function runText(xml: string): string {
  // one plain run, as most writers put it: no pattern needed
  if (xml.startsWith("<is><t>") && xml.endsWith("</t></is>") && xml.indexOf("<", 7) === xml.length - 9) {
    return unescapeXml(xml.slice(7, -9));
  }
  if (xml.indexOf("<rPh") >= 0) xml = xml.replace(/<rPh[\s\S]*?<\/rPh>/g, "");
  let out = "";
  T_TEXT.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = T_TEXT.exec(xml))) out += m[1] ?? "";
  return unescapeXml(out);
}

function sharedStrings(xml: string | null): string[] {
  if (!xml) return [];
  const out: string[] = [];
  const re = /<si>([\s\S]*?)<\/si>|<si\/>/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    out.push(m[1] === undefined ? "" : runText(m[1]));
    if (out.length > LIMITS.sharedStrings) throw new Limit(`more than ${LIMITS.sharedStrings.toLocaleString("en")} shared strings`);
  }
  return out;
}

const BUILTIN_DATE_FORMATS = new Set([14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58]);

function isDateFormat(code: string): boolean {
  const s = code.replace(/"[^"]*"/g, "").replace(/\[[^\]]*\]/g, "").replace(/\\./g, "");
  return /[ymdhs]/i.test(s) && !/^general$/i.test(s.trim());
}

/** For each cell style index: whether its number format is a date. */
function dateStyles(xml: string | null): boolean[] {
  if (!xml) return [];
  const custom = new Map<number, string>();
  for (const m of xml.matchAll(/<numFmt\s[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"/g)) custom.set(Number(m[1]), unescapeXml(m[2]!));
  const xfs = /<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(xml)?.[1] ?? "";
  const out: boolean[] = [];
  for (const m of xfs.matchAll(/<xf\b([^>]*?)\/?>/g)) {
    const id = Number(/numFmtId="(\d+)"/.exec(m[1]!)?.[1] ?? 0);
    out.push(BUILTIN_DATE_FORMATS.has(id) || (custom.has(id) && isDateFormat(custom.get(id)!)));
  }
  return out;
}

function columnIndex(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
const ROW = /<row\b([^>]*?)(?:\/>|>([\s\S]*?)<\/row>)/g;
/**
 * A cell as spreadsheet programs write it (`<c r="B7" s="3" t="s">…</c>`): its
 * column letters, style and type (1–4) and its one plain inline run (5), its
 * value (6) or else its body (7) in one match; any other cell by the general
 * pattern (8–9), its attributes then read one by one. Every branch starts at the
 * same `<c` and ends at the first `</c>`, so a cell reads the same either way.
 */
const CELL_FAST =
  /<c r="([A-Z]{1,3})\d+"(?: s="(\d+)")?(?: t="(\w+)")?(?: s="(\d+)")?(?:\/>|><is><t>([^<]*)<\/t><\/is><\/c>|><v>([^<]*)<\/v><\/c>|>([\s\S]*?)<\/c>)|<c\b([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g;
const ATTR_R = /\br="([A-Z]+)?(\d+)?"/;
const ATTR_T = /\bt="(\w+)"/;
const ATTR_S = /\bs="(\d+)"/;
const V = /<v>([^<]*)<\/v>/;

interface Workbook {
  zip: Zip;
  fd: number;
  sheetName: string;
  sheetPath: string;
  strings: string[];
  dates: boolean[];
}

function openWorkbook(path: string, preferredSheet: (name: string) => boolean): Workbook {
  const fd = openSync(path, "r");
  try {
    const zip = new Zip(fd);
    const wbXml = zip.text("xl/workbook.xml");
    if (!wbXml) throw new Error("no xl/workbook.xml: not an XLSX workbook");
    const rels = zip.text("xl/_rels/workbook.xml.rels") ?? "";
    const targets = new Map<string, string>();
    for (const m of rels.matchAll(/<Relationship\b([^>]*)\/?>/g)) {
      const id = /\bId="([^"]*)"/.exec(m[1]!)?.[1];
      const target = /\bTarget="([^"]*)"/.exec(m[1]!)?.[1];
      if (id && target) targets.set(id, target.startsWith("/") ? target.slice(1) : `xl/${target}`);
    }
    const sheets = [...wbXml.matchAll(/<sheet\b([^>]*)\/?>/g)].map((m) => ({
      name: unescapeXml(/\bname="([^"]*)"/.exec(m[1]!)?.[1] ?? ""),
      rid: /\br:id="([^"]*)"/.exec(m[1]!)?.[1] ?? /\bid="([^"]*)"/.exec(m[1]!)?.[1] ?? "",
    }));
    if (sheets.length === 0) throw new Error("no worksheet found");
    const sheet = sheets.find((s) => preferredSheet(s.name)) ?? sheets[0]!;
    const sheetPath = targets.get(sheet.rid)?.replace(/\/\.\//g, "/") ?? "";
    if (!zip.entries.has(sheetPath)) throw new Unsupported(`sheet part ${sheetPath || sheet.rid} not found`);
    return {
      zip,
      fd,
      sheetName: sheet.name,
      sheetPath,
      strings: sharedStrings(zip.text("xl/sharedStrings.xml")),
      dates: dateStyles(zip.text("xl/styles.xml")),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Rows of the sheet as (row number, cells), streamed: the rows of each inflated
 * chunk in one array (an await per row would cost more than reading it).
 */
async function* sheetRows(wb: Workbook): AsyncGenerator<[number, Cell[]][]> {
  let buf = "";
  let rowNo = 0;
  const { strings, dates } = wb;
  for await (const chunk of wb.zip.textChunks(wb.sheetPath)) {
    // complete rows only: up to the last </row>, looked for in the new chunk (searching the joined
    // text would copy it whole each time); one across the seam, or none in the chunk: in both
    const inChunk = chunk.lastIndexOf("</row>");
    let part: string;
    if (inChunk >= 0) {
      part = buf.length ? buf + chunk.slice(0, inChunk + 6) : chunk.slice(0, inChunk + 6);
      buf = chunk.slice(inChunk + 6);
    } else {
      buf = buf.length ? buf + chunk : chunk;
      const lastClose = buf.lastIndexOf("</row>");
      if (lastClose < 0) {
        if (buf.length > LIMITS.rowXml) throw new Limit(`a row of the sheet runs past ${mb(LIMITS.rowXml)} of XML`);
        continue;
      }
      part = buf.slice(0, lastClose + 6);
      buf = buf.slice(lastClose + 6);
    }
    ROW.lastIndex = 0;
    let m: RegExpExecArray | null;
    const out: [number, Cell[]][] = [];
    while ((m = ROW.exec(part))) {
      const rAttr = /\br="(\d+)"/.exec(m[1]!);
      rowNo = rAttr ? Number(rAttr[1]) : rowNo + 1;
      if (rowNo > LIMITS.rows) throw new Limit(`row number ${rAttr ? rAttr[1] : rowNo} is past a sheet's last row (${LIMITS.rows.toLocaleString("en")})`);
      const inner = m[2];
      if (!inner) continue;
      const cells: Cell[] = [];
      let col = -1;
      CELL_FAST.lastIndex = 0;
      let c: RegExpExecArray | null;
      while ((c = CELL_FAST.exec(inner))) {
        const fast = c[1] !== undefined;
        const attrs = fast ? null : c[8]!;
        let letters: string | undefined;
        if (fast) letters = c[1];
        else letters = ATTR_R.exec(attrs!)?.[1];
        col = letters ? columnIndex(letters) : col + 1;
        if (col >= LIMITS.columns) throw new Limit(`column ${letters ?? col + 1} is past a sheet's last column (XFD)`);
        const run = fast ? c[5] : undefined;
        let v = fast ? c[6] : undefined;
        const body = fast ? c[7] : c[9];
        if (run === undefined && v === undefined && body === undefined) continue;
        const t = fast ? c[3] : ATTR_T.exec(attrs!)?.[1];
        let value: Cell = null;
        if (t === "inlineStr") value = run !== undefined ? unescapeXml(run) : runText(body ?? `<v>${v}</v>`);
        else {
          if (v === undefined && body !== undefined) v = V.exec(body)?.[1];
          if (v === undefined) continue;
          if (t === "s") value = strings[Number(v)] ?? null;
          else if (t === "str" || t === "e" || t === "d") value = unescapeXml(v);
          else if (t === "b") value = v === "1";
          else {
            const n = Number(v);
            const style = fast ? (c[2] ?? c[4]) : ATTR_S.exec(attrs!)?.[1];
            if (style !== undefined && dates[Number(style)] && Number.isFinite(n)) value = new Date(EXCEL_EPOCH_MS + Math.round(n * 86400000));
            else value = Number.isFinite(n) ? n : v;
          }
        }
        while (cells.length < col) cells.push(null);
        cells[col] = value;
      }
      out.push([rowNo, cells]);
    }
    if (out.length) yield out;
  }
}

/** One row at a time over the chunks of sheetRows. */
class RowCursor {
  private rows: [number, Cell[]][] = [];
  private at = 0;
  constructor(private readonly chunks: AsyncGenerator<[number, Cell[]][]>) {}

  /** The next row, or null at the end of the sheet. */
  async next(): Promise<[number, Cell[]] | null> {
    while (this.at >= this.rows.length) {
      const n = await this.chunks.next();
      if (n.done) return null;
      this.rows = n.value;
      this.at = 0;
    }
    return this.rows[this.at++]!;
  }

  /** The rows left in the current chunk (taken), else the next chunk's; empty at the end. */
  async take(): Promise<[number, Cell[]][]> {
    if (this.at < this.rows.length) {
      const rest = this.at === 0 ? this.rows : this.rows.slice(this.at);
      this.rows = [];
      this.at = 0;
      return rest;
    }
    const n = await this.chunks.next();
    return n.done ? [] : n.value;
  }
}

const isEmpty = (cells: Cell[]) => cells.every((c) => c == null || (typeof c === "string" && c.trim() === ""));

/** Open an XLSX with the direct reader; throws Unsupported when exceljs should take over. */
export async function openXlsxFast(path: string, displayName: string, preferredSheet: (sheetName: string) => boolean): Promise<Source> {
  let wb: Workbook;
  try {
    wb = openWorkbook(path, preferredSheet);
  } catch (error) {
    if (error instanceof Unsupported) throw error;
    if (error instanceof Limit) throw new FileRefused(displayName, `XLSX past its limits: ${error.message}`);
    throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
  }
  const rows = new RowCursor(sheetRows(wb));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closeSync(wb.fd);
  };
  let header: Cell[] | null = null;
  let headerLine = 0;
  try {
    for (;;) {
      const next = await rows.next();
      if (next === null) break;
      if (isEmpty(next[1])) continue;
      [headerLine, header] = next;
      break;
    }
  } catch (error) {
    close();
    if (error instanceof Limit) throw new FileRefused(displayName, `XLSX past its limits: ${error.message}`);
    throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
  }
  if (!header) {
    close();
    throw new FileRefused(displayName, `sheet ${wb.sheetName} is empty: no header row`);
  }
  async function* batches(): AsyncGenerator<RowBatch> {
    try {
      for (;;) {
        let got: [number, Cell[]][];
        try {
          got = await rows.take();
        } catch (error) {
          if (error instanceof Limit) throw new FileRefused(displayName, `XLSX past its limits: ${error.message}`);
          throw new FileRefused(displayName, `unreadable XLSX: ${(error as Error).message}`);
        }
        if (got.length === 0) break;
        yield { lines: got.map((r) => r[0]), rows: got.map((r) => r[1]) };
      }
    } finally {
      close();
    }
  }
  return {
    format: "xlsx",
    encoding: null,
    header: header.map((h) => (h == null ? "" : String(h instanceof Date ? h.toISOString().slice(0, 10) : h).trim())),
    headerLine,
    sheet: wb.sheetName,
    batches,
    bytesRead: () => 0,
    close,
  };
}
