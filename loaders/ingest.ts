// `jiuzhu ingest`: every extract file into the warehouse, with lineage,
// rejects, idempotence and supersession, validated set-based in DuckDB.
//
// Per file: hash → already loaded? → open (format, encoding) → type → header
// map (missing required columns refuse the whole file) → the cells as text
// into a temporary table (DuckDB reads a clean UTF-8 CSV itself; GB18030 is
// decoded by streaming first; XLSX, Parquet and quoted CSV come through their
// streaming readers) → one SQL pass types and checks every cell and rule
// (setbased.ts); the rows it does not take go through the contract in
// JavaScript, which words every reject → period, county, duplicate keys and
// roster households in SQL → reject rows. Files are committed in batches: each
// file's rows, rejects and lineage row land in the same transaction.
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, statSync, symlinkSync, writeSync, openSync, closeSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { Warehouse, quoteIdent, quoteLiteral } from "./db.js";
import { extractDef, type ExtractDef, type ExtractType } from "./contracts/dictionary.js";
import { sqlTypeOf } from "./contracts/sql.js";
import { compileContract, validateCells, HOUSEHOLD_FIELDS, type CompiledContract } from "./contracts/contracts.js";
import { cellText, toHalfWidth, validYmd, type Canonical, type Cell, type RegionLookup } from "./contracts/normalise.js";
import { assertExtractType, mapHeader, parseFileName, sheetNamesExtract, typeFromFileName, typeFromHeader } from "./detect.js";
import { acquireLock } from "./lock.js";
import { ensureWarehouseSchema, stagingTable } from "./schema.js";
import { CsvSink, StagingDir } from "./staging.js";
import { EncodingSniffer, openCsv } from "./readers/csv.js";
import { openXlsx } from "./readers/xlsx.js";
import { openParquet } from "./readers/parquet.js";
import { FileRefused, type Format, type Source } from "./readers/source.js";
import { createProgress, printable, type Progress } from "./progress.js";
import { LongCell, MAX_CELL, ROW_RULES_SQL, WS, fastField, rejectValueSql, tagCell, untagCell } from "./setbased.js";

export { ensureWarehouseSchema } from "./schema.js";
export { FileRefused } from "./readers/source.js";

export interface IngestOptions {
  /** Extract type of every file (else from the file name, else from the header). */
  type?: string;
  /** Delivery time of every file (else each file's modification time). */
  receivedAt?: Date | string;
  /** Show progress on stderr: a bar on a terminal, plain lines otherwise. */
  progress?: boolean;
  /** Lock wait limit in ms. */
  lockTimeoutMs?: number;
}

export type FileStatus = "loaded" | "unchanged" | "refused";

export interface FileResult {
  file: string;
  status: FileStatus;
  /** Why the file was refused, or which delivery already holds its content. */
  reason?: string;
  deliveryId?: number;
  type?: ExtractType;
  county?: string | null;
  period?: string | null;
  format?: Format;
  encoding?: string | null;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  warnings: string[];
  /** Deliveries this one superseded. */
  superseded: number[];
  seconds: number;
  /** Where the time went (s): hash, parse+validate+write staging file, DuckDB insert, checks+lineage, commit. */
  phases?: { hash: number; parse: number; insert: number; checks: number; commit: number };
}

export interface IngestSummary {
  files: FileResult[];
  loaded: number;
  unchanged: number;
  refused: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  seconds: number;
}

const EXTENSIONS = new Set([".csv", ".tsv", ".xlsx", ".xls", ".parquet"]);

/** Files under the given paths (folders walked recursively, sorted), extract formats only. */
export function listFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string, explicit: boolean) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith(".") || name.startsWith("~$")) continue;
        walk(join(p, name), false);
      }
    } else if (explicit || EXTENSIONS.has(extname(p).toLowerCase())) out.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

/**
 * Files under the given paths, in order, folders walked recursively (sorted):
 * an entry that cannot be read (a broken link, a link loop, an unreadable
 * folder) is a refused result of its own; files in folders that are not
 * extracts by their extension are listed in `skipped`.
 */
