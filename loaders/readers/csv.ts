// Streaming CSV: encoding detected (UTF-8, UTF-8 with BOM, UTF-16 with BOM, else
// GB18030 — never assumed), then an RFC 4180 splitter with a fast path for
// lines without quotes. Line numbers are physical lines of the file (header = 1).
import { createReadStream } from "node:fs";
import type { Cell } from "../contracts/normalise.js";
import { FileRefused, type RowBatch, type Source } from "./source.js";

const CHUNK = 1 << 20;
const BATCH = 4096;

export type CsvEncoding = "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "gb18030";

/** Incremental text decoder that settles the encoding on the first bytes. */
export class EncodingSniffer {
  encoding: CsvEncoding | null = null;
  private decoder: TextDecoder | null = null;
  private sawNonAscii = false;
  private offset = 0;

  constructor(private readonly file: string) {}

  decode(chunk: Uint8Array, final = false): string {
    if (!this.decoder) {
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        this.encoding = "utf-8-bom";
        this.decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
      } else if (chunk[0] === 0xff && chunk[1] === 0xfe) {
        this.encoding = "utf-16le";
        this.decoder = new TextDecoder("utf-16le");
      } else if (chunk[0] === 0xfe && chunk[1] === 0xff) {
        this.encoding = "utf-16be";
        this.decoder = new TextDecoder("utf-16be");
      } else {
        try {
          const probe = new TextDecoder("utf-8", { fatal: true });
          probe.decode(chunk, { stream: !final });
          this.encoding = "utf-8";
          this.decoder = new TextDecoder("utf-8", { fatal: true });
        } catch {
          this.encoding = "gb18030";
          this.decoder = new TextDecoder("gb18030");
        }
      }
    }
    try {
      const text = this.decoder.decode(chunk, { stream: !final });
      if (!this.sawNonAscii && this.encoding === "utf-8") this.sawNonAscii = hasNonAscii(chunk);
      this.offset += chunk.length;
      return text;
    } catch {
      if (this.encoding === "utf-8" && !this.sawNonAscii) {
        // every byte so far was ASCII, which GB18030 shares: switch without loss
        this.encoding = "gb18030";
        this.decoder = new TextDecoder("gb18030");
        this.offset += chunk.length;
        return this.decoder.decode(chunk, { stream: !final });
      }
      throw new FileRefused(`${this.file}`, `not valid ${this.encoding} text near byte ${this.offset} (mixed encodings?)`);
    }
  }
}

function hasNonAscii(chunk: Uint8Array): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i]! > 0x7f) return true;
  return false;
}

/** A quoted field opens and the file ends before it closes; `offset` lines after the record's first line. */
export class UnbalancedQuote extends Error {
  constructor(readonly offset: number) {
    super("unbalanced quote");
  }
}

/** Splits CSV text into records; keeps an incomplete tail between chunks. */
export class CsvSplitter {
  private buf = "";
  private nextLine = 1;
  delimiter: string | null;

  constructor(delimiter?: string) {
    this.delimiter = delimiter ?? null;
  }

  /** Parse what is complete in `text` (plus any held tail); `final` flushes everything. */
  push(text: string, final: boolean, lines: number[], rows: string[][]): void {
    let buf = this.buf.length ? this.buf + text : text;
    if (this.delimiter === null) {
      const nl = buf.indexOf("\n");
      if (nl === -1 && !final) {
        this.buf = buf;
        return;
      }
      this.delimiter = sniffDelimiter(nl === -1 ? buf : buf.slice(0, nl));
    }
    const d = this.delimiter;
    const len = buf.length;
    let pos = 0;
    if (this.nextLine === 1 && buf.charCodeAt(0) === 0xfeff) pos = 1;
    let line = this.nextLine;
    // position of the next quote at or after pos (-1: none left): searched once, not per line
    let q = buf.indexOf('"', pos);
    while (pos < len) {
      const nl = buf.indexOf("\n", pos);
      if (nl === -1 && !final) break;
      const end = nl === -1 ? len : nl;
      if (q !== -1 && q < pos) q = buf.indexOf('"', pos);
      if (q === -1 || q >= end) {
        let stop = end;
        if (stop > pos && buf.charCodeAt(stop - 1) === 13) stop--;
        if (stop > pos) {
          lines.push(line);
          rows.push(buf.slice(pos, stop).split(d));
        }
        line++;
        pos = end + 1;
        continue;
      }
      let rec;
      try {
        rec = parseQuoted(buf, pos, d, final);
      } catch (error) {
        if (error instanceof UnbalancedQuote) throw new UnbalancedQuote(line + error.offset);
        throw error;
      }
      if (rec === null) break;
      lines.push(line);
      rows.push(rec.cells);
      line += 1 + rec.newlines;
      pos = rec.next;
    }
    this.buf = pos >= len ? "" : buf.slice(pos);
    this.nextLine = line;
    buf = "";
  }
}

