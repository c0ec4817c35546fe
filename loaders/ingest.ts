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
import { cellText, toHalfWidth, type Canonical, type Cell, type RegionLookup } from "./contracts/normalise.js";
import { assertExtractType, mapHeader, parseFileName, sheetNamesExtract, typeFromFileName, typeFromHeader } from "./detect.js";
import { acquireLock } from "./lock.js";
import { ensureWarehouseSchema, stagingTable } from "./schema.js";
import { CsvSink, StagingDir } from "./staging.js";
import { EncodingSniffer, openCsv } from "./readers/csv.js";
import { openXlsx } from "./readers/xlsx.js";
import { openParquet } from "./readers/parquet.js";
import { FileRefused, type Format, type Source } from "./readers/source.js";
import { createProgress, type Progress } from "./progress.js";
import { ROW_RULES_SQL, WS, fastField, rejectValueSql, tagCell, untagCell } from "./setbased.js";

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
  const progress = createProgress(options.progress ?? false);
  // files in the order given, folders expanded; unreadable paths refused in place
  const items: (string | FileResult)[] = [];
  for (const p of paths) {
    try {
      items.push(...listFiles([p]));
    } catch (error) {
      items.push(refusedResult(p, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
    }
  }
  const results: FileResult[] = [];
  const release = await acquireLock(dbPath, {
    timeoutMs: options.lockTimeoutMs,
    onWait: (pid) => progress.log(`waiting for another ingest (pid ${pid}) to finish…`),
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
      progress.start(items.length);
      let batch: Staged[] = [];
      let batchRows = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const done = await ctx.commit(batch);
        batch = [];
        batchRows = 0;
        for (const r of done) {
          results.push(r);
          progress.fileDone(r);
        }
      };
      for (const item of items) {
        if (typeof item !== "string") {
          await flush();
          results.push(item);
          progress.fileDone(item);
          continue;
        }
        progress.fileStart(basename(item));
        const prepared = await ctx.prepareFile(item, forcedType, options.receivedAt);
        if (prepared instanceof Staged) {
          batch.push(prepared);
          batchRows += prepared.rowsRead;
          if (batchRows >= BATCH_ROWS || batch.length >= BATCH_FILES) await flush();
        } else {
          await flush();
          results.push(prepared);
          progress.fileDone(prepared);
        }
      }
      await flush();
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

async function scanCsv(path: string, name: string, staging: StagingDir): Promise<CsvScan> {
  const sniffer = new EncodingSniffer(name);
  const scan = new ByteScan();
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Uint8Array;
      sniffer.decode(bytes);
      // not UTF-8 (from the first bytes, or after an all-ASCII start, which GB18030 shares): decode a copy
      if (!isUtf8(sniffer.encoding)) return await scanDecoded(path, sniffer.encoding!, staging);
      scan.push(bytes);
    }
    sniffer.decode(new Uint8Array(0), true);
  } finally {
    stream.destroy();
  }
  return {
    encoding: sniffer.encoding ?? "utf-8",
    textPath: path,
    direct: scan.plain(),
    dataLines: Math.max(0, scan.lines() - 1),
    crlf: scan.firstLineCrlf === true,
  };
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

/** A file read and checked, its rows and rejects in temporary tables, waiting for its batch's commit. */
class Staged {
  constructor(
    readonly job: {
      name: string;
      hash: string;
      format: Format;
      encoding: string | null;
      def: ExtractDef;
      receivedAt: Date;
      warnings: Warnings;
      county: string | null;
      period: string | null;
      multiCountyKey: string | null;
      final: string;
      rejects: string;
      temps: string[];
      phases: { hash: number; parse: number; checks: number };
      seconds: number;
    },
    readonly rowsRead: number,
    readonly rowsLoaded: number,
    readonly rowsRejected: number,
  ) {}
}

/** Column names of the raw table: `f<i>` holds field i's cell as text (tagged for typed formats). */
const rawCol = (i: number) => `f${i}`;

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

class IngestContext {
  private readonly contracts = new Map<ExtractType, CompiledContract>();
  /** Content hashes of files prepared but not yet committed (a copy in the same ingest is unchanged too). */
  private readonly pending = new ContentIndex();
  /** Content hashes already in the warehouse (the lock keeps this in step with it). */
  private readonly known = new ContentIndex();
  private nextId = 1;
  private seq = 0;
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
   * Read and check one file into temporary tables (nothing of the warehouse
   * written yet). Returns its result when it is refused or unchanged, else the
   * staged file, which its batch's commit loads.
   */
  async prepareFile(path: string, forcedType: ExtractType | undefined, receivedAt: Date | string | undefined): Promise<FileResult | Staged> {
    const t0 = performance.now();
    const name = basename(path);
    try {
      const prepared = await this.load(resolve(path), name, forcedType, receivedAt);
      const seconds = (performance.now() - t0) / 1000;
      if (prepared instanceof Staged) prepared.job.seconds = seconds;
      else prepared.seconds = seconds;
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
  ): Promise<FileResult | Staged> {
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
    const hash = await hashFile(path);
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

    const nameInfo = parseFileName(name, this.regions);
    const typeHint = forcedType ?? typeFromFileName(name);
    // Parquet is read through a link of a plain name, so no character of the file's name is a glob
    const readPath = format === "parquet" ? this.link(path, "parquet") : path;
    let source: Source;
    if (format === "csv") source = await openCsv(path, name);
    else if (format === "xlsx") source = await openXlsx(path, name, (sheet) => sheetNamesExtract(sheet, typeHint));
    else source = await openParquet(readPath, name);

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
      this.pending.add(hash, pendingContent(name));
      try {
        return await this.stage({ path, name, hash, hashSeconds, format, source, def, map: map.columnOf, nameInfo, warnings, receivedAt });
      } catch (error) {
        this.pending.remove(hash, name);
        throw error;
      }
    } finally {
      source.close();
    }
  }

  /** A link to `target` in the staging folder, under a plain name. */
  private link(target: string, ext: string): string {
    const p = this.staging.file(ext);
    symlinkSync(target, p);
    return p;
  }

  private async dropAll(tables: string[]): Promise<void> {
    for (const t of tables.reverse()) {
      await this.wh.run(`DROP VIEW IF EXISTS ${t}`).catch(() => undefined);
      await this.wh.run(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
    }
  }

  private async stage(job: {
    path: string;
    name: string;
    hash: string;
    hashSeconds: number;
    format: Format;
    source: Source;
    def: ExtractDef;
    map: number[];
    nameInfo: ReturnType<typeof parseFileName>;
    warnings: Warnings;
    receivedAt: Date;
  }): Promise<Staged> {
    const temps: string[] = [];
    try {
      return await this.stageRows(job, temps);
    } catch (error) {
      await this.dropAll(temps);
      throw error;
    }
  }

  private async stageRows(
    job: Parameters<IngestContext["stage"]>[0],
    temps: string[],
  ): Promise<Staged> {
    const { name, def, source, warnings, nameInfo, map } = job;
    const wh = this.wh;
    const type = def.type;
    const contract = this.contract(type);
    const fields = contract.fields;
    const nf = fields.length;
    const header = source.header;
    const k = ++this.seq;
    const columnLabel = (fieldIndex: number): string | null => {
      if (fieldIndex < 0) return null;
      const col = map[fieldIndex] ?? -1;
      return col >= 0 ? header[col]! : fields[fieldIndex]!.name;
    };
    const fieldIdx = (n: string | undefined) => (n ? fields.findIndex((f) => f.name === n) : -1);
    const tStart = performance.now();

    // 1. the cells as text: raw_k(line, f0 … f<n-1>, nonempty)
    const raw = `raw_${k}`;
    let emptyLines = 0;
    let encoding = source.encoding;
    let direct = false;
    if (job.format === "csv") {
      const scan = await scanCsv(job.path, name, this.staging);
      encoding = scan.encoding;
      if (scan.direct && header.length <= 4096) {
        const rd = `rd_${k}`;
        const textPath = scan.textPath === job.path ? this.link(job.path, "csv") : scan.textPath;
        const cols = header.map((_, i) => `'h${i}': 'VARCHAR'`).join(", ");
        try {
          temps.push(rd);
          await this.run(
            `CREATE TEMP TABLE ${rd} AS SELECT * FROM read_csv(${quoteLiteral(textPath)}, header = false, skip = 1, auto_detect = false,
               delim = ${quoteLiteral(source.delimiter ?? ",")}, quote = '', escape = '', new_line = ${scan.crlf ? "'\\r\\n'" : "'\\n'"},
               columns = {${cols}}, null_padding = true, strict_mode = false)`,
          );
          const n = await this.count(`SELECT count(*) AS n FROM ${rd}`);
          if (n === scan.dataLines) direct = true;
          else await this.dropAll([temps.pop()!]);
        } catch {
          await this.dropAll([temps.pop()!]);
        }
        if (direct) {
          const blank = (h: string) => `(${h} IS NULL OR regexp_full_match(${h}, ${quoteLiteral(`${WS}*`)}))`;
          const cells = fields.map((_, i) => (map[i]! >= 0 ? `h${map[i]}` : "CAST(NULL AS VARCHAR)") + ` AS ${rawCol(i)}`);
          temps.push(raw);
          await this.run(
            `CREATE TEMP VIEW ${raw} AS SELECT CAST(rowid AS INTEGER) + 2 AS line, ${cells.join(", ")},
               NOT (${header.map((_, i) => blank(`h${i}`)).join(" AND ") || "TRUE"}) AS nonempty FROM ${rd}`,
          );
          emptyLines = await this.count(`SELECT count(*) AS n FROM ${raw} WHERE NOT nonempty`);
        }
      }
    }
    if (!direct) {
      const sink = new CsvSink(this.staging.file("csv"), [["line", "INTEGER"], ...fields.map((_, i) => [rawCol(i), "VARCHAR"] as [string, string])]);
      try {
        const row: (string | number | null)[] = new Array(nf + 1);
        let seen = 0;
        for await (const batch of source.batches()) {
          const { lines, rows } = batch;
          for (let r = 0; r < rows.length; r++) {
            const cellsIn = rows[r]!;
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
            row[0] = lines[r]!;
            for (let i = 0; i < nf; i++) {
              const col = map[i]!;
              row[i + 1] = col >= 0 ? tagCell(cellsIn[col]) : null;
            }
            sink.push(row);
            if (CRASH_AFTER > 0 && ++seen === CRASH_AFTER) process.kill(process.pid, "SIGKILL");
          }
          this.progress.rows(rows.length);
        }
        sink.finish();
        temps.push(raw);
        const read = sink.readSql();
        await this.run(
          read
            ? `CREATE TEMP TABLE ${raw} AS SELECT *, TRUE AS nonempty FROM ${read}`
            : `CREATE TEMP TABLE ${raw} (line INTEGER, ${fields.map((_, i) => `${rawCol(i)} VARCHAR`).join(", ")}, nonempty BOOLEAN)`,
        );
      } finally {
        sink.dispose();
      }
    }
    const tRead = performance.now();

    // 2. every cell and rule at once; chk_k(line, <fields typed>, fast)
    const regionFields = fields.map((f, i) => (f.kind === "region" ? i : -1)).filter((i) => i >= 0);
    for (const i of regionFields) await this.ensureProvinces(`SELECT DISTINCT left(${rawCol(i)}, 2) AS p FROM ${raw} WHERE ${rawCol(i)} IS NOT NULL`);
    const joins: string[] = [];
    const sel: string[] = [];
    const oks: string[] = [];
    const names = fields.map((f) => quoteIdent(f.name));
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
    const chk = `chk_${k}`;
    temps.push(chk);
    // values once per cell (inner), then the checks over them
    await this.run(
      `CREATE TEMP TABLE ${chk} AS
       SELECT line, ${names.join(", ")}, coalesce(${oks.join(" AND ")}${rules.map((r) => ` AND (${r})`).join("")}, FALSE) AS fast
       FROM (SELECT line, ${fields.map((_, i) => rawCol(i)).join(", ")}, ${sel.join(", ")} FROM ${raw} ${joins.join(" ")} WHERE nonempty)`,
    );
    const rowsRead = await this.count(`SELECT count(*) AS n FROM ${chk}`);
    if (direct) this.progress.rows(rowsRead + emptyLines);
    if (CRASH_AFTER > 0 && rowsRead >= CRASH_AFTER) process.kill(process.pid, "SIGKILL");

    // 3. the rows the fast path did not take: the contract decides, and words each reject
    const rejSink = new CsvSink(this.staging.file("csv"), [["line", "INTEGER"], ["column_name", "VARCHAR"], ["value", "VARCHAR"], ["reason", "VARCHAR"], ["seq", "INTEGER"]]);
    const slowSink = new CsvSink(this.staging.file("csv"), [["line", "INTEGER"], ...fields.map((f) => [f.name, sqlTypeOf(f.kind)] as [string, string]), ["warn", "VARCHAR"]]);
    const good = `good_${k}`;
    const rejects = `rej_${k}`;
    try {
      const slowCount = await this.count(`SELECT count(*) AS n FROM ${chk} WHERE NOT fast`);
      if (process.env.JIUZHU_DEBUG_SLOW) process.stderr.write(`${name}: ${slowCount} of ${rowsRead} rows through the contract\n`);
      if (slowCount > 0) {
        const result = await wh.connection.stream(
          `SELECT r.line, ${fields.map((_, i) => `r.${rawCol(i)}`).join(", ")} FROM ${raw} r JOIN ${chk} c ON c.line = r.line WHERE NOT c.fast ORDER BY r.line`,
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
          const decoded = rows.map((r) => r.slice(1).map((c) => untagCell(c as string | null)));
          if (regionCols.length) await this.regions.prefetch(decoded.flatMap((d) => regionCols.map((i) => d[i])));
          for (let r = 0; r < rows.length; r++) {
            const line = Number(rows[r]![0]);
            const d = decoded[r]!;
            for (let i = 0; i < nf; i++) cells[i] = d[i];
            rowWarnings.length = 0;
            const issues = validateCells(contract, cells, out, warnRow);
            if (issues.length > 0) {
              for (const is of issues) {
                const v = is.field >= 0 ? cellText(cells[is.field]) : null;
                rejSink.push([line, columnLabel(is.field), v === null ? null : v.length > 500 ? `${v.slice(0, 500)}…` : v, is.reason, seqNo++]);
              }
              continue;
            }
            slowSink.push([line, ...out, rowWarnings.length ? rowWarnings.map(([c, m]) => `${c}\u0002${m}`).join("\u0003") : null]);
          }
        }
      }
      slowSink.finish();
      rejSink.finish();
      const slowRead = slowSink.readSql();
      temps.push(good);
      await this.run(
        `CREATE TEMP TABLE ${good} AS SELECT line, ${names.join(", ")}, CAST(NULL AS VARCHAR) AS warn FROM ${chk} WHERE fast` +
          (slowRead ? ` UNION ALL BY NAME SELECT * FROM ${slowRead}` : ""),
      );
      const rejRead = rejSink.readSql();
      temps.push(rejects);
      await this.run(`CREATE TEMP TABLE ${rejects} (line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR, seq INTEGER)`);
      if (rejRead) await this.run(`INSERT INTO ${rejects} SELECT * FROM ${rejRead}`);
    } finally {
      slowSink.dispose();
      rejSink.dispose();
    }

    // 4. rows against the delivery, in order: period, county, duplicate keys (events), then roster households
    const periodIdx = def.cadence === "monthly" ? fieldIdx(def.periodField) : def.cadence === "yearly" ? fieldIdx("year") : -1;
    const P = periodIdx < 0 ? null : fields[periodIdx]!.kind === "int" ? `CAST(${names[periodIdx]} AS VARCHAR)` : names[periodIdx]!;
    let expectedPeriod: string | null =
      def.cadence === "monthly" || def.cadence === "events" ? (nameInfo.month ?? null) : def.cadence === "yearly" ? (nameInfo.year ?? null) : null;
    const periodFromName = expectedPeriod !== null;
    if (P && expectedPeriod === null) {
      const first = await this.query<{ p: string | null }>(`SELECT ${P} AS p FROM ${good} ORDER BY line LIMIT 1`);
      expectedPeriod = first[0]?.p ?? null;
    }
    const expectedCounty = nameInfo.county ?? null;
    const countyIdx = fieldIdx(def.countyField);
    const C = countyIdx >= 0 ? names[countyIdx]! : null;
    const cty = C ? `CASE WHEN length(${C}) >= 6 THEN left(${C}, 6) END` : "CAST(NULL AS VARCHAR)";
    const keyIdx = (def.key ?? []).map((kk) => fieldIdx(kk));
    const events = def.cadence === "events" && keyIdx.length > 0;
    const x = `x_${k}`;
    temps.push(x);
    const periodBad = P && expectedPeriod !== null ? `${P} IS DISTINCT FROM ${quoteLiteral(expectedPeriod)}` : "FALSE";
    const countyBad = C && expectedCounty !== null ? `${cty} IS NOT NULL AND ${cty} <> ${quoteLiteral(expectedCounty)}` : "FALSE";
    await this.run(
      `CREATE TEMP TABLE ${x} AS
       SELECT *, CASE WHEN stage = 0 THEN min(line) OVER w END AS first_line, CASE WHEN stage = 0 THEN row_number() OVER w ELSE 1 END AS rn
       FROM (SELECT g.*, ${cty} AS cty, CASE WHEN ${periodBad} THEN 1 WHEN ${countyBad} THEN 2 ELSE 0 END AS stage FROM ${good} g)
       WINDOW w AS (PARTITION BY stage = 0${events ? `, ${keyIdx.map((i) => names[i]).join(", ")}, coalesce(cty, '')` : ", line"} ORDER BY line)`,
    );
    const rawOf = (i: number) => `(SELECT ${rejectValueSql(`r.${rawCol(i)}`)})`;
    const crossRejects: string[] = [];
    if (periodBad !== "FALSE") {
      const suffix = periodFromName ? " (file name)" : " (first row)";
      crossRejects.push(
        `SELECT x.line, ${quoteLiteral(columnLabel(periodIdx) ?? "")}, ${rawOf(periodIdx)}, 'period ' || ${P} || ${quoteLiteral(` differs from the delivery's ${expectedPeriod}${suffix}`)}
         FROM ${x} x JOIN ${raw} r ON r.line = x.line WHERE x.stage = 1`,
      );
    }
    if (countyBad !== "FALSE") {
      crossRejects.push(
        `SELECT x.line, ${quoteLiteral(columnLabel(countyIdx) ?? "")}, ${rawOf(countyIdx)}, 'region ' || x.${C} || ${quoteLiteral(` is outside the delivery's county ${expectedCounty} (file name)`)}
         FROM ${x} x JOIN ${raw} r ON r.line = x.line WHERE x.stage = 2`,
      );
    }
    if (events) {
      const keyText = keyIdx.map((i) => `CAST(x.${names[i]} AS VARCHAR)`).join(" || '+' || ");
      crossRejects.push(
        `SELECT x.line, ${quoteLiteral(columnLabel(keyIdx[0]!) ?? "")}, ${rawOf(keyIdx[0]!)}, ${quoteLiteral(`duplicate ${def.key!.join("+")} `)} || ${keyText} || ' (also on line ' || x.first_line || ')'
         FROM ${x} x JOIN ${raw} r ON r.line = x.line WHERE x.stage = 0 AND x.rn > 1`,
      );
    }
    let s = 1_000_000_000;
    for (const q of crossRejects) {
      await this.run(`INSERT INTO ${rejects} SELECT *, ${s} FROM (${q})`);
      s += 1;
    }
    const accepted = `${x} WHERE stage = 0 AND rn = 1`;

    // counties, the latest event month and the contract's warnings, of the rows that passed so far
    const counties = (await this.query<{ c: string }>(`SELECT DISTINCT cty AS c FROM ${accepted} AND cty IS NOT NULL`)).map((r) => r.c);
    const eventIdx = fieldIdx(def.eventDateField);
    const maxEventMonth =
      eventIdx >= 0 ? ((await this.query<{ m: string | null }>(`SELECT strftime(max(${names[eventIdx]}), '%Y-%m') AS m FROM ${accepted}`))[0]?.m ?? null) : null;
    for (const w of await this.query<{ line: number; warn: string }>(`SELECT line, warn FROM ${accepted} AND warn IS NOT NULL ORDER BY line`)) {
      for (const part of w.warn.split("\u0003")) {
        const [code, message] = part.split("\u0002");
        warnings.add(code!, message!, `line ${w.line}`);
      }
    }

    // roster households whose rows disagree on household-level fields: rejected whole
    let householdBad = "";
    if (type === "roster") {
      const hf = HOUSEHOLD_FIELDS.map((f) => quoteIdent(f));
      const hb = `hb_${k}`;
      temps.push(hb);
      await this.run(
        `CREATE TEMP TABLE ${hb} AS
         WITH a AS (
           SELECT line, household_id AS hh, left(region_code, 6) AS hcty, ${hf.map((f, i) => `${f} AS v${i}, first_value(${f}) OVER w AS a${i}`).join(", ")}
           FROM ${accepted}
           WINDOW w AS (PARTITION BY household_id, left(region_code, 6) ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
         d AS (SELECT *, CASE ${hf.map((_, i) => `WHEN v${i} IS DISTINCT FROM a${i} THEN ${i}`).join(" ")} END AS dk FROM a),
         b AS (SELECT *, arg_min(dk, line) FILTER (WHERE dk IS NOT NULL) OVER (PARTITION BY hh, hcty) AS bad FROM d)
         SELECT line, hh, bad, CASE bad ${hf.map((_, i) => `WHEN ${i} THEN CAST(v${i} AS VARCHAR)`).join(" ")} END AS value FROM b WHERE bad IS NOT NULL`,
      );
      const labels = HOUSEHOLD_FIELDS.map((f) => quoteLiteral(columnLabel(fieldIdx(f)) ?? f));
      const fieldNames = HOUSEHOLD_FIELDS.map((f) => quoteLiteral(f));
      await this.run(
        `INSERT INTO ${rejects}
         SELECT line, list_extract([${labels.join(", ")}], bad + 1), coalesce(value, 'null'),
           'household ' || hh || ' rows disagree on ' || list_extract([${fieldNames.join(", ")}], bad + 1) || ': the household is rejected whole', 2000000000
         FROM ${hb}`,
      );
      householdBad = ` AND line NOT IN (SELECT line FROM ${hb})`;
    }
    const final = `final_${k}`;
    temps.push(final);
    await this.run(`CREATE TEMP TABLE ${final} AS SELECT * FROM ${accepted}${householdBad}`);
    const rowsLoaded = await this.count(`SELECT count(*) AS n FROM ${final}`);
    const rowsRejected = await this.count(`SELECT count(DISTINCT line) AS n FROM ${rejects}`);
    const tChecked = performance.now();
    if (rowsRead !== rowsLoaded + rowsRejected) {
      throw new Error(`counts do not balance (read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected})`);
    }

    if (emptyLines > 0) warnings.plain.push(`${emptyLines} empty line(s) skipped`);
    // the delivery: county and period
    const deliveryCounty =
      expectedCounty ?? (def.cadence === "monthly" || def.cadence === "events" ? (counties.length === 1 ? counties[0]! : null) : null);
    if (expectedCounty === null && counties.length > 1 && (def.cadence === "monthly" || def.cadence === "events")) {
      warnings.plain.push(`rows span ${counties.length} counties: one delivery keyed on its file name`);
    }
    let period = expectedPeriod;
    if (period === null && def.cadence === "events") {
      period = maxEventMonth;
      if (period) warnings.plain.push(`period ${period} taken from the latest ${def.eventDateField} (no month in the file name)`);
    }
    if (period === null && (def.cadence === "monthly" || def.cadence === "events" || def.cadence === "yearly")) {
      warnings.plain.push("no period: none in the file name and no valid row");
    }
    if (rowsLoaded === 0 && rowsRead > 0) warnings.plain.push("every row rejected");
    if (rowsRead === 0) warnings.plain.push("no data rows");
    const multiCounty = deliveryCounty === null && (def.cadence === "monthly" || def.cadence === "events");

    // the raw tables are no longer needed: only final and rejects wait for the commit
    const keep = new Set([final, rejects]);
    await this.dropAll(temps.filter((t) => !keep.has(t)));
    return new Staged(
      {
        name,
        hash: job.hash,
        format: job.format,
        encoding: job.format === "csv" ? encoding : source.encoding,
        def,
        receivedAt: job.receivedAt,
        warnings,
        county: deliveryCounty,
        period,
        multiCountyKey: multiCounty ? name : null,
        final,
        rejects,
        temps: [final, rejects],
        phases: { hash: job.hashSeconds, parse: (tRead - tStart) / 1000, checks: (tChecked - tRead) / 1000 },
        seconds: 0,
      },
      rowsRead,
      rowsLoaded,
      rowsRejected,
    );
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
    const prefixes = (await this.wh.query<{ p: string | null }>(sql)).map((r) => r.p).filter((p): p is string => !!p && /^\d{2}$/.test(p) && !this.provinces.has(p));
    for (const p of prefixes) {
      this.provinces.add(p);
      await this.wh.run("INSERT INTO rc_codes SELECT code FROM dim_region WHERE province_code = $p", { p });
    }
  }

  /** Load a batch of staged files in one transaction: each file's rows, rejects and lineage row together. */
  async commit(batch: Staged[]): Promise<FileResult[]> {
    const firstId = this.nextId;
    const t0 = performance.now();
    try {
      const out = await this.commitTogether(batch);
      const seconds = (performance.now() - t0) / 1000;
      const rows = batch.reduce((a, s) => a + s.rowsRead + 1, 0);
      // the commit's time shared by rows
      for (let i = 0; i < out.length; i++) {
        const share = (seconds * (batch[i]!.rowsRead + 1)) / rows;
        out[i]!.seconds = batch[i]!.job.seconds + share;
        if (out[i]!.phases) out[i]!.phases!.commit = share;
      }
      return out;
    } catch (error) {
      this.nextId = firstId;
      if (batch.length === 1) {
        const s = batch[0]!;
        await this.finish(s);
        const r = refusedResult(s.job.name, `load failed, nothing kept: ${(error as Error).message.split("\n")[0]}`);
        return [r];
      }
      // one of them failed: each on its own, so the others still land
      const out: FileResult[] = [];
      for (const s of batch) out.push(...(await this.commit([s])));
      return out;
    }
  }

  private async finish(s: Staged): Promise<void> {
    this.pending.remove(s.job.hash, s.job.name);
    await this.dropAll([...s.job.temps]);
  }

  private async commitTogether(batch: Staged[]): Promise<FileResult[]> {
    const wh = this.wh;
    const results: FileResult[] = [];
    let committed = false;
    await wh.run("BEGIN TRANSACTION");
    try {
      let id = this.nextId;
      for (const s of batch) {
        const j = s.job;
        const deliveryId = id++;
        const type = j.def.type;
        const tIns = performance.now();
        const fields = j.def.fields;
        const fieldNames = fields.map((f) => f.name);
        const rc = fieldNames.includes("region_code")
          ? "region_code"
          : j.def.countyField
            ? j.def.countyField
            : type === "regions"
              ? "code"
              : null;
        const rcq = rc ? quoteIdent(rc) : "CAST(NULL AS VARCHAR)";
        // lineage columns after the fields, unless a field already has the name (county_code of funds, standards…)
        const lineage: [string, string][] = (
          [
            ["line", "line"],
            ["county_code", `CASE WHEN length(${rcq}) >= 6 THEN left(${rcq}, 6) END`],
            ["city_code", `CASE WHEN length(${rcq}) >= 4 THEN left(${rcq}, 4) END`],
          ] as [string, string][]
        ).filter(([n]) => !fieldNames.includes(n));
        const targets = ["delivery_id", ...fieldNames, ...lineage.map(([n]) => n)].map(quoteIdent).join(", ");
        const ins = await wh.query<{ Count: bigint }>(
          `INSERT INTO ${quoteIdent(stagingTable(type))} (${targets})
           SELECT ${deliveryId}, ${fieldNames.map(quoteIdent).join(", ")}, ${lineage.map(([, e]) => e).join(", ")}
           FROM ${j.final} ORDER BY line`,
        );
        const inserted = Number(ins[0]?.Count ?? 0);
        if (CRASH_STAGED) process.kill(process.pid, "SIGKILL");
        const rej = await wh.query<{ Count: bigint }>(
          `INSERT INTO meta_reject SELECT ${deliveryId}, ${quoteLiteral(j.name)}, line, column_name, value, reason FROM ${j.rejects} ORDER BY seq >= 2000000000, line, seq`,
        );
        const rejectLines = Number(rej[0]?.Count ?? 0);
        const tInserted = performance.now();
        await wh.run(
          `INSERT INTO meta_delivery VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?, ?, 'current', NULL, ?)`,
          [
            deliveryId,
            j.name,
            j.hash,
            type,
            j.county,
            j.period,
            j.format,
            j.encoding,
            toChinaTimestamp(j.receivedAt),
            toChinaTimestamp(new Date()),
            s.rowsRead,
            s.rowsLoaded,
            s.rowsRejected,
            j.warnings.list().join("\n") || null,
          ],
        );
        const superseded = await this.supersede(deliveryId, type, j.county, j.period, j.multiCountyKey);
        if (inserted !== s.rowsLoaded || s.rowsRead !== s.rowsLoaded + s.rowsRejected || rejectLines < s.rowsRejected) {
          throw new Error(`counts do not balance (read ${s.rowsRead}, loaded ${s.rowsLoaded} of ${inserted} inserted, rejected ${s.rowsRejected})`);
        }
        results.push({
          file: j.name,
          status: "loaded",
          deliveryId,
          type,
          county: j.county,
          period: j.period,
          format: j.format,
          encoding: j.encoding,
          rowsRead: s.rowsRead,
          rowsLoaded: s.rowsLoaded,
          rowsRejected: s.rowsRejected,
          warnings: j.warnings.list(),
          superseded,
          seconds: 0,
          phases: { hash: j.phases.hash, parse: j.phases.parse, checks: j.phases.checks, insert: (performance.now() - tIns) / 1000, commit: 0 },
        });
        void tInserted;
      }
      await wh.run("COMMIT");
      committed = true;
      this.nextId = id;
    } finally {
      if (!committed) await wh.run("ROLLBACK").catch(() => undefined);
    }
    for (const s of batch) {
      const r = results.find((x) => x.file === s.job.name && x.deliveryId !== undefined);
      this.known.add(s.job.hash, { id: r?.deliveryId, file: s.job.name, type: s.job.def.type, county: s.job.county, period: s.job.period });
      await this.finish(s);
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