export function walkPaths(paths: string[], skipped: string[] = []): (string | FileResult)[] {
  const out: (string | FileResult)[] = [];
  const cannot = (p: string, error: unknown) => refusedResult(p, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  const walk = (p: string, explicit: boolean) => {
    let st;
    try {
      st = statSync(p);
    } catch (error) {
      out.push(cannot(p, error));
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(p).sort();
      } catch (error) {
        out.push(cannot(p, error));
        return;
      }
      for (const name of names) {
        if (name.startsWith(".") || name.startsWith("~$")) continue;
        walk(join(p, name), false);
      }
    } else if (explicit || EXTENSIONS.has(extname(p).toLowerCase())) out.push(p);
    else if (!/\.(json|md|pdf|docx?)$/i.test(p)) skipped.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}

/** sha256 of a file's bytes, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/** Timestamps are stored in China Standard Time (UTC+8), the time the counties work in. */
export function toChinaTimestamp(d: Date): string {
  const t = new Date(d.getTime() + 8 * 3600_000);
  return t.toISOString().replace("T", " ").replace("Z", "").slice(0, 23);
}

/**
 * Region codes for the contract's checks of the rows it sees (few: the set-based
 * pass takes the rest by a join): every county up front, other codes looked up
 * in dim_region for each batch of rows before the contract runs.
 */
export class RegionCodes implements RegionLookup {
  private readonly codes = new Set<string>();
  private readonly counties = new Set<string>();
  private readonly looked = new Set<string>();

  /** Its own connection: the main one may be streaming the rows being checked. */
  private conn: DuckDBConnection | null = null;

  private constructor(private readonly wh: Warehouse) {}

  close(): void {
    this.conn?.closeSync();
    this.conn = null;
  }

  static async load(wh: Warehouse): Promise<RegionCodes> {
    const r = new RegionCodes(wh);
    for (const row of await wh.query<{ code: string }>("SELECT code FROM dim_region WHERE level IN ('province', 'city', 'county')")) {
      r.codes.add(row.code);
      if (row.code.length === 6) r.counties.add(row.code);
    }
    return r;
  }

  has(code: string): boolean {
    return this.codes.has(code);
  }

  isCounty(code: string): boolean {
    return this.counties.has(code);
  }

  /** Look up the codes these cells could stand for (as given, and the county or township a zero-padded one shortens to). */
  async prefetch(cells: Iterable<Cell>): Promise<void> {
    const want = new Set<string>();
    for (const cell of cells) {
      const t = cellText(cell);
      if (t === null) continue;
      const s = toHalfWidth(t).replace(/\s+/g, "");
      if (!/^\d{6,12}$/.test(s)) continue;
      for (const c of [s, s.slice(0, 9)]) if (!this.looked.has(c)) want.add(c);
    }
    if (want.size === 0) return;
    const list = [...want];
    for (const c of list) this.looked.add(c);
    this.conn ??= await this.wh.connect();
    const reader = await this.conn.runAndReadAll("SELECT code FROM dim_region WHERE code IN (SELECT unnest(string_split($codes, ',')))", {
      codes: list.join(","),
    });
    for (const row of reader.getRows()) this.codes.add(String(row[0]));
  }
}

/** @deprecated name kept for callers: the region lookup. */
export const loadRegionLookup = (wh: Warehouse): Promise<RegionCodes> => RegionCodes.load(wh);

/** Rows per transaction: files are committed together until this many rows (or files) are staged. */
const BATCH_ROWS = Number(process.env.JIUZHU_INGEST_BATCH_ROWS ?? 300_000);
const BATCH_FILES = Number(process.env.JIUZHU_INGEST_BATCH_FILES ?? 64);

/**
 * Ingest files and folders into the warehouse at `dbPath`. Never throws for a
 * bad file (it is refused and listed); throws only when the warehouse cannot
 * be opened or locked.
 */
export async function ingestPaths(dbPath: string, paths: string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const forcedType = options.type ? assertExtractType(options.type) : undefined;
  if (options.receivedAt !== undefined) options = { ...options, receivedAt: parseReceivedAt(options.receivedAt) };
  const progress = createProgress(options.progress ?? false);
  // files in the order given, folders expanded; an entry that cannot be read is refused in place, the rest still walked
  const skipped: string[] = [];
  const items = walkPaths(paths, skipped);
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).map(printable).join(", ");
    progress.log(`skipped ${skipped.length} file(s) that are not extracts (.csv, .tsv, .xlsx, .parquet): ${shown}${skipped.length > 5 ? ", …" : ""}`);
  }
  const results: FileResult[] = [];
  const release = await acquireLock(dbPath, {
    timeoutMs: options.lockTimeoutMs,
    onWait: (pid, since) => progress.log(`another ingest (pid ${pid}) holds the warehouse since ${since}; waiting…`),
  });
  let staging: StagingDir | null = null;
  try {
    staging = StagingDir.create(dbPath);
    const wh = await Warehouse.open(dbPath);
    let regions: RegionCodes | null = null;
    try {
      await ensureWarehouseSchema(wh);
      // checkpoint once at the end rather than every 16 MB of WAL (each commit stays durable in the WAL)
      if (process.env.JIUZHU_CHECKPOINT_EVERY !== "default") await wh.run("SET checkpoint_threshold = '1GB'");
      await wh.run(`SET temp_directory = ${quoteLiteral(join(staging.path, "duckdb"))}`);
      regions = await RegionCodes.load(wh);
      const ctx = new IngestContext(wh, regions, progress, staging);
      await ctx.init();
      const sizeOf = (item: string | FileResult) => {
        if (typeof item !== "string") return 0;
        try {
          return statSync(item).size;
        } catch {
          return 0;
        }
      };
      const sizes = items.map(sizeOf);
      progress.start(items.length, sizes.reduce((a, b) => a + b, 0));
      // results in the order of the files given; files of one type are checked and committed in batches
      const slots: (FileResult | null)[] = items.map(() => null);
      let batch: { job: FileJob; at: number }[] = [];
      let batchRows = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const done = await ctx.loadBatch(batch.map((x) => x.job));
        done.forEach((r, i) => {
          slots[batch[i]!.at] = r;
          progress.fileDone(r, sizes[batch[i]!.at]);
        });
        batch = [];
        batchRows = 0;
      };
      for (const [at, item] of items.entries()) {
        if (typeof item !== "string") {
          slots[at] = item;
          progress.fileDone(item, 0);
          continue;
        }
        progress.fileStart(basename(item));
        const prepared = await ctx.prepareFile(item, forcedType, options.receivedAt);
        if (prepared instanceof FileJob) {
          if (batch.length > 0 && batch[0]!.job.def.type !== prepared.def.type) await flush();
          batch.push({ job: prepared, at });
          batchRows += prepared.rowsSeen;
          if (batchRows >= BATCH_ROWS || batch.length >= BATCH_FILES) await flush();
        } else {
          slots[at] = prepared;
          progress.fileDone(prepared, sizes[at]);
        }
      }
      await flush();
      results.push(...slots.filter((r): r is FileResult => r !== null));
      if (results.some((r) => r.status === "loaded")) await wh.run("CHECKPOINT");
    } finally {
      progress.stop();
      regions?.close();
      wh.close();
    }
  } finally {
    staging?.remove();
    release();
  }
  const sum = (k: "rowsRead" | "rowsLoaded" | "rowsRejected") => results.reduce((a, r) => a + r[k], 0);
  return {
    files: results,
    loaded: results.filter((r) => r.status === "loaded").length,
    unchanged: results.filter((r) => r.status === "unchanged").length,
    refused: results.filter((r) => r.status === "refused").length,
    rowsRead: sum("rowsRead"),
    rowsLoaded: sum("rowsLoaded"),
    rowsRejected: sum("rowsRejected"),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * A delivery time given on the command line: a real calendar date (and time),
 * not in the future. `2026-02-30` is refused, not moved to 2 March.
 */
export function parseReceivedAt(value: Date | string): Date {
  const d = value instanceof Date ? value : null;
  if (d) {
    if (Number.isNaN(d.getTime())) throw new Error("invalid --received-at: not a time");
  } else {
    const s = String(value).trim();
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
    if (!m) throw new Error(`invalid --received-at ${JSON.stringify(s)}: expected a time such as 2026-02-05 or 2026-02-05T10:30:00+08:00`);
    const [y, mo, day, h = "0", mi = "0", se = "0"] = m.slice(1, 7).map((x) => x ?? "0") as string[];
    if (!validYmd(+y!, +mo!, +day!) || +h > 23 || +mi > 59 || +se > 59) throw new Error(`invalid --received-at ${JSON.stringify(s)}: no such date or time`);
  }
  const t = d ?? new Date(String(value).trim());
  if (Number.isNaN(t.getTime())) throw new Error(`invalid --received-at ${JSON.stringify(String(value))}`);
  if (t.getTime() > Date.now() + 5 * 60_000) throw new Error(`invalid --received-at ${JSON.stringify(String(value))}: in the future`);
  return t;
}

function refusedResult(file: string, reason: string): FileResult {
  return { file, status: "refused", reason, rowsRead: 0, rowsLoaded: 0, rowsRejected: 0, warnings: [], superseded: [], seconds: 0 };
}

/** What a scan of a CSV's bytes found: whether DuckDB may read it as it is, and how many lines it has. */
interface CsvScan {
  encoding: string;
  /** UTF-8 text of the file: the file itself, or its decoded copy in the staging folder. */
  textPath: string;
  /** Plain enough for DuckDB to read with quoting off, line = row number + 1. */
  direct: boolean;
  /** Physical lines after the header line. */
  dataLines: number;
  crlf: boolean;
}

/** Counts what decides whether DuckDB can read a UTF-8 text byte for byte like the CSV splitter. */
class ByteScan {
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

const isUtf8 = (e: string | null) => e === "utf-8" || e === "utf-8-bom";

/**
 * One pass over a CSV's bytes: its sha256, its encoding and, when it is
 * UTF-8, what decides whether DuckDB can read it as it is. A non-UTF-8 file is
 * scanned again when it is decoded (only when its content is new).
 */
async function hashAndScanCsv(path: string, name: string): Promise<{ hash: string; encoding: string; scan: ByteScan | null; refusal?: unknown }> {
  const hash = createHash("sha256");
  const sniffer = new EncodingSniffer(name);
  let scan: ByteScan | null = new ByteScan();
  let refusal: unknown = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Uint8Array;
    hash.update(bytes);
    if (refusal !== null) continue;
    try {
      if (scan || sniffer.encoding === null) sniffer.decode(bytes);
    } catch (error) {
      refusal = error;
      continue;
    }
    if (scan && !isUtf8(sniffer.encoding)) scan = null;
    scan?.push(bytes);
  }
  if (refusal === null && scan) {
    try {
      sniffer.decode(new Uint8Array(0), true);
    } catch (error) {
      refusal = error;
    }
  }
  // an invalid file is refused, but only once its hash says it is not already loaded
  if (refusal !== null) return { hash: hash.digest("hex"), encoding: "refused", scan: null, refusal };
  return { hash: hash.digest("hex"), encoding: sniffer.encoding ?? "utf-8", scan };
}

async function scanCsv(path: string, pre: { encoding: string; scan: ByteScan | null }, staging: StagingDir): Promise<CsvScan> {
  if (!pre.scan) return scanDecoded(path, pre.encoding, staging);
  const scan = pre.scan;
  return { encoding: pre.encoding, textPath: path, direct: scan.plain(), dataLines: Math.max(0, scan.lines() - 1), crlf: scan.firstLineCrlf === true };
}

/** A non-UTF-8 file decoded by streaming (TextDecoderStream) into a UTF-8 copy in the staging folder, and that copy scanned. */
async function scanDecoded(path: string, encoding: string, staging: StagingDir): Promise<CsvScan> {
  const scan = new ByteScan();
  const outPath = staging.file("csv");
  const out = openSync(outPath, "wx", 0o600);
  const encoder = new TextEncoder();
  try {
    const decoder = new TextDecoderStream(encoding);
    const writer = decoder.writable.getWriter();
    const pump = (async () => {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) await writer.write(chunk as Uint8Array<ArrayBuffer>);
      await writer.close();
    })();
    for await (const text of decoder.readable as unknown as AsyncIterable<string>) {
      const bytes = encoder.encode(text);
      scan.push(bytes);
      writeSync(out, bytes);
    }
    await pump;
  } finally {
    closeSync(out);
  }
  return { encoding, textPath: outPath, direct: scan.plain(), dataLines: Math.max(0, scan.lines() - 1), crlf: scan.firstLineCrlf === true };
}