/** The delimiter a header line uses: comma, tab or semicolon. */
export function sniffDelimiterOf(headerLine: string): string {
  return sniffDelimiter(headerLine);
}

function sniffDelimiter(headerLine: string): string {
  const count = (c: string) => headerLine.split(c).length - 1;
  const comma = count(","), tab = count("\t"), semi = count(";");
  if (tab > comma && tab >= semi) return "\t";
  if (semi > comma && semi > tab) return ";";
  return ",";
}

/** One record starting at `pos` that holds a quote; null when it runs past the buffer and more text may come. */
function parseQuoted(
  buf: string,
  pos: number,
  d: string,
  final: boolean,
): { cells: string[]; next: number; newlines: number } | null {
  const cells: string[] = [];
  const len = buf.length;
  let i = pos;
  let newlines = 0;
  for (;;) {
    let field = "";
    if (buf.charCodeAt(i) === 34) {
      // quoted field
      let j = i + 1;
      for (;;) {
        const k = buf.indexOf('"', j);
        if (k === -1) {
          if (!final) return null;
          // the file ends inside a quoted field: its rows cannot be told apart
          throw new UnbalancedQuote(countNewlines(buf, pos, i));
        }
        field += buf.slice(j, k);
        newlines += countNewlines(buf, j, k);
        if (buf.charCodeAt(k + 1) === 34) {
          field += '"';
          j = k + 2;
          continue;
        }
        if (k + 1 >= len && !final) return null;
        i = k + 1;
        break;
      }
      // text after the closing quote up to the delimiter is kept as is
      let e = i;
      while (e < len && buf[e] !== d && buf.charCodeAt(e) !== 10 && buf.charCodeAt(e) !== 13) e++;
      if (e > i) field += buf.slice(i, e);
      i = e;
    } else {
      let e = i;
      while (e < len && buf[e] !== d && buf.charCodeAt(e) !== 10) e++;
      field = buf.slice(i, e);
      if (field.endsWith("\r") && buf.charCodeAt(e) === 10) field = field.slice(0, -1);
      i = e;
    }
    cells.push(field);
    if (i >= len) {
      if (!final) return null;
      return { cells, next: len, newlines };
    }
    const c = buf.charCodeAt(i);
    if (buf[i] === d) {
      i++;
      continue;
    }
    if (c === 13) i++;
    if (i >= len) {
      if (!final) return null;
      return { cells, next: len, newlines };
    }
    if (buf.charCodeAt(i) === 10) return { cells, next: i + 1, newlines };
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let p = s.indexOf("\n", from); p !== -1 && p < to; p = s.indexOf("\n", p + 1)) n++;
  return n;
}

/** Open a CSV file: reads until the header is known, then streams batches of records. */
export async function openCsv(path: string, displayName: string): Promise<Source> {
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const sniffer = new EncodingSniffer(displayName);
  const splitter = new CsvSplitter();
  let lines: number[] = [];
  let rows: string[][] = [];
  let done = false;
  let bytes = 0;

  const pull = async (): Promise<boolean> => {
    try {
      return await pullRaw();
    } catch (error) {
      if (error instanceof UnbalancedQuote) {
        throw new FileRefused(
          displayName,
          `unbalanced quote: the quoted field that opens on line ${error.offset} never closes, so the lines after it cannot be told apart into rows; close or remove the quote`,
        );
      }
      throw error;
    }
  };
  const pullRaw = async (): Promise<boolean> => {
    if (done) return false;
    const next = await iterator.next();
    if (next.done) {
      splitter.push(sniffer.decode(new Uint8Array(0), true), true, lines, rows);
      done = true;
      return true;
    }
    bytes += next.value.length;
    splitter.push(sniffer.decode(next.value as unknown as Uint8Array), false, lines, rows);
    return true;
  };

  try {
    while (rows.length === 0 && (await pull()));
  } catch (error) {
    stream.destroy();
    throw error;
  }
  if (rows.length === 0) {
    stream.destroy();
    throw new FileRefused(displayName, "empty file: no header row");
  }
  const header = rows[0]!.map((h) => h.trim());
  const headerLine = lines[0]!;
  lines = lines.slice(1);
  rows = rows.slice(1);

  async function* batches(): AsyncGenerator<RowBatch> {
    try {
      for (;;) {
        while (rows.length < BATCH && !done) await pull();
        if (rows.length === 0 && done) return;
        const out: RowBatch = { lines, rows: rows as Cell[][] };
        lines = [];
        rows = [];
        yield out;
      }
    } finally {
      stream.destroy();
    }
  }

  return {
    format: "csv",
    get encoding() {
      return sniffer.encoding;
    },
    delimiter: splitter.delimiter ?? ",",
    header,
    headerLine,
    batches,
    bytesRead: () => bytes,
    close: () => stream.destroy(),
  };
}
