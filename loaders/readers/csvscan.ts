// One pass over a CSV's bytes before anything is parsed: its sha256, its
// encoding, and whether DuckDB may read it as it is (no quotes, no NUL, one kind
// of line end, no empty line), with its line count. A file DuckDB reads itself
// is copied into the staging folder with each line's number in front, so the
// rows keep their physical lines without a window over the read.
import { isAscii, isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { CsvSplitter, EncodingSniffer } from "./csv.js";
import { FileRefused } from "./source.js";

const CHUNK = 1 << 20;

/** Counts what decides whether DuckDB can read a UTF-8 text byte for byte like the CSV splitter. */
export class ByteScan {
  newlines = 0;
  crlfs = 0;
  crs = 0;
  quotes = false;
  nul = false;
  emptyLine = false;
  firstLineCrlf: boolean | null = null;
  private last = -1;
  private beforeLast = -1;
  private total = 0;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
    if (!this.quotes && buf.indexOf(0x22) !== -1) this.quotes = true;
    if (!this.nul && buf.indexOf(0) !== -1) this.nul = true;
    for (let i = buf.indexOf(13); i !== -1; i = buf.indexOf(13, i + 1)) this.crs++;
    if (this.total === 0 && (buf[0] === 10 || buf[0] === 13)) this.emptyLine = true;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
      this.newlines++;
      const p1 = i >= 1 ? buf[i - 1]! : this.last;
      const p2 = i >= 2 ? buf[i - 2]! : i === 1 ? this.last : this.beforeLast;
      if (p1 === 13) this.crlfs++;
      if (this.firstLineCrlf === null) this.firstLineCrlf = p1 === 13;
      if (p1 === 10 || (p1 === 13 && p2 === 10)) this.emptyLine = true;
    }
    this.beforeLast = buf.length >= 2 ? buf[buf.length - 2]! : this.last;
    this.last = buf[buf.length - 1]!;
    this.total += buf.length;
  }

  /** Physical lines (a last line without a newline counts). */
  lines(): number {
    return this.newlines + (this.total > 0 && this.last !== 10 ? 1 : 0);
  }

  plain(): boolean {
    const crlf = this.firstLineCrlf === true;
    // line ends all alike, no stray CR, no quotes, no NUL, no empty line
    return !this.quotes && !this.nul && !this.emptyLine && this.crs === this.crlfs && (crlf ? this.crlfs === this.newlines : this.crlfs === 0) && this.last !== 13;
  }
}

/**
 * Strict UTF-8 over a stream of chunks without decoding it: each chunk checked
 * up to its last whole character, the rest carried to the next.
 */
class Utf8Check {
  private carry: Uint8Array | null = null;
  nonAscii = false;
  offset = 0;

  /** False at the first chunk that is not UTF-8. */
  push(chunk: Uint8Array, final: boolean): boolean {
    let buf = chunk;
    if (this.carry) {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry);
      buf.set(chunk, this.carry.length);
    }
    this.carry = null;
    let end = buf.length;
    if (!final) {
      // back up over an incomplete last character (at most 3 bytes)
      let i = end - 1;
      let back = 0;
      while (i >= 0 && back < 3 && (buf[i]! & 0xc0) === 0x80) {
        i--;
        back++;
      }
      if (i >= 0 && buf[i]! >= 0xc0) {
        const need = buf[i]! >= 0xf0 ? 4 : buf[i]! >= 0xe0 ? 3 : 2;
        if (end - i < need) end = i;
      }
    }
    const whole = end === buf.length ? buf : buf.subarray(0, end);
    if (!isUtf8(whole)) return false;
    if (!this.nonAscii && !isAscii(whole)) this.nonAscii = true;
    this.offset += whole.length;
    if (end < buf.length) this.carry = buf.slice(end);
    return true;
  }
}

export interface CsvBytes {
  hash: string;
  /** utf-8, utf-8-bom, utf-16le/be or gb18030; "refused" with `refusal` set when the bytes are not text. */
  encoding: string;
  /** The byte scan of a UTF-8 file (null for other encodings: scanned when decoded). */
  scan: ByteScan | null;
  /** The file starts with GB18030's byte-order mark (84 31 95 33). */
  gb18030Mark?: boolean;
  refusal?: unknown;
}

/**
 * sha256, encoding and (UTF-8) byte scan of a CSV in one pass. UTF-8 is checked
 * without decoding; a file whose first invalid byte comes after ASCII only is
 * GB18030 (the bytes so far are the same in both), as the streaming sniffer
 * says; after other UTF-8 text it is refused as mixed.
 */