// Test hooks for "killed half-way": die while reading rows, or with every row staged but not committed.
const CRASH_AFTER = Number(process.env.JIUZHU_INGEST_CRASH_AFTER_ROWS ?? 0);
const CRASH_STAGED = process.env.JIUZHU_INGEST_CRASH_STAGED === "1";
const DEBUG_SQL = process.env.JIUZHU_DEBUG_SQL === "1";

/** Counted warnings: one line per kind, with how many times and where first. */
class Warnings {
  private readonly kinds = new Map<string, { message: string; count: number; first: string }>();
  readonly plain: string[] = [];
  add(code: string, message: string, where: string): void {
    const k = this.kinds.get(code);
    if (k) k.count++;
    else this.kinds.set(code, { message, count: 1, first: where });
  }
  list(): string[] {
    const counted = [...this.kinds.values()].map((k) => `${k.message}: ${k.count} (first at ${k.first})`);
    return [...this.plain, ...counted];
  }
}

/** A delivery already in the warehouse (or prepared in this ingest) with the content hash of a new file. */
interface KnownContent {
  id?: number;
  file: string;
  type: string | null;
  county: string | null;
  period: string | null;
}

/**
 * Whether a file whose bytes equal `known`'s is the same delivery again: the type,
 * county and period its name tells (where it tells them) agree. Header-only files of
 * different counties or months are byte-identical, yet each is a delivery of its own.
 */
export function isSameDelivery(fileName: string, known: KnownContent): boolean {
  const info = parseFileName(fileName);
  const period = info.month ?? info.year ?? null;
  const agrees = (a: string | null | undefined, b: string | null) => !a || !b || a === b;
  return agrees(info.type, known.type) && agrees(info.county, known.county) && agrees(period, known.period);
}

/** The deliveries (or pending files) with a content hash, found again by the identity a file name gives. */
class ContentIndex {
  private readonly byHash = new Map<string, KnownContent[]>();
  add(hash: string, known: KnownContent): void {
    const list = this.byHash.get(hash);
    if (list) list.push(known);
    else this.byHash.set(hash, [known]);
  }
  find(hash: string, fileName: string): KnownContent | undefined {
    return this.byHash.get(hash)?.find((k) => isSameDelivery(fileName, k));
  }
  remove(hash: string, file: string): void {
    const list = this.byHash.get(hash)?.filter((k) => k.file !== file);
    if (list?.length) this.byHash.set(hash, list);
    else this.byHash.delete(hash);
  }
}

/** What a file name tells of its delivery, as a pending entry of the content index. */
function pendingContent(fileName: string): KnownContent {
  const info = parseFileName(fileName);
  return { file: fileName, type: info.type ?? null, county: info.county ?? null, period: info.month ?? info.year ?? null };
}

/** A file read as far as its cells (a raw staging file, or a plain CSV DuckDB reads itself), waiting for its batch. */
class FileJob {
  constructor(
    readonly fid: number,
    readonly name: string,
    readonly path: string,
    readonly hash: string,
    readonly format: Format,
    readonly encoding: string | null,
    readonly def: ExtractDef,
    readonly header: string[],
    readonly map: number[],
    readonly nameInfo: ReturnType<typeof parseFileName>,
    readonly warnings: Warnings,
    readonly receivedAt: Date,
    /** Raw rows written by the reader (fid, line, f0…), or null when DuckDB reads `direct`. */
    readonly rawFile: string | null,
    readonly direct: { textPath: string; delimiter: string; crlf: boolean; dataLines: number } | null,
    /** Rows the reader skipped as empty (all cells blank). */
    readonly emptyLines: number,
    readonly rowsSeen: number,
    readonly phases: { hash: number; parse: number },
    public seconds: number,
  ) {}
}

/** Column names of the raw table: `f<i>` holds field i's cell as text (tagged for typed formats). */
const rawCol = (i: number) => `f${i}`;

/** What the batch's checks found for one file. */
interface FileOutcome {
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  county: string | null;
  period: string | null;
  multiCountyKey: string | null;
}

class IngestContext {
  private readonly contracts = new Map<ExtractType, CompiledContract>();
  /** Content hashes of files prepared but not yet committed (a copy in the same ingest is unchanged too). */
  private readonly pending = new ContentIndex();
  /** Content hashes already in the warehouse (the lock keeps this in step with it). */
  private readonly known = new ContentIndex();
  private nextId = 1;
  private fid = 0;
  private bseq = 0;
  private readonly provinces = new Set<string>();

  constructor(
    private readonly wh: Warehouse,
    private readonly regions: RegionCodes,
    private readonly progress: Progress,
    private readonly staging: StagingDir,
  ) {}

  async init(): Promise<void> {
    const rows = await this.wh.query<{ delivery_id: number; file_name: string; content_hash: string; extract_type: string; county_code: string | null; period: string | null }>(
      "SELECT delivery_id, file_name, content_hash, extract_type, county_code, period FROM meta_delivery ORDER BY delivery_id DESC",
    );
    for (const r of rows) {
      this.known.add(r.content_hash, { id: r.delivery_id, file: r.file_name, type: r.extract_type, county: r.county_code, period: r.period });
      this.nextId = Math.max(this.nextId, r.delivery_id + 1);
    }
    await this.wh.run("CREATE OR REPLACE TEMP TABLE rc_counties AS SELECT code FROM dim_region WHERE level = 'county'");
    await this.wh.run("CREATE OR REPLACE TEMP TABLE rc_codes (code VARCHAR)");
  }

  private contract(type: ExtractType): CompiledContract {
    let c = this.contracts.get(type);
    if (!c) this.contracts.set(type, (c = compileContract(type, { regions: this.regions })));
    return c;
  }

  /**
   * Read one file as far as its cells (nothing of the warehouse written).
   * Returns its result when it is refused or unchanged, else the job its
   * batch checks and loads.
   */
  async prepareFile(path: string, forcedType: ExtractType | undefined, receivedAt: Date | string | undefined): Promise<FileResult | FileJob> {
    const t0 = performance.now();
    const name = basename(path);
    try {
      const prepared = await this.load(resolve(path), name, forcedType, receivedAt);
      prepared.seconds = (performance.now() - t0) / 1000;
      return prepared;
    } catch (error) {
      const reason = error instanceof FileRefused ? error.reason : `load failed, nothing kept: ${(error as Error).message.split("\n")[0]}`;
      // a refusal names the path as given, so the user finds the file; nothing of it is stored
      const r = refusedResult(path, reason);
      r.seconds = (performance.now() - t0) / 1000;
      return r;
    }
  }

  private async load(
    path: string,
    name: string,
    forcedType: ExtractType | undefined,
    receivedAtOpt: Date | string | undefined,
  ): Promise<FileResult | FileJob> {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      throw new FileRefused(name, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (stat.size === 0) throw new FileRefused(name, "empty file");
    const ext = extname(name).toLowerCase();
    const format: Format | null = ext === ".xlsx" ? "xlsx" : ext === ".parquet" ? "parquet" : ext === ".csv" || ext === ".txt" || ext === ".tsv" ? "csv" : null;
    if (ext === ".xls") throw new FileRefused(name, "old .xls workbooks are not read: save the file as .xlsx or CSV");
    if (!format) throw new FileRefused(name, `unknown format ${ext || "(no extension)"}: expected .csv, .xlsx or .parquet`);

    const tHash = performance.now();
    const pre = format === "csv" ? await hashAndScanCsv(path, name) : null;
    const hash = pre ? pre.hash : await hashFile(path);
    const hashSeconds = (performance.now() - tHash) / 1000;
    const twin = this.pending.find(hash, name);
    if (twin !== undefined) {
      return { ...refusedResult(name, `same content as ${twin.file}, loaded in this ingest`), status: "unchanged" };
    }
    const same = this.known.find(hash, name);
    if (same) {
      return {
        file: name,
        status: "unchanged",
        reason: `same content already loaded as delivery ${same.id} (${same.file})`,
        deliveryId: same.id!,
        rowsRead: 0,
        rowsLoaded: 0,
        rowsRejected: 0,
        warnings: [],
        superseded: [],
        seconds: 0,
      };
    }

    const tRead = performance.now();
    if (pre?.refusal) throw pre.refusal;
    const nameInfo = parseFileName(name, this.regions);
    const typeHint = forcedType ?? typeFromFileName(name);
    // Parquet is read through a link of a plain name, so no character of the file's name is a glob
    let source: Source;
    if (format === "csv") source = await openCsv(path, name);
    else if (format === "xlsx") source = await openXlsx(path, name, (sheet) => sheetNamesExtract(sheet, typeHint));
    else source = await openParquet(this.link(path, "parquet"), name);

    try {
      let type = typeHint;
      if (!type && source.sheet) {
        const bySheet = sheetNamesExtract(source.sheet) ? typeFromFileName(source.sheet) : undefined;
        if (bySheet) type = bySheet;
      }
      if (!type) {
        const guess = typeFromHeader(source.header);
        if ("error" in guess) throw new FileRefused(name, guess.error);
        type = guess.type;
      }
      const def = extractDef(type);
      const map = mapHeader(type, source.header);
      if (map.missing.length > 0) {
        throw new FileRefused(name, `${type} file without required column(s): ${map.missing.join(", ")}`);
      }
      const warnings = new Warnings();
      if (map.unknown.length) warnings.plain.push(`unknown column(s) not loaded: ${map.unknown.join(", ")}`);
      if (map.duplicates.length) warnings.plain.push(`duplicate column(s) ignored (the first is used): ${map.duplicates.join(", ")}`);
      if (forcedType && nameInfo.type && nameInfo.type !== forcedType) {
        warnings.plain.push(`file name says ${nameInfo.type}, loaded as ${forcedType} (--type)`);
      }
      const receivedAt = receivedAtOpt !== undefined ? new Date(receivedAtOpt) : stat.mtime;
      if (Number.isNaN(receivedAt.getTime())) throw new Error(`invalid delivery time ${String(receivedAtOpt)}`);
      const fid = ++this.fid;
      let encoding = source.encoding;
      let direct: FileJob["direct"] = null;
      if (format === "csv") {
        const scan = await scanCsv(path, pre!, this.staging);
        encoding = scan.encoding;
        if (scan.direct && source.header.length <= 4096) {
          direct = {
            textPath: scan.textPath === path ? this.link(path, "csv") : scan.textPath,
            delimiter: source.delimiter ?? ",",
            crlf: scan.crlf,
            dataLines: scan.dataLines,
          };
        }
      }
      let rawFile: string | null = null;
      let emptyLines = 0;
      let rowsSeen = direct?.dataLines ?? 0;
      if (!direct) {
        const r = await this.readRows(fid, source, def, map.columnOf);
        rawFile = r.file;
        emptyLines = r.emptyLines;
        rowsSeen = r.rows;
      }
      this.pending.add(hash, pendingContent(name));
      return new FileJob(fid, name, path, hash, format, encoding, def, source.header, map.columnOf, nameInfo, warnings, receivedAt, rawFile, direct, emptyLines, rowsSeen, {
        hash: hashSeconds,
        parse: (performance.now() - tRead) / 1000,
      }, 0);
    } finally {
      source.close();
    }
  }

  /** Stream a reader's rows into a raw staging file: fid, line, the mapped cells as (tagged) text. */
  private async readRows(fid: number, source: Source, def: ExtractDef, map: number[]): Promise<{ file: string | null; emptyLines: number; rows: number }> {
    const nf = def.fields.length;
    const sink = new CsvSink(this.staging.file("csv"), []);
    let emptyLines = 0;
    let rows = 0;
    try {
      const row: (string | number | null)[] = new Array(nf + 2);
      row[0] = fid;
      for await (const batch of source.batches()) {
        const { lines, rows: cellsOf } = batch;
        for (let r = 0; r < cellsOf.length; r++) {
          const cellsIn = cellsOf[r]!;
          let empty = true;
          for (let i = 0; i < cellsIn.length; i++) {
            const c = cellsIn[i];
            if (c != null && c !== "" && !(typeof c === "string" && c.trim() === "")) {
              empty = false;
              break;
            }
          }
          if (empty) {
            emptyLines++;
            continue;
          }
          row[1] = lines[r]!;
          for (let i = 0; i < nf; i++) {
            const col = map[i]!;
            row[i + 2] = col >= 0 ? tagCell(cellsIn[col]) : null;
          }
          sink.push(row);
          rows++;
          if (CRASH_AFTER > 0 && rows === CRASH_AFTER) process.kill(process.pid, "SIGKILL");
        }
        this.progress.rows(cellsOf.length);
      }
      sink.finish();
      return { file: rows > 0 ? sink.path : null, emptyLines, rows };
    } catch (error) {
      sink.dispose();
      throw error;
    }
  }

  /** A link to `target` in the staging folder, under a plain name. */
  private link(target: string, ext: string): string {
    const p = this.staging.file(ext);
    symlinkSync(target, p);
    return p;
  }

  private async dropAll(tables: string[]): Promise<void> {
    for (const t of [...tables].reverse()) {
      await this.wh.run(`DROP VIEW IF EXISTS ${t}`).catch(() => undefined);
      await this.wh.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    }
  }

  private async run(sql: string, params?: Record<string, string>): Promise<void> {
    const t = performance.now();
    await this.wh.run(sql, params);
    if (DEBUG_SQL) process.stderr.write(`${(performance.now() - t).toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, 100)}\n`);
  }

  private async query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    const t = performance.now();
    const r = await this.wh.query<T>(sql);
    if (DEBUG_SQL) process.stderr.write(`${(performance.now() - t).toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, 100)}\n`);
    return r;
  }

  private async count(sql: string): Promise<number> {
    const r = await this.query<{ n: bigint | number }>(sql);
    return Number(r[0]?.n ?? 0);
  }

  /** Codes of every province the cells name (2-digit prefixes, first time seen) into rc_codes. */
  private async ensureProvinces(sql: string): Promise<void> {
    const prefixes = (await this.query<{ p: string | null }>(sql)).map((r) => r.p).filter((p): p is string => !!p && /^\d{2}$/.test(p) && !this.provinces.has(p));
    for (const p of prefixes) {
      this.provinces.add(p);
      await this.wh.run("INSERT INTO rc_codes SELECT code FROM dim_region WHERE province_code = $p", { p });
    }
  }