export function hashAndScanCsv(path: string, name: string): CsvBytes {
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  const buf = new Uint8Array(CHUNK);
  let encoding: string | null = null;
  let utf8: Utf8Check | null = null;
  let scan: ByteScan | null = null;
  let sniffer: EncodingSniffer | null = null;
  let refusal: unknown = null;
  let first = true;
  let gb18030Mark = false;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      const final = n < CHUNK;
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      if (first) {
        first = false;
        gb18030Mark = n >= 4 && chunk[0] === 0x84 && chunk[1] === 0x31 && chunk[2] === 0x95 && chunk[3] === 0x33;
        if (n >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
          // UTF-16: the streaming sniffer decides and checks
          sniffer = new EncodingSniffer(name);
        } else {
          encoding = n >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? "utf-8-bom" : "utf-8";
          utf8 = new Utf8Check();
          scan = new ByteScan();
        }
      }
      if (refusal === null) {
        if (sniffer) {
          try {
            sniffer.decode(chunk.slice(), final);
          } catch (error) {
            refusal = error;
          }
        } else if (utf8) {
          if (utf8.push(chunk, final)) scan!.push(chunk);
          else if (!utf8.nonAscii && encoding === "utf-8") {
            // ASCII up to here, which GB18030 shares
            encoding = "gb18030";
            utf8 = null;
            scan = null;
          } else {
            // UTF-8 text, then bytes that are not: the lines are sorted out one by one (encodingByLine)
            encoding = "mixed";
            utf8 = null;
            scan = null;
          }
        }
      }
      if (final) break;
    }
  } finally {
    closeSync(fd);
  }
  if (sniffer && refusal === null) encoding = sniffer.encoding;
  if (refusal !== null) return { hash: hash.digest("hex"), encoding: "refused", scan: null, refusal };
  return { hash: hash.digest("hex"), encoding: encoding ?? "utf-8", scan, gb18030Mark };
}

/**
 * The data lines of one CSV, over a stream of UTF-8 chunks, as lines of a
 * group file that DuckDB reads in one go: the header line dropped, each line
 * prefixed with the file's id and its physical line number (`7,2,…` for line 2
 * of file 7), CR LF turned into LF, and a newline after the last line.
 */
export class LineNumberer {
  /** The current line number's ASCII digits, right-aligned from `first`. */
  private readonly digits = new Uint8Array(16).fill(48);
  private first = 15;
  private inHeader = true;
  private atStart = true;
  private pendingCr = false;
  private readonly prefix: Uint8Array;
  private readonly delim: number;
  lines = 0;

  constructor(fileId: number, delimiter: string) {
    this.delim = delimiter.charCodeAt(0);
    this.prefix = new TextEncoder().encode(`${fileId}${delimiter}`);
    this.digits[15] = 49; // the header is line 1
  }

  transform(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return bytes;
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    const len = chunk.length;
    let pos = 0;
    if (this.inHeader) {
      const nl = chunk.indexOf(10);
      if (nl === -1) return new Uint8Array(0);
      pos = nl + 1;
      this.inHeader = false;
    }
    let count = 2;
    for (let i = chunk.indexOf(10, pos); i !== -1; i = chunk.indexOf(10, i + 1)) count++;
    const out = new Uint8Array(len - pos + 1 + count * (this.prefix.length + 12));
    const digits = this.digits;
    let o = 0;
    if (this.pendingCr) {
      // a CR that ended the last chunk: kept unless a LF follows
      this.pendingCr = false;
      if (pos >= len || chunk[pos] !== 10) out[o++] = 13;
    }
    while (pos < len) {
      if (this.atStart) {
        out.set(this.prefix, o);
        o += this.prefix.length;
        // the next line number, kept as ASCII digits and counted up in place
        let d = digits.length - 1;
        while (d >= this.first && digits[d] === 57) digits[d--] = 48;
        if (d < this.first) digits[--this.first] = 49;
        else digits[d]!++;
        for (let x = this.first; x < digits.length; x++) out[o++] = digits[x]!;
        out[o++] = this.delim;
        this.atStart = false;
        this.lines++;
      }
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        let end = len;
        if (chunk[len - 1] === 13) {
          end--;
          this.pendingCr = true;
        }
        out.set(bytes.subarray(pos, end), o);
        o += end - pos;
        pos = len;
        break;
      }
      let stop = nl;
      if (stop > pos && chunk[stop - 1] === 13) stop--;
      out.set(bytes.subarray(pos, stop), o);
      o += stop - pos;
      out[o++] = 10;
      pos = nl + 1;
      this.atStart = true;
    }
    return out.subarray(0, o);
  }

  /** What is left: a held CR, and the newline a last line without one needs. */
  finish(): Uint8Array {
    const tail: number[] = [];
    if (this.pendingCr) tail.push(13);
    this.pendingCr = false;
    if (!this.atStart) tail.push(10);
    this.atStart = true;
    return Uint8Array.from(tail);
  }
}

/** A file of data lines of several CSVs of one header layout (see LineNumberer), mode 0600. */
export class GroupFile {
  private fd: number | null;
  size = 0;
  /** Files in it: id → data lines. */
  readonly files = new Map<number, number>();