  /**
   * Check and load a batch of files of one extract type: their cells into one
   * raw table, one SQL pass over all of them, then one transaction in which
   * each file's rows, rejects and lineage row land together. A batch that fails
   * is loaded again file by file, so one bad file does not keep the others out.
   */
  async loadBatch(jobs: FileJob[]): Promise<FileResult[]> {
    const temps: string[] = [];
    const t0 = performance.now();
    try {
      const staged = await this.checkBatch(jobs, temps);
      const tChecked = performance.now();
      const results = await this.commitBatch(jobs, staged);
      const tDone = performance.now();
      const rows = jobs.reduce((a, j) => a + j.rowsSeen + 1, 0);
      for (let i = 0; i < jobs.length; i++) {
        const share = (jobs[i]!.rowsSeen + 1) / rows;
        const r = results[i]!;
        r.phases = { hash: jobs[i]!.phases.hash, parse: jobs[i]!.phases.parse, checks: ((tChecked - t0) / 1000) * share, insert: ((tDone - tChecked) / 1000) * share, commit: 0 };
        r.seconds = jobs[i]!.seconds + ((tDone - t0) / 1000) * share;
      }
      for (const j of jobs) this.finishJob(j);
      return results;
    } catch (error) {
      if (jobs.length > 1) {
        await this.dropAll(temps);
        const out: FileResult[] = [];
        for (const j of jobs) out.push(...(await this.loadBatch([j])));
        return out;
      }
      const j = jobs[0]!;
      this.finishJob(j);
      const reason = error instanceof FileRefused ? error.reason : `load failed, nothing kept: ${(error as Error).message.split("\n")[0]}`;
      const r = refusedResult(j.name, reason);
      r.seconds = j.seconds + (performance.now() - t0) / 1000;
      return [r];
    } finally {
      await this.dropAll(temps);
    }
  }

  private finishJob(j: FileJob): void {
    this.pending.remove(j.hash, j.name);
  }

  private async checkBatch(jobs: FileJob[], temps: string[]): Promise<{ final: string; rejects: string; outcomes: Map<number, FileOutcome> }> {
    const wh = this.wh;
    const def = jobs[0]!.def;
    const type = def.type;
    const contract = this.contract(type);
    const fields = contract.fields;
    const nf = fields.length;
    const b = ++this.bseq;
    const byFid = new Map(jobs.map((j) => [j.fid, j]));
    const names = fields.map((f) => quoteIdent(f.name));
    const fieldIdx = (n: string | undefined) => (n ? fields.findIndex((f) => f.name === n) : -1);
    const labelOf = (j: FileJob, fieldIndex: number): string | null => {
      if (fieldIndex < 0) return null;
      const col = j.map[fieldIndex] ?? -1;
      return col >= 0 ? j.header[col]! : fields[fieldIndex]!.name;
    };

    // 1. every file's cells in one table: raw(fid, line, f0 … f<n-1>, nonempty)
    // the raw view: plain CSVs straight from DuckDB's reads, the rest from the readers' staging files
    const raw = `raw_${b}`;
    const parts: string[] = [];
    const emptyByFid = new Map<number, number>(jobs.map((j) => [j.fid, j.emptyLines]));
    // plain CSVs DuckDB reads itself, one read per header layout
    const groups = new Map<string, FileJob[]>();
    for (const j of jobs) {
      if (!j.direct) continue;
      const key = JSON.stringify([j.header, j.direct.delimiter, j.direct.crlf]);
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(j);
    }
    const fallback: FileJob[] = [];
    let g = 0;
    const blank = (h: string) => `(${h} IS NULL OR regexp_full_match(${h}, ${quoteLiteral(`${WS}*`)}))`;
    for (const group of groups.values()) {
      const j0 = group[0]!;
      const rd = `rd_${b}_${++g}`;
      temps.push(rd);
      const cols = j0.header.map((_, i) => `'h${i}': 'VARCHAR'`).join(", ");
      const list = group.map((j) => quoteLiteral(j.direct!.textPath)).join(", ");
      try {
        await this.run(
          `CREATE TEMP TABLE ${rd} AS SELECT * FROM read_csv([${list}], header = false, skip = 1, auto_detect = false,
             delim = ${quoteLiteral(j0.direct!.delimiter)}, quote = '', escape = '', new_line = ${j0.direct!.crlf ? "'\\r\\n'" : "'\\n'"},
             columns = {${cols}}, null_padding = true, strict_mode = false, filename = true)`,
        );
      } catch {
        temps.pop();
        fallback.push(...group);
        continue;
      }
      const counts = await this.query<{ f: string; n: bigint }>(`SELECT filename AS f, count(*) AS n FROM ${rd} GROUP BY ALL`);
      const got = new Map(counts.map((c) => [c.f, Number(c.n)]));
      // rows come in the order of the list: a file's line is its rowid less the rows of the files before it
      let offset = 0;
      const ok: { j: FileJob; offset: number }[] = [];
      for (const j of group) {
        const n = got.get(j.direct!.textPath) ?? 0;
        // a file whose row count is not its line count is read again by the CSV reader
        if (n === j.direct!.dataLines) ok.push({ j, offset });
        else fallback.push(j);
        offset += n;
      }
      if (ok.length === 0) continue;
      const fidOf = `CASE filename ${ok.map(({ j }) => `WHEN ${quoteLiteral(j.direct!.textPath)} THEN ${j.fid}`).join(" ")} END`;
      const offOf = `CASE filename ${ok.map(({ j, offset: o }) => `WHEN ${quoteLiteral(j.direct!.textPath)} THEN ${o}`).join(" ")} END`;
      const cells = fields.map((_, i) => (j0.map[i]! >= 0 ? `h${j0.map[i]}` : "CAST(NULL AS VARCHAR)") + ` AS ${rawCol(i)}`);
      parts.push(
        `SELECT ${fidOf} AS fid, CAST(rowid - ${offOf} + 2 AS INTEGER) AS line, ${cells.join(", ")},
           NOT (${j0.header.map((_, i) => blank(`h${i}`)).join(" AND ") || "TRUE"}) AS nonempty
         FROM ${rd} WHERE filename IN (${ok.map(({ j }) => quoteLiteral(j.direct!.textPath)).join(", ")})`,
      );
    }
    const rawFiles: string[] = jobs.filter((j) => j.rawFile).map((j) => j.rawFile!);
    for (const j of fallback) {
      const src = await openCsv(j.path, j.name);
      try {
        const r = await this.readRows(j.fid, src, j.def, j.map);
        if (r.file) rawFiles.push(r.file);
        emptyByFid.set(j.fid, r.emptyLines);
      } finally {
        src.close();
      }
    }
    const rr = `rr_${b}`;
    temps.push(rr);
    await this.run(`CREATE TEMP TABLE ${rr} (fid INTEGER, line INTEGER, ${fields.map((_, i) => `${rawCol(i)} VARCHAR`).join(", ")}, nonempty BOOLEAN)`);
    if (rawFiles.length) {
      const cols = [`'fid': 'INTEGER'`, `'line': 'INTEGER'`, ...fields.map((_, i) => `'${rawCol(i)}': 'VARCHAR'`)].join(", ");
      await this.run(
        `INSERT INTO ${rr} SELECT *, TRUE FROM read_csv([${rawFiles.map(quoteLiteral).join(", ")}], header = false, auto_detect = false,
           delim = ',', quote = '"', escape = '"', new_line = '\\n', max_line_size = 67108864, columns = {${cols}})`,
      );
    }
    parts.push(`SELECT * FROM ${rr}`);
    temps.push(raw);
    await this.run(`CREATE TEMP VIEW ${raw} AS ${parts.join(" UNION ALL ")}`);
    if (parts.length > 1) {
      for (const { fid, n } of await this.query<{ fid: number; n: bigint }>(`SELECT fid, count(*) AS n FROM ${raw} WHERE NOT nonempty GROUP BY fid`)) {
        emptyByFid.set(Number(fid), (emptyByFid.get(Number(fid)) ?? 0) + Number(n));
      }
    }

    // 2. every cell and rule at once: chk(fid, line, <fields typed>, fast)
    for (const [i, f] of fields.entries()) {
      if (f.kind === "region") await this.ensureProvinces(`SELECT DISTINCT left(${rawCol(i)}, 2) AS p FROM ${raw} WHERE ${rawCol(i)} IS NOT NULL`);
    }
    const joins: string[] = [];
    const sel: string[] = [];
    const oks: string[] = [];
    fields.forEach((f, i) => {
      const c = rawCol(i);
      let region;
      if (f.kind === "region" || f.kind === "county") {
        joins.push(`LEFT JOIN ${f.kind === "region" ? "rc_codes" : "rc_counties"} g${i} ON g${i}.code = ${c}`);
        region = { known: `g${i}.code` };
      }
      const ff = fastField(f, c, region);
      sel.push(`${ff.value} AS ${names[i]}`);
      oks.push(ff.ok(names[i]!));
    });
    const rules = ROW_RULES_SQL[type];
    const chk = `chk_${b}`;
    temps.push(chk);
    // values once per cell (inner), then the checks over them
    await this.run(
      `CREATE TEMP TABLE ${chk} AS
       SELECT fid, line, ${names.join(", ")}, coalesce(${oks.join(" AND ")}${rules.map((r) => ` AND (${r})`).join("")}, FALSE) AS fast
       FROM (SELECT fid, line, ${fields.map((_, i) => rawCol(i)).join(", ")}, ${sel.join(", ")} FROM ${raw} ${joins.join(" ")} WHERE nonempty)`,
    );
    if (CRASH_AFTER > 0 && (await this.count(`SELECT count(*) AS n FROM ${chk}`)) >= CRASH_AFTER) process.kill(process.pid, "SIGKILL");
    this.progress.rows(jobs.filter((j) => j.direct).reduce((a, j) => a + j.rowsSeen, 0));

    // 3. the rows the fast path did not take: the contract decides, and words each reject
    const rejects = `rej_${b}`;
    temps.push(rejects);
    await this.run(`CREATE TEMP TABLE ${rejects} (fid INTEGER, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR, seq BIGINT)`);
    const rejSink = new CsvSink(this.staging.file("csv"), [["fid", "INTEGER"], ["line", "INTEGER"], ["column_name", "VARCHAR"], ["value", "VARCHAR"], ["reason", "VARCHAR"], ["seq", "BIGINT"]]);
    const slowSink = new CsvSink(this.staging.file("csv"), [["fid", "INTEGER"], ["line", "INTEGER"], ...fields.map((f) => [f.name, sqlTypeOf(f.kind)] as [string, string]), ["warn", "VARCHAR"]]);
    const good = `good_${b}`;
    temps.push(good);
    try {
      const slowCount = await this.count(`SELECT count(*) AS n FROM ${chk} WHERE NOT fast`);
      if (process.env.JIUZHU_DEBUG_SLOW) process.stderr.write(`${type} batch of ${jobs.length}: ${slowCount} rows through the contract\n`);
      if (slowCount > 0) {
        const result = await wh.connection.stream(
          `SELECT r.fid, r.line, ${fields.map((_, i) => `r.${rawCol(i)}`).join(", ")} FROM ${raw} r JOIN ${chk} c ON c.fid = r.fid AND c.line = r.line WHERE NOT c.fast ORDER BY r.fid, r.line`,
        );
        const regionCols = fields.map((f, i) => (f.kind === "region" || f.kind === "county" ? i : -1)).filter((i) => i >= 0);
        const cells: Cell[] = new Array(nf);
        const out: Canonical[] = new Array(nf);
        const rowWarnings: [string, string][] = [];
        const warnRow = (code: string, message: string) => void rowWarnings.push([code, message]);
        let seqNo = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const rows = chunk.getRows() as (string | number | null)[][];
          const decoded = rows.map((r) => r.slice(2).map((c) => untagCell(c as string | null)));
          if (regionCols.length) await this.regions.prefetch(decoded.flatMap((d) => regionCols.map((i) => d[i])).filter((c) => !(c instanceof LongCell)) as Cell[]);
          for (let r = 0; r < rows.length; r++) {
            const fid = Number(rows[r]![0]);
            const line = Number(rows[r]![1]);
            const j = byFid.get(fid)!;
            const d = decoded[r]!;
            const long = d.findIndex((c) => c instanceof LongCell);
            if (long >= 0) {
              // no field holds this much: the row is rejected, the file is not refused
              for (let i = 0; i < nf; i++) {
                const c = d[i];
                if (c instanceof LongCell) rejSink.push([fid, line, labelOf(j, i), null, `value too long: ${c.length.toLocaleString("en")} characters (at most ${MAX_CELL.toLocaleString("en")})`, seqNo++]);
              }
              continue;
            }
            for (let i = 0; i < nf; i++) cells[i] = d[i] as Cell;
            rowWarnings.length = 0;
            const issues = validateCells(contract, cells, out, warnRow);
            if (issues.length > 0) {
              for (const is of issues) {
                const v = is.field >= 0 ? cellText(cells[is.field]) : null;
                rejSink.push([fid, line, labelOf(j, is.field), v === null ? null : v.length > 500 ? `${v.slice(0, 500)}…` : v, is.reason, seqNo++]);
              }
              continue;
            }
            slowSink.push([fid, line, ...out, rowWarnings.length ? rowWarnings.map(([c, m]) => `${c}\u0002${m}`).join("\u0003") : null]);
          }
        }
      }
      slowSink.finish();
      rejSink.finish();
      const slowRead = slowSink.readSql();
      await this.run(
        slowRead
          ? `CREATE TEMP TABLE ${good} AS SELECT fid, line, ${names.join(", ")}, CAST(NULL AS VARCHAR) AS warn FROM ${chk} WHERE fast UNION ALL BY NAME SELECT * FROM ${slowRead}`
          : `CREATE TEMP VIEW ${good} AS SELECT fid, line, ${names.join(", ")}, CAST(NULL AS VARCHAR) AS warn FROM ${chk} WHERE fast`,
      );
      const rejRead = rejSink.readSql();
      if (rejRead) await this.run(`INSERT INTO ${rejects} SELECT * FROM ${rejRead}`);
    } finally {
      slowSink.dispose();
      rejSink.dispose();
    }

    // 4. rows against their delivery, in order: period, county, duplicate keys (events), then roster households
    const periodIdx = def.cadence === "monthly" ? fieldIdx(def.periodField) : def.cadence === "yearly" ? fieldIdx("year") : -1;
    const P = periodIdx < 0 ? null : fields[periodIdx]!.kind === "int" ? `CAST(${names[periodIdx]} AS VARCHAR)` : names[periodIdx]!;
    const countyIdx = fieldIdx(def.countyField);
    const C = countyIdx >= 0 ? names[countyIdx]! : null;
    const keyIdx = (def.key ?? []).map((kk) => fieldIdx(kk));
    const events = def.cadence === "events" && keyIdx.length > 0;
    const namePeriod = (j: FileJob) =>
      def.cadence === "monthly" || def.cadence === "events" ? (j.nameInfo.month ?? null) : def.cadence === "yearly" ? (j.nameInfo.year ?? null) : null;
    // per file: expected period (file name, else the first valid row's), expected county (file name), column labels
    const files = `files_${b}`;
    temps.push(files);
    const labelCols = fields.map((_, i) => `l${i}`);
    await this.run(`CREATE TEMP TABLE ${files} (fid INTEGER, name_period VARCHAR, county VARCHAR, ${labelCols.map((l) => `${l} VARCHAR`).join(", ")})`);
    await this.run(
      `INSERT INTO ${files} VALUES ${jobs
        .map((j) => `(${j.fid}, ${lit(namePeriod(j))}, ${lit(j.nameInfo.county ?? null)}, ${fields.map((_, i) => lit(labelOf(j, i))).join(", ")})`)
        .join(", ")}`,
    );
    const fp = `fp_${b}`;
    temps.push(fp);
    await this.run(
      `CREATE TEMP TABLE ${fp} AS SELECT f.*, ${P ? `coalesce(f.name_period, p.first_period)` : "CAST(NULL AS VARCHAR)"} AS period
       FROM ${files} f ${P ? `LEFT JOIN (SELECT fid, arg_min(${P}, line) AS first_period FROM ${good} GROUP BY fid) p ON p.fid = f.fid` : ""}`,
    );
    const cty = C ? `CASE WHEN length(g.${C}) >= 6 THEN left(g.${C}, 6) END` : "CAST(NULL AS VARCHAR)";
    const x = `x_${b}`;
    temps.push(x);
    const periodOf = (alias: string) => (P ? P.replace(names[periodIdx]!, `${alias}.${names[periodIdx]}`) : "NULL");
    const periodBad = P ? `(fp.period IS NOT NULL AND ${periodOf("g")} IS DISTINCT FROM fp.period)` : "FALSE";
    const countyBad = C ? `(fp.county IS NOT NULL AND ${cty} IS NOT NULL AND ${cty} <> fp.county)` : "FALSE";
    const staged = `SELECT g.*, ${cty} AS cty, CASE WHEN ${periodBad} THEN 1 WHEN ${countyBad} THEN 2 ELSE 0 END AS stage FROM ${good} g JOIN ${fp} fp ON fp.fid = g.fid`;
    await this.run(
      events
        ? `CREATE TEMP TABLE ${x} AS
           SELECT *, CASE WHEN stage = 0 THEN min(line) OVER w END AS first_line, CASE WHEN stage = 0 THEN row_number() OVER w ELSE 1 END AS rn
           FROM (${staged})
           WINDOW w AS (PARTITION BY fid, stage = 0, ${keyIdx.map((i) => names[i]).join(", ")}, coalesce(cty, '') ORDER BY line)`
        : `CREATE TEMP TABLE ${x} AS SELECT *, CAST(NULL AS INTEGER) AS first_line, 1 AS rn FROM (${staged})`,
    );
    const rawOf = (i: number) => rejectValueSql(`r.${rawCol(i)}`);
    const crossRejects: string[] = [];
    const fromX = `FROM ${x} x JOIN ${raw} r ON r.fid = x.fid AND r.line = x.line JOIN ${fp} fp ON fp.fid = x.fid`;
    if (P) {
      crossRejects.push(
        `SELECT x.fid, x.line, fp.l${periodIdx}, ${rawOf(periodIdx)}, 'period ' || ${periodOf("x")} || ' differs from the delivery''s ' || fp.period || CASE WHEN fp.name_period IS NOT NULL THEN ' (file name)' ELSE ' (first row)' END
         ${fromX} WHERE x.stage = 1`,
      );
    }
    if (C) {
      crossRejects.push(
        `SELECT x.fid, x.line, fp.l${countyIdx}, ${rawOf(countyIdx)}, 'region ' || x.${C} || ' is outside the delivery''s county ' || fp.county || ' (file name)'
         ${fromX} WHERE x.stage = 2`,
      );
    }
    if (events) {
      const keyText = keyIdx.map((i) => `CAST(x.${names[i]} AS VARCHAR)`).join(" || '+' || ");
      crossRejects.push(
        `SELECT x.fid, x.line, fp.l${keyIdx[0]}, ${rawOf(keyIdx[0]!)}, ${lit(`duplicate ${def.key!.join("+")} `)} || ${keyText} || ' (also on line ' || x.first_line || ')'
         ${fromX} WHERE x.stage = 0 AND x.rn > 1`,
      );
    }
    let s = 1_000_000_000;
    for (const q of crossRejects) {
      await this.run(`INSERT INTO ${rejects} SELECT *, ${s} FROM (${q})`);
      s += 1;
    }
    const accepted = `${x} WHERE stage = 0 AND rn = 1`;