  constructor(
    readonly path: string,
    readonly header: string[],
    readonly delimiter: string,
  ) {
    this.fd = openSync(path, "wx", 0o600);
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    // at an explicit position: after a truncate the file position would leave a hole
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done, this.size + done);
    this.size += bytes.length;
  }

  /** Drop what was written since `size` was `at` (a file that turned out not to be plain). */
  truncate(at: number): void {
    ftruncateSync(this.fd!, at);
    this.size = at;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Append the data lines of a UTF-8 file. */
  appendUtf8(source: string, fileId: number): number {
    const numberer = new LineNumberer(fileId, this.delimiter);
    const fd = openSync(source, "r");
    const buf = new Uint8Array(CHUNK);
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, CHUNK, null);
        if (n > 0) this.write(numberer.transform(buf.subarray(0, n)));
        if (n < CHUNK) break;
      }
      this.write(numberer.finish());
    } finally {
      closeSync(fd);
    }
    this.files.set(fileId, numberer.lines);
    return numberer.lines;
  }
}

/**
 * The header of a UTF-8 CSV and its delimiter, from the first bytes only (as
 * many as the header takes): what a file DuckDB reads itself needs of JavaScript.
 */
export function peekCsvHeader(path: string, name: string, encoding: "utf-8" | "gb18030" = "utf-8"): { header: string[]; delimiter: string } {
  const fd = openSync(path, "r");
  try {
    let size = 64 * 1024;
    for (;;) {
      if (size > 64 * 1024 * 1024) throw new FileRefused(name, "no header line in the first 64 MB");
      const buf = new Uint8Array(size);
      const n = readSync(fd, buf, 0, size, 0);
      // the header ends at the first newline when it holds no quote (a quoted header may span lines)
      const nl = buf.subarray(0, n).indexOf(10);
      const cut = nl !== -1 && buf.subarray(0, nl).indexOf(34) === -1 ? nl + 1 : n;
      // a newline or quote byte is never part of a GB18030 character, so the cut is safe in both
      const text = new TextDecoder(encoding).decode(buf.subarray(0, cut), { stream: cut === size });
      const splitter = new CsvSplitter();
      const lines: number[] = [];
      const rows: string[][] = [];
      splitter.push(text, cut < size, lines, rows);
      if (rows.length > 0) return { header: rows[0]!.map((h) => h.trim()), delimiter: splitter.delimiter ?? "," };
      if (n < size) throw new FileRefused(name, "empty file: no header row");
      size *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** Each line of the bytes (split at LF, 0-based) as [its index, its bytes without the LF]. */
function* linesOf(bytes: Uint8Array): Generator<[number, Buffer]> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let line = 0;
  for (let pos = 0; pos < buf.length; line++) {
    const nl = buf.indexOf(10, pos);
    const end = nl === -1 ? buf.length : nl;
    yield [line, buf.subarray(pos, end)];
    pos = end + 1;
  }
}

/**
 * A file whose lines are not all in one encoding: the one most non-ASCII lines are
 * valid in (UTF-8 when they are valid UTF-8, else GB18030), and the lines that are
 * in the other. Null when every non-ASCII line agrees.
 */
export function encodingByLine(bytes: Uint8Array): { encoding: "utf-8" | "gb18030"; offending: Set<number> } | null {
  const utf8: number[] = [];
  const other: number[] = [];
  for (const [line, part] of linesOf(bytes)) if (!isAscii(part)) (isUtf8(part) ? utf8 : other).push(line);
  if (utf8.length === 0 || other.length === 0) return null;
  return utf8.length >= other.length ? { encoding: "utf-8", offending: new Set(other) } : { encoding: "gb18030", offending: new Set(utf8) };
}

/** A cell whose bytes are not in the file's encoding, as the cleaned copy marks it for the contract. */
export const BAD_BYTES = "\u0001E:";

/**
 * The file as UTF-8 text, each line decoded in the file's encoding; in an offending
 * line, each cell with bytes outside ASCII is replaced by BAD_BYTES + encoding, so the
 * row is rejected naming its column, and nothing is stored as mojibake.
 */
export function cleanedText(bytes: Uint8Array, encoding: "utf-8" | "gb18030", offending: Set<number>, delimiter: string): string {
  const decoder = new TextDecoder(encoding);
  const d = delimiter.charCodeAt(0);
  const out: string[] = [];
  for (const [line, part] of linesOf(bytes)) {
    if (!offending.has(line)) out.push(decoder.decode(part));
    else {
      const cells: string[] = [];
      for (let c = 0; c <= part.length; ) {
        const next = part.indexOf(d, c);
        const stop = next === -1 ? part.length : next;
        const cell = part.subarray(c, stop);
        cells.push(isAscii(cell) ? cell.toString("latin1") : `${BAD_BYTES}${encoding}`);
        c = stop + 1;
        if (next === -1) break;
      }
      out.push(cells.join(delimiter));
    }
  }
  return out.join("\n");
}