    // roster households whose rows disagree on household-level fields: rejected whole
    let householdBad = "";
    if (type === "roster") {
      const hf = HOUSEHOLD_FIELDS.map((f) => quoteIdent(f));
      const hb = `hb_${b}`;
      temps.push(hb);
      await this.run(
        `CREATE TEMP TABLE ${hb} AS
         WITH a AS (
           SELECT fid, line, household_id AS hh, left(region_code, 6) AS hcty, ${hf.map((f, i) => `${f} AS v${i}, first_value(${f}) OVER w AS a${i}`).join(", ")}
           FROM ${accepted}
           WINDOW w AS (PARTITION BY fid, household_id, left(region_code, 6) ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
         d AS (SELECT *, CASE ${hf.map((_, i) => `WHEN v${i} IS DISTINCT FROM a${i} THEN ${i}`).join(" ")} END AS dk FROM a),
         e AS (SELECT fid, hh, hcty, arg_min(dk, line) AS bad FROM d WHERE dk IS NOT NULL GROUP BY ALL)
         SELECT d.fid, d.line, d.hh, e.bad, CASE e.bad ${hf.map((_, i) => `WHEN ${i} THEN CAST(d.v${i} AS VARCHAR)`).join(" ")} END AS value
         FROM d JOIN e ON e.fid = d.fid AND e.hh = d.hh AND e.hcty IS NOT DISTINCT FROM d.hcty`,
      );
      if ((await this.count(`SELECT count(*) AS n FROM ${hb}`)) > 0) {
        const labels = HOUSEHOLD_FIELDS.map((f) => `fp.l${fieldIdx(f)}`);
        const fieldNames = HOUSEHOLD_FIELDS.map((f) => lit(f));
        await this.run(
          `INSERT INTO ${rejects}
           SELECT h.fid, h.line, list_extract([${labels.join(", ")}], h.bad + 1), coalesce(h.value, 'null'),
             'household ' || h.hh || ' rows disagree on ' || list_extract([${fieldNames.join(", ")}], h.bad + 1) || ': the household is rejected whole', 2000000000
           FROM ${hb} h JOIN ${fp} fp ON fp.fid = h.fid`,
        );
        householdBad = ` AND NOT EXISTS (SELECT 1 FROM ${hb} h WHERE h.fid = ${x}.fid AND h.line = ${x}.line)`;
      }
    }
    const final = `final_${b}`;
    temps.push(final);
    await this.run(`CREATE TEMP VIEW ${final} AS SELECT * FROM ${accepted}${householdBad}`);

    // per file: counts, counties and latest event month of the rows that passed period/county/keys, warnings
    const eventIdx = fieldIdx(def.eventDateField);
    const outcomes = new Map<number, FileOutcome>();
    const stats = await this.query<{ fid: number; read: bigint; loaded: bigint; rejected: bigint; counties: string[] | null; event_month: string | null }>(
      `SELECT f.fid, coalesce(c.n, 0) AS read, coalesce(z.n, 0) AS loaded, coalesce(r.n, 0) AS rejected, a.counties, a.event_month
       FROM ${fp} f
       LEFT JOIN (SELECT fid, count(*) AS n FROM ${chk} GROUP BY fid) c ON c.fid = f.fid
       LEFT JOIN (SELECT fid, count(*) AS n FROM ${final} GROUP BY fid) z ON z.fid = f.fid
       LEFT JOIN (SELECT fid, count(DISTINCT line) AS n FROM ${rejects} GROUP BY fid) r ON r.fid = f.fid
       LEFT JOIN (SELECT fid, list(DISTINCT cty ORDER BY cty) FILTER (WHERE cty IS NOT NULL) AS counties,
                    ${eventIdx >= 0 ? `strftime(max(${names[eventIdx]}), '%Y-%m')` : "CAST(NULL AS VARCHAR)"} AS event_month
                  FROM ${accepted} GROUP BY fid) a ON a.fid = f.fid`,
    );
    const warnRows = await this.query<{ fid: number; line: number; warn: string }>(`SELECT fid, line, warn FROM ${accepted} AND warn IS NOT NULL ORDER BY fid, line`);
    for (const w of warnRows) {
      const j = byFid.get(Number(w.fid))!;
      for (const part of w.warn.split("\u0003")) {
        const [code, message] = part.split("\u0002");
        j.warnings.add(code!, message!, `line ${w.line}`);
      }
    }
    const periods = new Map((await this.query<{ fid: number; period: string | null }>(`SELECT fid, period FROM ${fp}`)).map((r) => [Number(r.fid), r.period]));
    for (const st of stats) {
      const j = byFid.get(Number(st.fid))!;
      const rowsRead = Number(st.read), rowsLoaded = Number(st.loaded), rowsRejected = Number(st.rejected);
      if (rowsRead !== rowsLoaded + rowsRejected) {
        throw new Error(`${j.name}: counts do not balance (read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected})`);
      }
      const w = j.warnings;
      const emptyLines = emptyByFid.get(j.fid) ?? 0;
      // plain warnings in the order they always came: empty lines, then the delivery's
      const counted = w.plain.length;
      if (emptyLines > 0) w.plain.push(`${emptyLines} empty line(s) skipped`);
      void counted;
      const counties = st.counties ?? [];
      const expectedCounty = j.nameInfo.county ?? null;
      const monthlyOrEvents = def.cadence === "monthly" || def.cadence === "events";
      const county = expectedCounty ?? (monthlyOrEvents ? (counties.length === 1 ? counties[0]! : null) : null);
      if (expectedCounty === null && counties.length > 1 && monthlyOrEvents) w.plain.push(`rows span ${counties.length} counties: one delivery keyed on its file name`);
      let period = P ? (periods.get(j.fid) ?? null) : namePeriod(j);
      if (period === null && def.cadence === "events") {
        period = st.event_month;
        if (period) w.plain.push(`period ${period} taken from the latest ${def.eventDateField} (no month in the file name)`);
      }
      if (period === null && (monthlyOrEvents || def.cadence === "yearly")) w.plain.push("no period: none in the file name and no valid row");
      if (rowsLoaded === 0 && rowsRead > 0) w.plain.push("every row rejected");
      if (rowsRead === 0) w.plain.push("no data rows");
      outcomes.set(j.fid, { rowsRead, rowsLoaded, rowsRejected, county, period, multiCountyKey: county === null && monthlyOrEvents ? j.name : null });
    }
    return { final, rejects, outcomes };
  }

  private async commitBatch(jobs: FileJob[], staged: { final: string; rejects: string; outcomes: Map<number, FileOutcome> }): Promise<FileResult[]> {
    const wh = this.wh;
    const def = jobs[0]!.def;
    const type = def.type;
    const fieldNames = def.fields.map((f) => f.name);
    const results: FileResult[] = [];
    const ids = new Map(jobs.map((j, i) => [j.fid, this.nextId + i]));
    const idOf = `CASE fid ${jobs.map((j) => `WHEN ${j.fid} THEN ${ids.get(j.fid)}`).join(" ")} END`;
    const nameOf = `CASE fid ${jobs.map((j) => `WHEN ${j.fid} THEN ${lit(j.name)}`).join(" ")} END`;
    const rc = fieldNames.includes("region_code") ? "region_code" : def.countyField ? def.countyField : type === "regions" ? "code" : null;
    const rcq = rc ? quoteIdent(rc) : "CAST(NULL AS VARCHAR)";
    // lineage columns after the fields, unless a field already has the name (county_code of funds, standards…)
    const lineage = (
      [
        ["line", "line"],
        ["county_code", `CASE WHEN length(${rcq}) >= 6 THEN left(${rcq}, 6) END`],
        ["city_code", `CASE WHEN length(${rcq}) >= 4 THEN left(${rcq}, 4) END`],
      ] as [string, string][]
    ).filter(([n]) => !fieldNames.includes(n));
    const targets = ["delivery_id", ...fieldNames, ...lineage.map(([n]) => n)].map(quoteIdent).join(", ");
    let committed = false;
    await wh.run("BEGIN TRANSACTION");
    try {
      const ins = await wh.query<{ Count: bigint }>(
        `INSERT INTO ${quoteIdent(stagingTable(type))} (${targets})
         SELECT ${idOf}, ${fieldNames.map(quoteIdent).join(", ")}, ${lineage.map(([, e]) => e).join(", ")}
         FROM ${staged.final} ORDER BY fid, line`,
      );
      const inserted = Number(ins[0]?.Count ?? 0);
      if (CRASH_STAGED) process.kill(process.pid, "SIGKILL");
      const rej = await wh.query<{ Count: bigint }>(
        `INSERT INTO meta_reject SELECT ${idOf}, ${nameOf}, line, column_name, value, reason FROM ${staged.rejects} ORDER BY fid, seq >= 2000000000, line, seq`,
      );
      const rejectLines = Number(rej[0]?.Count ?? 0);
      let loaded = 0, rejected = 0;
      for (const j of jobs) {
        const o = staged.outcomes.get(j.fid)!;
        const deliveryId = ids.get(j.fid)!;
        loaded += o.rowsLoaded;
        rejected += o.rowsRejected;
        await wh.run(
          `INSERT INTO meta_delivery VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?, ?, 'current', NULL, ?)`,
          [
            deliveryId,
            j.name,
            j.hash,
            type,
            o.county,
            o.period,
            j.format,
            j.encoding,
            toChinaTimestamp(j.receivedAt),
            toChinaTimestamp(new Date()),
            o.rowsRead,
            o.rowsLoaded,
            o.rowsRejected,
            j.warnings.list().join("\n") || null,
          ],
        );
        const superseded = await this.supersede(deliveryId, type, o.county, o.period, o.multiCountyKey);
        results.push({
          file: j.name,
          status: "loaded",
          deliveryId,
          type,
          county: o.county,
          period: o.period,
          format: j.format,
          encoding: j.encoding,
          rowsRead: o.rowsRead,
          rowsLoaded: o.rowsLoaded,
          rowsRejected: o.rowsRejected,
          warnings: j.warnings.list(),
          superseded,
          seconds: 0,
        });
      }
      if (inserted !== loaded || rejectLines < rejected) {
        throw new Error(`counts do not balance (loaded ${loaded} of ${inserted} inserted, rejected ${rejected} in ${rejectLines} reject rows)`);
      }
      await wh.run("COMMIT");
      committed = true;
      this.nextId += jobs.length;
    } finally {
      if (!committed) await wh.run("ROLLBACK").catch(() => undefined);
    }
    for (const r of results) {
      const j = jobs.find((x) => x.name === r.file)!;
      this.known.add(j.hash, { id: r.deliveryId, file: j.name, type, county: r.county ?? null, period: r.period ?? null });
    }
    return results;
  }

  /**
   * Within one identity (type, county, period; the file name too for an
   * unnamed multi-county file) the delivery received last is current, the
   * others are superseded by it and stay in history.
   */
  private async supersede(deliveryId: number, type: ExtractType, county: string | null, period: string | null, fileKey: string | null): Promise<number[]> {
    const rows = await this.wh.query<{ delivery_id: number; status: string }>(
      `SELECT delivery_id, status FROM meta_delivery
       WHERE extract_type = $type AND county_code IS NOT DISTINCT FROM $county AND period IS NOT DISTINCT FROM $period
         AND ($file IS NULL OR file_name = $file)
       ORDER BY received_at DESC, delivery_id DESC`,
      { type, county, period, file: fileKey },
    );
    if (rows.length <= 1) return [];
    const current = rows[0]!.delivery_id;
    const others = rows.slice(1).map((r) => r.delivery_id);
    await this.wh.run(`UPDATE meta_delivery SET status = 'current', superseded_by = NULL WHERE delivery_id = $current`, { current });
    await this.wh.run(
      `UPDATE meta_delivery SET status = 'superseded', superseded_by = $current
       WHERE delivery_id IN (SELECT unnest($others::INTEGER[]))`,
      { current, others: `[${others.join(",")}]` },
    );
    return current === deliveryId ? others.filter((id) => rows.find((r) => r.delivery_id === id)?.status === "current") : [];
  }
}

/** An SQL literal of a string, or NULL. */
function lit(v: string | null): string {
  return v === null ? "NULL" : quoteLiteral(v);
}
