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
import { open as openFile } from "node:fs/promises";
import { createReadStream, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { Warehouse, quoteIdent, quoteLiteral } from "./db.js";
import { extractDef, type ExtractDef, type ExtractType, type FieldDef } from "./contracts/dictionary.js";
import { sqlTypeOf } from "./contracts/sql.js";
import { compileContract, validateCells, HOUSEHOLD_FIELDS, type CompiledContract } from "./contracts/contracts.js";
import { cellText, toHalfWidth, validYmd, type Canonical, type Cell, type RegionLookup } from "./contracts/normalise.js";
import { assertExtractType, mapHeader, parseFileName, sheetNamesExtract, typeFromFileName, typeFromHeader } from "./detect.js";
import { acquireLock } from "./lock.js";
import { ensureWarehouseSchema, stagingTable } from "./schema.js";
import { CsvSink, StagingDir } from "./staging.js";
import { openCsv, sniffDelimiterOf } from "./readers/csv.js";
import { ByteScan, GroupFile, LineNumberer, cleanedText, encodingByLine, hashAndScanCsv, peekCsvHeader } from "./readers/csvscan.js";
import { openXlsx } from "./readers/xlsx.js";
import { openParquet, parquetCellSql } from "./readers/parquet.js";
import { FileRefused, forPeople, type Format, type Source } from "./readers/source.js";
import { createProgress, printable, type Progress } from "./progress.js";
import { BadBytes, LongCell, MAX_CELL, ROW_RULES_SQL, WS, fastField, rejectValueSql, tagCell, untagCell } from "./setbased.js";


export { ensureWarehouseSchema } from "./schema.js";

/** How a warning of a re-delivery that empties or halves the data it replaces begins (the quality page looks for it). */
export const SHRINK = "re-delivery shrinks the data";

/** Column of the batch's working table holding the raw cells of a row the fast path did not take. */
const RAW_COLUMN = "_raw";
export { FileRefused } from "./readers/source.js";

export interface IngestOptions {
  /** Extract type of every file (else from the file name, else from the header). */
  type?: string;
  /** Delivery time of every file (else each file's modification time). */
  receivedAt?: Date | string;
  /** Show progress on stderr: a bar on a terminal, plain lines otherwise. */
  progress?: boolean;
  /** With progress: also a line for each file that needs attention (refused, rows rejected, warnings). Default true. */
  fileLines?: boolean;
  /** Lock wait limit in ms. */
  lockTimeoutMs?: number;
  /** A re-delivery with far fewer rows than the one it replaces is intended: no warning. */
  expectShrink?: boolean;
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
  /**
   * Where the time went (s): hash (and byte scan), parse (JavaScript: header, group file,
   * readers), then the file's share of its batch: checks (DuckDB reads and checks every cell),
   * contract (the rows the fast path left to JavaScript), rules (period, county, keys,
   * households), insert (into the staging table, lineage), commit.
   */
  phases?: { hash: number; parse: number; checks: number; contract: number; rules: number; insert: number; commit: number };
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
const BATCH_FILES = Number(process.env.JIUZHU_INGEST_BATCH_FILES ?? 512);
const FIRST_BATCH_ROWS = 50_000;
/** Rejected rows past which a file is refused as not the extract it claims to be. */
const MAX_REJECTED_ROWS = Number(process.env.JIUZHU_MAX_REJECTED_ROWS ?? 10_000);

/**
 * Ingest files and folders into the warehouse at `dbPath`. Never throws for a
 * bad file (it is refused and listed); throws only when the warehouse cannot
 * be opened or locked.
 */
export async function ingestPaths(dbPath: string, paths: string[], options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const forcedType = options.type ? assertExtractType(options.type) : undefined;
  if (options.receivedAt !== undefined) options = { ...options, receivedAt: parseReceivedAt(options.receivedAt) };
  const progress = createProgress(options.progress ?? false, process.stderr, options.fileLines ?? true);
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
      if (process.env.JIUZHU_PIO) await wh.run("SET preserve_insertion_order = false");
      await wh.run(`SET temp_directory = ${quoteLiteral(join(staging.path, "duckdb"))}`);
      regions = await RegionCodes.load(wh);
      const ctx = new IngestContext(wh, regions, progress, staging, options.expectShrink ?? false);
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
      // DuckDB loads one batch while JavaScript reads the files of the next
      let inflight: Promise<void> | null = null;
      let failure: unknown = null;
      const settle = async () => {
        if (inflight) await inflight;
        inflight = null;
        if (failure !== null) throw failure;
      };
      const flush = async () => {
        if (batch.length === 0) return;
        await settle();
        const mine = batch;
        batch = [];
        batchRows = 0;
        inflight = ctx.loadBatch(mine.map((x) => x.job)).then(
          (done) =>
            done.forEach((r, i) => {
              slots[mine[i]!.at] = r;
              progress.fileDone(r);
            }),
          (error: unknown) => {
            failure = error;
          },
        );
      };
      for (const [at, item] of items.entries()) {
        if (typeof item !== "string") {
          slots[at] = item;
          progress.fileDone(item, 0);
          continue;
        }
        progress.fileStart(basename(item));
        const prepared = await ctx.prepareFile(item, forcedType, options.receivedAt);
        progress.fileRead(sizes[at] ?? 0);
        if (prepared instanceof FileJob) {
          if (batch.length > 0 && batch[0]!.job.def.type !== prepared.def.type) await flush();
          batch.push({ job: prepared, at });
          batchRows += prepared.rowsSeen;
          // the first batch small, so DuckDB starts while the rest is read
          const limit = inflight === null && slots.every((x) => x === null || x.status !== "loaded") ? Math.min(BATCH_ROWS, FIRST_BATCH_ROWS) : BATCH_ROWS;
          if (batchRows >= limit || batch.length >= BATCH_FILES) await flush();
        } else {
          slots[at] = prepared;
          progress.fileDone(prepared);
        }
      }
      await flush();
      await settle();
      results.push(...slots.filter((r): r is FileResult => r !== null));
      if (results.some((r) => r.status === "loaded")) {
        const tc = performance.now();
        await wh.run("CHECKPOINT");
        if (DEBUG_SQL) process.stderr.write(`${(performance.now() - tc).toFixed(0)} ms: CHECKPOINT\n`);
      }
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

/**
 * A file that is not UTF-8 decoded by streaming into its header layout's group
 * file, its text scanned on the way; taken back out of the group file when the
 * text is not plain (quotes, mixed line ends…). The WHATWG decoder in streaming
 * mode (what TextDecoderStream wraps), fed 1 MB chunks read from the file: a
 * character split across two chunks is completed by the next, memory stays at a
 * chunk, and a small file costs no stream machinery (it was most of the time of
 * the demo's 4,000 small GB18030 files).
 */
async function decodeIntoGroup(path: string, encoding: string, group: GroupFile, fileId: number): Promise<{ plain: boolean; dataLines: number }> {
  const scan = new ByteScan();
  const numberer = new LineNumberer(fileId, group.delimiter);
  const encoder = new TextEncoder();
  const at = group.size;
  const decoder = new TextDecoder(encoding);
  const fh = await openFile(path, "r");
  try {
    const chunk = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      const text = bytesRead > 0 ? decoder.decode(chunk.subarray(0, bytesRead), { stream: true }) : decoder.decode();
      if (text.length > 0) {
        const bytes = encoder.encode(text);
        scan.push(bytes);
        group.write(numberer.transform(bytes));
      }
      if (bytesRead === 0) break;
    }
  } finally {
    await fh.close();
  }
  group.write(numberer.finish());
  const dataLines = Math.max(0, scan.lines() - 1);
  if (!scan.plain() || numberer.lines !== dataLines) {
    group.truncate(at);
    return { plain: false, dataLines };
  }
  group.files.set(fileId, dataLines);
  return { plain: true, dataLines };
}

/** A CSV whose header is all JavaScript reads of it: DuckDB reads the rest. */
function headerOnly(header: string[], delimiter: string, encoding: string): Source {
  return {
    format: "csv",
    encoding,
    header,
    headerLine: 1,
    delimiter,
    // eslint-disable-next-line require-yield
    async *batches() {
      throw new Error("internal: rows of a plain CSV are read by DuckDB");
    },
    bytesRead: () => 0,
    close: () => undefined,
  };
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
    readonly direct: { group: GroupFile; dataLines: number } | null,
    /** Rows the reader skipped as empty (all cells blank). */
    readonly emptyLines: number,
    readonly rowsSeen: number,
    readonly phases: { hash: number; parse: number },
    public seconds: number,
  ) {}

  /** Parquet: the SELECT of (line, f0 … f<n-1>) DuckDB reads the file with. */
  parquetRead: string | null = null;
}

/** Column names of the raw table: `f<i>` holds field i's cell as text (tagged for typed formats). */
const rawCol = (i: number) => `f${i}`;

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
  /** Group files of the batch being read, by type and header layout. */
  private groups = new Map<string, GroupFile>();

  constructor(
    private readonly wh: Warehouse,
    private readonly regions: RegionCodes,
    private readonly progress: Progress,
    private readonly staging: StagingDir,
    private readonly expectShrink: boolean,
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

  private groupFor(type: ExtractType, header: string[], delimiter: string): GroupFile {
    const key = JSON.stringify([type, header, delimiter]);
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = new GroupFile(this.staging.file("csv"), header, delimiter)));
    return g;
  }

  /** Close the group files the given jobs were written to (their batch reads them now). */
  private closeGroups(jobs: FileJob[]): void {
    for (const j of jobs) j.direct?.group.close();
    for (const [key, g] of this.groups) if (jobs.some((j) => j.direct?.group === g)) this.groups.delete(key);
  }

  /** Seconds of the last batch's steps (spread over its files by rows). */
  private batchPhases = { checks: 0, contract: 0, rules: 0, insert: 0 };

  /** The delivery date of the row the contract is checking. */
  private asOf: string | null = null;

  private contract(type: ExtractType): CompiledContract {
    let c = this.contracts.get(type);
    if (!c) this.contracts.set(type, (c = compileContract(type, { regions: this.regions, asOf: () => this.asOf })));
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
      const reason = error instanceof FileRefused ? error.reason : `load failed, nothing kept: ${forPeople(error)}`;
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
    const pre = format === "csv" ? hashAndScanCsv(path, name) : null;
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
    let mixed: { path: string; encoding: string; offending: number } | null = null;
    let peeked = false;
    // a plain UTF-8 CSV: only its header is read here
    const plainUtf8 = format === "csv" && pre!.scan !== null && pre!.scan.plain();
    if (plainUtf8) {
      const h = peekCsvHeader(path, name);
      source = headerOnly(h.header, h.delimiter, pre!.encoding);
    } else if (format === "csv") {
      // lines in two encodings: a cleaned UTF-8 copy, the other encoding's cells marked, read by the CSV reader
      mixed = pre!.encoding === "mixed" || pre!.encoding === "gb18030" ? this.sortEncodings(path, name, pre!.encoding) : null;
      // a GB18030 file (no byte-order mark) is decoded into its group file below: only its header is read here
      if (!mixed && pre!.encoding === "gb18030" && pre!.scan === null && !pre!.gb18030Mark) {
        const h = peekCsvHeader(path, name, "gb18030");
        source = headerOnly(h.header, h.delimiter, "gb18030");
        peeked = true;
      } else source = await openCsv(mixed?.path ?? path, name);
    } else if (format === "xlsx") source = await openXlsx(path, name, (sheet) => sheetNamesExtract(sheet, typeHint));
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
        // no column known at all: most likely not text in UTF-8 or GB18030, or not this extract
        if (map.columnOf.every((c) => c < 0)) {
          const garbled = source.header.some((h) => /[\uFFFD\u0000-\u0008]/.test(h));
          throw new FileRefused(
            name,
            garbled
              ? `the header is not readable text (${format === "csv" ? `read as ${source.encoding ?? "UTF-8"}` : "garbled"}): save the file as UTF-8 or GB18030 CSV, or as XLSX`
              : `none of the ${source.header.length} header column(s) is a column of ${type} (${def.label}): is this another extract? expected ${map.missing.slice(0, 5).join(", ")}${map.missing.length > 5 ? ", …" : ""}`,
          );
        }
        throw new FileRefused(name, `${type} file without required column(s): ${map.missing.join(", ")}`);
      }
      const warnings = new Warnings();
      if (map.unknown.length) warnings.plain.push(`unknown column(s) not loaded: ${someOf(map.unknown)}`);
      if (map.duplicates.length) warnings.plain.push(`duplicate column(s) ignored (the first is used): ${someOf(map.duplicates)}`);
      if (forcedType && nameInfo.type && nameInfo.type !== forcedType) {
        warnings.plain.push(`file name says ${nameInfo.type}, loaded as ${forcedType} (--type)`);
      }
      const receivedAt = receivedAtOpt !== undefined ? new Date(receivedAtOpt) : stat.mtime;
      if (Number.isNaN(receivedAt.getTime())) throw new Error(`invalid delivery time ${String(receivedAtOpt)}`);
      const fid = ++this.fid;
      let encoding = mixed?.encoding ?? source.encoding;
      let direct: FileJob["direct"] = null;
      const delimiter = source.delimiter ?? ",";
      if (mixed) warnings.plain.push(`${mixed.offending} line(s) not in ${mixed.encoding.toUpperCase()}, the file's encoding: their cells in another encoding rejected`);
      if (format === "csv" && !mixed && source.header.length <= 4096) {
        if (plainUtf8) {
          const scan = pre!.scan!;
          const group = this.groupFor(type, source.header, delimiter);
          const lines = group.appendUtf8(path, fid);
          encoding = pre!.encoding;
          direct = { group, dataLines: Math.max(0, scan.lines() - 1) };
          if (lines !== direct.dataLines) throw new Error(`internal: ${lines} lines numbered, ${direct.dataLines} scanned`);
        } else if (pre!.scan === null) {
          const group = this.groupFor(type, source.header, delimiter);
          const r = await decodeIntoGroup(path, pre!.encoding, group, fid);
          encoding = pre!.encoding;
          if (r.plain) direct = { group, dataLines: r.dataLines };
        }
      }
      let rawFile: string | null = null;
      let emptyLines = 0;
      let rowsSeen = direct?.dataLines ?? 0;
      // Parquet: DuckDB reads the file itself, each column turned into the text cell the checks read
      let parquetRead: string | null = null;
      if (source.parquet) {
        const pq = source.parquet;
        const cells = def.fields.map((f, i) => {
          const col = map.columnOf[i]!;
          const e = col >= 0 ? parquetCellSql(source.header[col]!, pq.types[col]!) : "CAST(NULL AS VARCHAR)";
          if (e !== null) return `${e} AS ${rawCol(i)}`;
          const why = `column ${source.header[col]} holds ${pq.types[col]} values, not text, numbers or dates`;
          if (f.required) throw new FileRefused(name, `${why}: ${type} needs it`);
          warnings.plain.push(`${why}: not loaded`);
          return `CAST(NULL AS VARCHAR) AS ${rawCol(i)}`;
        });
        parquetRead = `SELECT CAST(file_row_number + 2 AS INTEGER) AS line, ${cells.join(", ")} FROM read_parquet(${quoteLiteral(pq.path)})`;
        rowsSeen = pq.rows;
      }
      if (!direct && !parquetRead) {
        if (peeked) {
          // not plain text after all (quotes, mixed line ends…): the CSV reader reads its rows
          source.close();
          source = await openCsv(path, name);
        }
        const r = await this.readRows(fid, source, def, map.columnOf);
        rawFile = r.file;
        emptyLines = r.emptyLines;
        rowsSeen = r.rows;
      }
      this.pending.add(hash, pendingContent(name));
      const job = new FileJob(fid, name, path, hash, format, encoding, def, source.header, map.columnOf, nameInfo, warnings, receivedAt, rawFile, direct, emptyLines, rowsSeen, {
        hash: hashSeconds,
        parse: (performance.now() - tRead) / 1000,
      }, 0);
      job.parquetRead = parquetRead;
      return job;
    } finally {
      source.close();
    }
  }

  /**
   * A CSV whose lines are not all in one encoding (or a GB18030 file holding UTF-8
   * lines): a cleaned UTF-8 copy in the staging folder, the cells of the other
   * encoding marked so their rows are rejected, never stored as mojibake. Null when
   * the lines agree; a mixed file too large to hold in memory is refused.
   */
  private sortEncodings(path: string, name: string, detected: string): { path: string; encoding: string; offending: number } | null {
    if (statSync(path).size > 256 * 1024 * 1024) {
      if (detected === "mixed") throw new FileRefused(name, "not valid UTF-8 throughout (lines in two encodings?), and too large to sort out line by line");
      return null;
    }
    const bytes = readFileSync(path) as unknown as Uint8Array;
    const by = encodingByLine(bytes);
    if (!by) {
      if (detected === "mixed") throw new FileRefused(name, "not valid UTF-8 text throughout, and not GB18030 either");
      return null;
    }
    const nl = bytes.indexOf(10);
    const head = bytes.subarray(0, nl < 0 ? bytes.length : nl);
    const delimiter = sniffDelimiterOf(new TextDecoder(by.encoding).decode(head));
    const copy = this.staging.file("csv");
    writeFileSync(copy, cleanedText(bytes, by.encoding, by.offending, delimiter), { mode: 0o600, flag: "wx" });
    return { path: copy, encoding: by.encoding, offending: by.offending.size };
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
            if (c != null && c !== "" && !(typeof c === "string" && cellText(c) === null)) {
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

  /**
   * Rows into a table through one JSON parameter: a VALUES list of a batch's 500 files
   * cost DuckDB's parser some 50 ms a statement, the JSON a quarter of that. `columns`
   * are the JSON fields' types in order; `exprs` the selected expressions over `r.cN`
   * (default: every field as it is).
   */
  private async insertRows(table: string, types: string[], rows: (string | number | null)[][], exprs?: string[]): Promise<void> {
    if (rows.length === 0) return;
    const shape = `[{${types.map((t, i) => `"c${i}":"${t}"`).join(",")}}]`;
    const json = JSON.stringify(rows.map((r) => Object.fromEntries(r.map((v, i) => [`c${i}`, typeof v === "string" ? v.replace(LONE_SURROGATE, "\uFFFD") : v]))));
    const select = exprs ?? types.map((_, i) => `r.c${i}`);
    await this.run(`INSERT INTO ${table} SELECT ${select.join(", ")} FROM (SELECT unnest(from_json($rows, ${quoteLiteral(shape)})) AS r)`, { rows: json });
  }

  private async run(sql: string, params?: Record<string, string>): Promise<void> {
    const t = performance.now();
    await this.wh.run(sql, params);
    if (DEBUG_SQL) process.stderr.write(`${(performance.now() - t).toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, process.env.JIUZHU_DEBUG_SQL_FULL ? 100000 : 100)}\n`);
  }

  private async query<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
    const t = performance.now();
    const r = await this.wh.query<T>(sql);
    if (DEBUG_SQL) process.stderr.write(`${(performance.now() - t).toFixed(0)} ms: ${sql.replace(/\s+/g, " ").slice(0, process.env.JIUZHU_DEBUG_SQL_FULL ? 100000 : 100)}\n`);
    return r;
  }

  private async count(sql: string): Promise<number> {
    const r = await this.query<{ n: bigint | number }>(sql);
    return Number(r[0]?.n ?? 0);
  }

  /** Codes of the given provinces (2-digit prefixes, first time seen) into rc_codes. */
  private async ensureProvinceCodes(prefixes: (string | null)[]): Promise<void> {
    for (const p of new Set(prefixes)) {
      if (!p || !/^\d{2}$/.test(p) || this.provinces.has(p)) continue;
      this.provinces.add(p);
      await this.wh.run("INSERT INTO rc_codes SELECT code FROM dim_region WHERE province_code = $p", { p });
    }
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
   * Check and load a batch of files of one extract type in one transaction:
   * their cells read and checked set-based straight into the staging table (the
   * rows the fast path does not take carry their raw cells), those rows through
   * the contract, then the rows against their delivery (period, county,
   * duplicate keys, households), each file's rejects and lineage row. A batch
   * that fails is loaded again file by file, so one bad file does not keep the
   * others out.
   */
  async loadBatch(jobs: FileJob[]): Promise<FileResult[]> {
    const temps: string[] = [];
    const t0 = performance.now();
    let open = false;
    this.closeGroups(jobs);
    try {
      await this.wh.run("BEGIN TRANSACTION");
      open = true;
      const results = await this.loadInTransaction(jobs, temps);
      const tCommit = performance.now();
      await this.wh.run("COMMIT");
      if (DEBUG_SQL) process.stderr.write(`${(performance.now() - tCommit).toFixed(0)} ms: COMMIT (batch of ${jobs.length} ${jobs[0]!.def.type})\n`);
      open = false;
      this.nextId += jobs.length;
      for (const r of results) {
        const j = jobs.find((x) => x.name === r.file)!;
        this.known.add(j.hash, { id: r.deliveryId, file: j.name, type: j.def.type, county: r.county ?? null, period: r.period ?? null });
      }
      const tDone = performance.now();
      const rows = jobs.reduce((a, j) => a + j.rowsSeen + 1, 0);
      for (let i = 0; i < jobs.length; i++) {
        const share = (jobs[i]!.rowsSeen + 1) / rows;
        const r = results[i]!;
        const bp = this.batchPhases;
        r.phases = {
          hash: jobs[i]!.phases.hash,
          parse: jobs[i]!.phases.parse,
          checks: bp.checks * share,
          contract: bp.contract * share,
          rules: bp.rules * share,
          insert: bp.insert * share,
          commit: ((tDone - tCommit) / 1000) * share,
        };
        r.seconds = jobs[i]!.seconds + ((tDone - t0) / 1000) * share;
      }
      for (const j of jobs) this.finishJob(j);
      return results;
    } catch (error) {
      if (DEBUG_SQL) process.stderr.write(`batch of ${jobs.length} ${jobs[0]!.def.type} failed: ${(error as Error).message}\n`);
      if (open) await this.wh.run("ROLLBACK").catch(() => undefined);
      await this.dropAll(temps);
      temps.length = 0;
      if (jobs.length > 1) {
        const out: FileResult[] = [];
        for (const j of jobs) out.push(...(await this.loadBatch([j])));
        return out;
      }
      const j = jobs[0]!;
      this.finishJob(j);
      const reason = error instanceof FileRefused ? error.reason : `load failed, nothing kept: ${forPeople(error)}`;
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

  private async loadInTransaction(jobs: FileJob[], temps: string[]): Promise<FileResult[]> {
    const tStart = performance.now();
    const def = jobs[0]!.def;
    const type = def.type;
    const contract = this.contract(type);
    const fields = contract.fields;
    const nf = fields.length;
    const b = ++this.bseq;
    const names = fields.map((f) => quoteIdent(f.name));
    const fieldNames = fields.map((f) => f.name);
    const fieldIdx = (n: string | undefined) => (n ? fields.findIndex((f) => f.name === n) : -1);
    const labelOf = (j: FileJob, fieldIndex: number): string | null => {
      if (fieldIndex < 0) return null;
      const col = j.map[fieldIndex] ?? -1;
      return col >= 0 ? j.header[col]! : fields[fieldIndex]!.name;
    };
    const firstId = this.nextId;
    const idOfK = (k: number) => firstId + k;
    const kOfId = (id: number) => id - firstId;
    const jobOfId = (id: number) => jobs[kOfId(id)]!;
    const stg = quoteIdent(stagingTable(type));
    // the batch's rows are checked in a temporary table of the staging table's shape (and the raw
    // cells of rows the fast path did not take); what passes goes to the staging table in one insert
    // at the end: deleting rows from a persistent table within the transaction costs far more
    const work = `work_${b}`;
    temps.push(work);
    const inBatch = `delivery_id BETWEEN ${firstId} AND ${firstId + jobs.length - 1}`;
    const kOfFid = new Map(jobs.map((j, k) => [j.fid, k]));
    const emptyByK = jobs.map((j) => j.emptyLines);
    /** Rows handed to DuckDB per file, and how many of them turned out to be empty lines. */
    const seen = jobs.map((j) => (j.direct ? j.direct.dataLines : j.rowsSeen));
    const blankInDb = jobs.map(() => 0);

    // lineage columns after the fields, unless a field already has the name (county_code of funds, standards…)
    const rc = fieldNames.includes("region_code") ? "region_code" : def.countyField ? def.countyField : type === "regions" ? "code" : null;
    const rcq = rc ? quoteIdent(rc) : "CAST(NULL AS VARCHAR)";
    const lineage = (
      [
        ["county_code", `CASE WHEN length(${rcq}) >= 6 THEN left(${rcq}, 6) END`],
        ["city_code", `CASE WHEN length(${rcq}) >= 4 THEN left(${rcq}, 4) END`],
      ] as [string, string][]
    ).filter(([n]) => !fieldNames.includes(n));
    const targets = ["delivery_id", ...fieldNames, "line", ...lineage.map(([n]) => n), RAW_COLUMN].map(quoteIdent).join(", ");
    await this.run(`CREATE TEMP TABLE ${work} AS SELECT *, CAST(NULL AS VARCHAR[]) AS ${RAW_COLUMN} FROM ${stg} LIMIT 0`);

    // 1. every file's cells read, typed and checked in one statement per source, straight into
    // the staging table; a row the fast path does not take goes in with its raw cells (_raw)
    const periodIdx = def.cadence === "monthly" ? fieldIdx(def.periodField) : def.cadence === "yearly" ? fieldIdx("year") : -1;
    const countyIdx = fieldIdx(def.countyField);
    const keyIdx = (def.key ?? []).map((kk) => fieldIdx(kk));
    const provinceOf = (j: FileJob) => j.nameInfo.county?.slice(0, 2) ?? null;
    // the delivery date of each file (China time): no birth date in an ID number after it
    const asOfOf = jobs.map((j) => toChinaTimestamp(j.receivedAt).slice(0, 10));
    const asOfSql = new Set(asOfOf).size === 1 ? `DATE ${quoteLiteral(asOfOf[0]!)}` : `list_extract([${asOfOf.map((d) => `DATE ${quoteLiteral(d)}`).join(", ")}], _k + 1)`;
    for (const j of jobs) await this.ensureProvinceCodes([provinceOf(j)]);
    const fast = fields.map((f, i) => {
      const c = rawCol(i);
      const region = f.kind === "region" || f.kind === "county" ? { known: `${c}__k` } : undefined;
      const ff = fastField(f, c, region, { asOf: asOfSql });
      if (region) ff.pre.push([`${c}__k`, `CASE WHEN ${c} IN (SELECT code FROM ${f.kind === "region" ? "rc_codes" : "rc_counties"}) THEN 1 END`]);
      return ff;
    });
    const rules = ROW_RULES_SQL[type];
    const blank = (h: string) => `(${h} IS NULL OR regexp_full_match(${h}, ${quoteLiteral(`${WS}*`)}))`;
    // a row that passes every check has a non-blank required cell, so it is not an empty line
    const nonEmpty = fields.some((f) => !f.nullable) ? "" : ` AND NOT (${fields.map((_, i) => blank(rawCol(i))).join(" AND ")})`;
    const fastExpr = `coalesce(${fast.map((ff, i) => ff.ok(names[i]!)).join(" AND ")}${rules.map((r) => ` AND (${r})`).join("")}${nonEmpty}, FALSE)`;
    const idList = `[${jobs.map((_, k) => idOfK(k)).join(", ")}]`;
    /** The loading statement over a source of (_k, _line, f0 … f<n-1>). */
    const insertChecked = (source: string) => `
      INSERT INTO ${work} (${targets})
      SELECT list_extract(${idList}, _k + 1), ${names.join(", ")}, _line, ${lineage.map(([, e]) => e).join(", ")}${lineage.length ? ", " : ""}
        CASE WHEN _fast THEN NULL ELSE [${fields.map((_, i) => rawCol(i)).join(", ")}] END
      FROM (SELECT *, ${fastExpr} AS _fast FROM (
        SELECT _k, _line, ${fields.map((_, i) => rawCol(i)).join(", ")}, ${fast.map((ff, i) => `${ff.value} AS ${names[i]}`).join(", ")} FROM (
          SELECT *${fast.flatMap((ff) => ff.pre.map(([alias, e]) => `, ${e} AS ${alias}`)).join("")} FROM (${source}))))`;

    // every source of the batch in one statement: plain CSVs DuckDB reads itself (one group file per
    // header layout, each line with its file's id and line number), the readers' raw files, Parquet
    const fidList = `[${jobs.map((j) => j.fid).join(", ")}]`;
    const fallback: FileJob[] = [];
    const readOf = new Map<FileJob, string>();
    const sources: string[] = [];
    const regionCols = fields.flatMap((f, i) => (f.kind === "region" ? [rawCol(i)] : []));
    const groupFiles = [...new Set(jobs.flatMap((j) => (j.direct ? [j.direct.group] : [])))];
    for (const group of groupFiles) {
      const cols = [`'_fid': 'INTEGER'`, `'_line': 'INTEGER'`, ...group.header.map((_, i) => `'h${i}': 'VARCHAR'`)].join(", ");
      const read = `read_csv(${quoteLiteral(group.path)}, header = false, auto_detect = false,
          delim = ${quoteLiteral(group.delimiter)}, quote = '', escape = '', new_line = '\\n',
          columns = {${cols}}, null_padding = true, strict_mode = false)`;
      const members = jobs.filter((j) => j.direct?.group === group);
      for (const j of members) readOf.set(j, `(SELECT * FROM ${read} WHERE _fid = ${j.fid})`);
      // a group file may hold files of an earlier try of this batch (now loaded one by one)
      const only = members.length === group.files.size ? "" : ` WHERE _fid IN (${members.map((j) => j.fid).join(", ")})`;
      const map = members[0]!.map;
      sources.push(`SELECT CAST(list_position(${fidList}, _fid) - 1 AS INTEGER) AS _k, _line,
          ${fields.map((_, i) => (map[i]! >= 0 ? `h${map[i]}` : "CAST(NULL AS VARCHAR)") + ` AS ${rawCol(i)}`).join(", ")}
        FROM ${read}${only}`);
      // a file not named for a county may hold codes of any province
      const regionHeads = fields.flatMap((f, i) => (f.kind === "region" && map[i]! >= 0 ? [`h${map[i]}`] : []));
      if (members.some((j) => !j.nameInfo.county) && regionHeads.length) {
        await this.ensureProvinces(`SELECT DISTINCT left(unnest([${regionHeads.join(", ")}]), 2) AS p FROM ${read}`);
      }
    }
    const rawColumns = [`'fid': 'INTEGER'`, `'line': 'INTEGER'`, ...fields.map((_, i) => `'${rawCol(i)}': 'VARCHAR'`)].join(", ");
    const readRaw = (files: string[]) => `read_csv([${files.map(quoteLiteral).join(", ")}], header = false, auto_detect = false,
        delim = ',', quote = '"', escape = '"', new_line = '\\n', max_line_size = 67108864, columns = {${rawColumns}})`;
    const rawSource = async (owners: FileJob[], files: string[]) => {
      if (regionCols.length && owners.some((j) => !j.nameInfo.county)) {
        await this.ensureProvinces(`SELECT DISTINCT left(unnest([${regionCols.join(", ")}]), 2) AS p FROM ${readRaw(files)}`);
      }
      return `SELECT CAST(list_position(${fidList}, fid) - 1 AS INTEGER) AS _k, line AS _line, ${fields.map((_, i) => rawCol(i)).join(", ")} FROM ${readRaw(files)}`;
    };
    const rawJobs = jobs.filter((j) => j.rawFile);
    for (const j of rawJobs) readOf.set(j, readRaw([j.rawFile!]));
    if (rawJobs.length) sources.push(await rawSource(rawJobs, rawJobs.map((j) => j.rawFile!)));
    for (const j of jobs) {
      if (!j.parquetRead) continue;
      const read = `(${j.parquetRead})`;
      readOf.set(j, read);
      if (regionCols.length && !j.nameInfo.county) await this.ensureProvinces(`SELECT DISTINCT left(unnest([${regionCols.join(", ")}]), 2) AS p FROM ${read}`);
      sources.push(`SELECT ${kOfFid.get(j.fid)} AS _k, line AS _line, ${fields.map((_, i) => rawCol(i)).join(", ")} FROM ${read}`);
    }
    if (sources.length) await this.run(insertChecked(sources.join("\n UNION ALL ")));
    // each plain file's rows: as many as its lines, else it is read again by the CSV reader; Parquet's as its metadata says
    if (jobs.some((j) => j.direct || j.parquetRead)) {
      const counts = await this.query<{ id: number; n: bigint }>(`SELECT delivery_id AS id, count(*) AS n FROM ${work} GROUP BY ALL`);
      const got = new Map(counts.map((c) => [Number(c.id), Number(c.n)]));
      for (const [k, j] of jobs.entries()) {
        const n = got.get(idOfK(k)) ?? 0;
        if (j.direct && n !== j.direct.dataLines) fallback.push(j);
        if (j.parquetRead && n !== j.rowsSeen) throw new FileRefused(j.name, `unreadable Parquet: ${j.rowsSeen} rows in its metadata, ${n} read`);
      }
    }
    if (fallback.length) {
      await this.run(`DELETE FROM ${work} WHERE delivery_id IN (${fallback.map((j) => idOfK(kOfFid.get(j.fid)!)).join(", ")})`);
      const files: string[] = [];
      for (const j of fallback) {
        const src = await openCsv(j.path, j.name);
        try {
          const r = await this.readRows(j.fid, src, j.def, j.map);
          readOf.delete(j);
          if (r.file) {
            files.push(r.file);
            readOf.set(j, readRaw([r.file]));
          }
          emptyByK[kOfFid.get(j.fid)!] = r.emptyLines;
          seen[kOfFid.get(j.fid)!] = r.rows;
        } finally {
          src.close();
        }
      }
      if (files.length) await this.run(insertChecked(await rawSource(fallback, files)));
    }
    this.progress.rows(jobs.filter((j) => (j.direct && !fallback.includes(j)) || j.parquetRead).reduce((a, j) => a + j.rowsSeen, 0));
    if (CRASH_AFTER > 0 && (await this.count(`SELECT count(*) AS n FROM ${work} WHERE ${inBatch}`)) >= CRASH_AFTER) process.kill(process.pid, "SIGKILL");

    const tChecks = performance.now();
    // 2. the rows the fast path did not take: the contract decides, and words each reject
    const rejects = `rej_${b}`;
    temps.push(rejects);
    await this.run(`CREATE TEMP TABLE ${rejects} (delivery_id INTEGER, line INTEGER, column_name VARCHAR, value VARCHAR, reason VARCHAR, seq BIGINT)`);
    const warnRows: { k: number; line: number; warn: [string, string][] }[] = [];
    const rejSink = new CsvSink(this.staging.file("csv"), [["delivery_id", "INTEGER"], ["line", "INTEGER"], ["column_name", "VARCHAR"], ["value", "VARCHAR"], ["reason", "VARCHAR"], ["seq", "BIGINT"]]);
    const slowSink = new CsvSink(this.staging.file("csv"), [["delivery_id", "INTEGER"], ["line", "INTEGER"], ...fields.map((f) => [f.name, sqlTypeOf(f.kind)] as [string, string])]);
    try {
      const slowCount = await this.count(`SELECT count(*) AS n FROM ${work} WHERE ${inBatch} AND ${RAW_COLUMN} IS NOT NULL`);
      if (process.env.JIUZHU_DEBUG_SLOW) process.stderr.write(`${type} batch of ${jobs.length}: ${slowCount} rows through the contract\n`);
      if (slowCount > 0) {
        const result = await this.wh.connection.stream(
          `SELECT delivery_id, line, ${RAW_COLUMN} FROM ${work} WHERE ${inBatch} AND ${RAW_COLUMN} IS NOT NULL ORDER BY delivery_id, line`,
        );
        const regionCols = fields.map((f, i) => (f.kind === "region" || f.kind === "county" ? i : -1)).filter((i) => i >= 0);
        const cells: Cell[] = new Array(nf);
        const out: Canonical[] = new Array(nf);
        const rowWarnings: [string, string][] = [];
        const warnRow = (code: string, message: string) => void rowWarnings.push([code, message]);
        let seqNo = 0;
        const slowRejected = jobs.map(() => 0);
        for (;;) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          const rows = chunk.getRows() as [number, number, { items: (string | null)[] } | (string | null)[]][];
          const decoded = rows.map((r) => rawItems(r[2]).map((c) => untagCell(c)));
          if (regionCols.length) await this.regions.prefetch(decoded.flatMap((d) => regionCols.map((i) => d[i])).filter((c) => !(c instanceof LongCell)) as Cell[]);
          for (let r = 0; r < rows.length; r++) {
            const id = Number(rows[r]![0]);
            const line = Number(rows[r]![1]);
            const k = kOfId(id);
            const j = jobs[k]!;
            const d = decoded[r]!;
            this.asOf = asOfOf[k]!;
            if (d.every((c) => c === null || (typeof c === "string" && cellText(c) === null))) {
              emptyByK[k]!++;
              blankInDb[k]!++;
              continue;
            }
            if (d.some((c) => c instanceof BadBytes)) {
              // a cell in another encoding than its file's: its row is rejected, naming the column
              for (let i = 0; i < nf; i++) {
                const c = d[i];
                if (c instanceof BadBytes) rejSink.push([id, line, labelOf(j, i), null, `invalid ${c.encoding.toUpperCase()} bytes in ${labelOf(j, i)}: the cell is in another encoding than its file`, seqNo++]);
              }
              continue;
            }
            const long = d.findIndex((c) => c instanceof LongCell);
            if (long >= 0) {
              // no field holds this much: the row is rejected, the file is not refused
              for (let i = 0; i < nf; i++) {
                const c = d[i];
                if (c instanceof LongCell) rejSink.push([id, line, labelOf(j, i), null, `value too long: ${c.length.toLocaleString("en")} characters (at most ${MAX_CELL.toLocaleString("en")})`, seqNo++]);
              }
              continue;
            }
            // past the cap the file is refused below: its further rows need no words
            if (slowRejected[k]! >= MAX_REJECTED_ROWS) continue;
            for (let i = 0; i < nf; i++) cells[i] = d[i] as Cell;
            rowWarnings.length = 0;
            const issues = validateCells(contract, cells, out, warnRow);
            if (issues.length > 0) {
              slowRejected[k]!++;
              for (const is of issues) {
                const v = is.field >= 0 ? cellText(cells[is.field]) : null;
                rejSink.push([id, line, labelOf(j, is.field), v === null ? null : v.length > 500 ? `${v.slice(0, 500)}…` : v, is.reason, seqNo++]);
              }
              continue;
            }
            slowSink.push([id, line, ...out]);
            if (rowWarnings.length) warnRows.push({ k, line, warn: [...rowWarnings] });
          }
        }
        slowSink.finish();
        rejSink.finish();
        await this.run(`DELETE FROM ${work} WHERE ${inBatch} AND ${RAW_COLUMN} IS NOT NULL`);
        const slowRead = slowSink.readSql();
        if (slowRead) {
          await this.run(
            `INSERT INTO ${work} (${targets}) SELECT delivery_id, ${names.join(", ")}, line, ${lineage.map(([, e]) => e).join(", ")}${lineage.length ? ", " : ""} NULL FROM ${slowRead}`,
          );
        }
        const rejRead = rejSink.readSql();
        if (rejRead) await this.run(`INSERT INTO ${rejects} SELECT * FROM ${rejRead}`);
      }
    } finally {
      slowSink.dispose();
      rejSink.dispose();
    }

    const tContract = performance.now();
    // 3. rows against their delivery, in order: period, county, duplicate keys (events), then roster households
    const P = periodIdx < 0 ? null : fields[periodIdx]!.kind === "int" ? `CAST(${names[periodIdx]} AS VARCHAR)` : names[periodIdx]!;
    const C = countyIdx >= 0 ? names[countyIdx]! : null;
    const events = def.cadence === "events" && keyIdx.length > 0;
    const namePeriod = (j: FileJob) =>
      def.cadence === "monthly" || def.cadence === "events" ? (j.nameInfo.month ?? null) : def.cadence === "yearly" ? (j.nameInfo.year ?? null) : null;
    // per file: expected period (file name, else the first valid row's), expected county (file name), column labels
    const files = `files_${b}`;
    temps.push(files);
    const labelCols = fields.map((_, i) => `l${i}`);
    await this.run(`CREATE TEMP TABLE ${files} (delivery_id INTEGER, name_period VARCHAR, county VARCHAR, ${labelCols.map((l) => `${l} VARCHAR`).join(", ")})`);
    await this.insertRows(
      files,
      ["INTEGER", "VARCHAR", "VARCHAR", ...fields.map(() => "VARCHAR")],
      jobs.map((j, k) => [idOfK(k), namePeriod(j), j.nameInfo.county ?? null, ...fields.map((_, i) => labelOf(j, i))]),
    );
    const fp = `fp_${b}`;
    temps.push(fp);
    const needFirst = P !== null && jobs.some((j) => namePeriod(j) === null);
    await this.run(
      `CREATE TEMP TABLE ${fp} AS SELECT f.*, ${P ? (needFirst ? "coalesce(f.name_period, p.first_period)" : "f.name_period") : "CAST(NULL AS VARCHAR)"} AS period
       FROM ${files} f ${needFirst ? `LEFT JOIN (SELECT delivery_id, arg_min(${P}, line) AS first_period FROM ${work} WHERE ${inBatch} GROUP BY ALL) p ON p.delivery_id = f.delivery_id` : ""}`,
    );
    const cty = (alias: string) => (C ? `CASE WHEN length(${alias}.${C}) >= 6 THEN left(${alias}.${C}, 6) END` : "CAST(NULL AS VARCHAR)");
    const periodOf = (alias: string) => (P ? P.replace(names[periodIdx]!, `${alias}.${names[periodIdx]}`) : "NULL");
    const periodBad = P ? `(fp.period IS NOT NULL AND ${periodOf("s")} IS DISTINCT FROM fp.period)` : "FALSE";
    const countyBad = C ? `(fp.county IS NOT NULL AND ${cty("s")} IS NOT NULL AND ${cty("s")} <> fp.county)` : "FALSE";
    // bad(delivery_id, line, stage, field, value, reason, seq): stage 1 period, 2 county, 3 duplicate key, 4 household
    const bad = `bad_${b}`;
    temps.push(bad);
    await this.run(
      `CREATE TEMP TABLE ${bad} AS
       SELECT s.delivery_id, s.line, CASE WHEN ${periodBad} THEN 1 ELSE 2 END AS stage,
         CASE WHEN ${periodBad} THEN ${periodIdx} ELSE ${countyIdx} END AS field, CAST(NULL AS VARCHAR) AS value,
         CASE WHEN ${periodBad} THEN 'period ' || ${periodOf("s")} || ' differs from the delivery''s ' || fp.period || CASE WHEN fp.name_period IS NOT NULL THEN ' (file name)' ELSE ' (first row)' END
           ELSE 'region ' || ${C ? `s.${C}` : "NULL"} || ' is outside the delivery''s county ' || fp.county || ' (file name)' END AS reason,
         CASE WHEN ${periodBad} THEN 1000000000 ELSE 1000000001 END AS seq
       FROM ${work} s JOIN ${fp} fp ON fp.delivery_id = s.delivery_id
       WHERE s.${inBatch} AND (${periodBad} OR ${countyBad})`,
    );
    const anyBad = async () => (await this.count(`SELECT count(*) AS n FROM ${bad}`)) > 0;
    let badSoFar = await anyBad();
    const notBad = (alias: string) => (badSoFar ? `NOT EXISTS (SELECT 1 FROM ${bad} x WHERE x.delivery_id = ${alias}.delivery_id AND x.line = ${alias}.line)` : "TRUE");
    if (events) {
      const keyText = keyIdx.map((i) => `CAST(${names[i]} AS VARCHAR)`).join(" || '+' || ");
      await this.run(
        `INSERT INTO ${bad}
         SELECT delivery_id, line, 3, ${keyIdx[0]}, NULL, ${lit(`duplicate ${def.key!.join("+")} `)} || key_text || ' (also on line ' || first_line || ')', 1000000002
         FROM (SELECT delivery_id, line, ${keyText} AS key_text, min(line) OVER w AS first_line, row_number() OVER w AS rn
               FROM ${work} s WHERE s.${inBatch} AND ${notBad("s")}
               WINDOW w AS (PARTITION BY delivery_id, ${keyIdx.map((i) => names[i]).join(", ")}, coalesce(${cty("s")}, '') ORDER BY line))
         WHERE rn > 1`,
      );
    }
    // roster households whose rows disagree on household-level fields: rejected whole
    if (events) badSoFar = await anyBad();
    if (type === "roster") {
      const hf = HOUSEHOLD_FIELDS.map((f) => quoteIdent(f));
      const hh = `hh_${b}`;
      temps.push(hh);
      // two values differ, or some are NULL and some not (IS DISTINCT FROM, as the rule below reads them)
      const differ = (f: string) => `(min(${f}) <> max(${f}) OR (count(${f}) > 0 AND count(${f}) < count(*)))`;
      await this.run(
        // candidates by a hash of the household key (cheaper to group on); the rule below reads the exact keys
        `CREATE TEMP TABLE ${hh} AS SELECT delivery_id, hash(household_id, left(region_code, 6)) AS hk
         FROM ${work} s WHERE s.${inBatch} AND ${notBad("s")} GROUP BY ALL HAVING ${hf.map(differ).join(" OR ")}`,
      );
      if ((await this.count(`SELECT count(*) AS n FROM ${hh}`)) > 0) {
        await this.run(
          `INSERT INTO ${bad}
           WITH a AS (
             SELECT s.delivery_id, s.line, s.household_id AS hh, left(s.region_code, 6) AS hcty, ${hf.map((f, i) => `s.${f} AS v${i}, first_value(s.${f}) OVER w AS a${i}`).join(", ")}
             FROM ${work} s JOIN ${hh} h ON h.delivery_id = s.delivery_id AND h.hk = hash(s.household_id, left(s.region_code, 6))
             WHERE s.${inBatch} AND ${notBad("s")}
             WINDOW w AS (PARTITION BY s.delivery_id, s.household_id, left(s.region_code, 6) ORDER BY s.line ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
           d AS (SELECT *, CASE ${hf.map((_, i) => `WHEN v${i} IS DISTINCT FROM a${i} THEN ${i}`).join(" ")} END AS dk FROM a),
           e AS (SELECT delivery_id, hh, hcty, arg_min(dk, line) AS bad FROM d WHERE dk IS NOT NULL GROUP BY ALL)
           SELECT d.delivery_id, d.line, 4, list_extract([${HOUSEHOLD_FIELDS.map((f) => fieldIdx(f)).join(", ")}], e.bad + 1),
             coalesce(CASE e.bad ${hf.map((_, i) => `WHEN ${i} THEN CAST(d.v${i} AS VARCHAR)`).join(" ")} END, 'null'),
             'household ' || d.hh || ' rows disagree on ' || list_extract([${HOUSEHOLD_FIELDS.map((f) => lit(f)).join(", ")}], e.bad + 1) || ': the household is rejected whole', 2000000000
           FROM d JOIN e ON e.delivery_id = d.delivery_id AND e.hh = d.hh AND e.hcty IS NOT DISTINCT FROM d.hcty`,
        );
      }
    }
    // the raw text a reject quotes, read again from the file for the few rows that need it
    await this.quoteRawValues(bad, jobs, idOfK, readOf, fields);
    const labels = `[${labelCols.map((l) => `fp.${l}`).join(", ")}]`;
    await this.run(
      `INSERT INTO ${rejects} SELECT x.delivery_id, x.line, list_extract(${labels}, x.field + 1), x.value, x.reason, x.seq FROM ${bad} x JOIN ${fp} fp ON fp.delivery_id = x.delivery_id`,
    );
    // a file with this many rejected rows is not what it says it is: refused, with the first reasons
    const heavy = await this.query<{ id: number; n: bigint }>(
      `SELECT delivery_id AS id, count(DISTINCT line) AS n FROM ${rejects} GROUP BY ALL HAVING count(DISTINCT line) >= ${MAX_REJECTED_ROWS}`,
    );
    if (heavy.length > 0) {
      const id = Number(heavy[0]!.id);
      const j = jobOfId(id);
      const first = await this.query<{ line: number; column_name: string | null; reason: string }>(
        `SELECT line, column_name, reason FROM ${rejects} WHERE delivery_id = ${id} ORDER BY line, seq LIMIT 3`,
      );
      throw new FileRefused(
        j.name,
        `${MAX_REJECTED_ROWS.toLocaleString("en")} rows or more rejected: is this a ${type} extract (${def.label})? first reasons: ${first.map((r) => `line ${r.line}${r.column_name ? ` ${r.column_name}` : ""}: ${r.reason}`).join("; ")}`,
      );
    }
    if ((await this.count(`SELECT count(*) AS n FROM ${bad}`)) > 0) {
      await this.run(`DELETE FROM ${work} s USING ${bad} x WHERE x.delivery_id = s.delivery_id AND x.line = s.line`);
    }
    const tRules = performance.now();
    const inserted = Number(
      (await this.query<{ Count: bigint }>(`INSERT INTO ${stg} SELECT * EXCLUDE (${RAW_COLUMN}) FROM ${work}`))[0]?.Count ?? 0,
    );
    if (CRASH_STAGED) process.kill(process.pid, "SIGKILL");

    // 4. per file: counts, counties and latest event month of the rows loaded, warnings
    const badLines = new Set((await this.query<{ id: number; line: number }>(`SELECT delivery_id AS id, line FROM ${bad}`)).map((x) => `${x.id}:${x.line}`));
    for (const w of warnRows) {
      if (badLines.has(`${idOfK(w.k)}:${w.line}`)) continue;
      for (const [code, message] of w.warn) jobs[w.k]!.warnings.add(code, message, `line ${w.line}`);
    }
    const eventIdx = fieldIdx(def.eventDateField);
    const needCounties = def.cadence === "monthly" || def.cadence === "events";
    const stats = await this.query<{ id: number; loaded: bigint; counties: string[] | null; event_month: string | null }>(
      `SELECT delivery_id AS id, count(*) AS loaded,
         ${needCounties && C ? `list(DISTINCT ${cty("s")} ORDER BY ${cty("s")}) FILTER (WHERE ${cty("s")} IS NOT NULL)` : "CAST(NULL AS VARCHAR[])"} AS counties,
         ${eventIdx >= 0 ? `strftime(max(${names[eventIdx]}), '%Y-%m')` : "CAST(NULL AS VARCHAR)"} AS event_month
       FROM ${work} s WHERE s.${inBatch} GROUP BY ALL`,
    );
    const statOf = new Map(stats.map((x) => [Number(x.id), x]));
    const rejected = new Map(
      (await this.query<{ id: number; n: bigint }>(`SELECT delivery_id AS id, count(DISTINCT line) AS n FROM ${rejects} GROUP BY ALL`)).map((x) => [Number(x.id), Number(x.n)]),
    );
    const lineCount = new Map(
      (await this.query<{ id: number; n: bigint }>(`SELECT delivery_id AS id, count(DISTINCT line) AS n FROM (SELECT delivery_id, line FROM ${work} s WHERE s.${inBatch} UNION ALL SELECT delivery_id, line FROM ${rejects}) GROUP BY ALL`)).map((x) => [Number(x.id), Number(x.n)]),
    );
    const periods = new Map((await this.query<{ id: number; period: string | null }>(`SELECT delivery_id AS id, period FROM ${fp}`)).map((r) => [Number(r.id), r.period]));
    const loadedRows = stats.reduce((a, x) => a + Number(x.loaded), 0);
    if (inserted !== loadedRows) throw new Error(`counts do not balance (${inserted} rows inserted, ${loadedRows} loaded)`);
    const results: FileResult[] = [];
    const metaRows: (string | number | null)[][] = [];
    const pendingMeta: { k: number; j: FileJob; id: number; county: string | null; period: string | null; fileKey: string | null; rowsRead: number; rowsLoaded: number; rowsRejected: number }[] = [];
    for (const [k, j] of jobs.entries()) {
      const id = idOfK(k);
      const st = statOf.get(id);
      const rowsLoaded = Number(st?.loaded ?? 0);
      const rowsRejected = rejected.get(id) ?? 0;
      // every non-empty row read is either loaded or rejected, never both
      const rowsRead = lineCount.get(id) ?? 0;
      if (rowsRead !== rowsLoaded + rowsRejected) {
        throw new Error(`${j.name}: counts do not balance (read ${rowsRead}, loaded ${rowsLoaded}, rejected ${rowsRejected})`);
      }
      // and every row handed to DuckDB is one of them, or an empty line
      if (rowsRead !== seen[k]! - blankInDb[k]!) {
        throw new Error(`${j.name}: rows lost (handed over ${seen[k]}, of which ${blankInDb[k]} empty; read ${rowsRead})`);
      }
      const w = j.warnings;
      const emptyLines = emptyByK[k]!;
      if (emptyLines > 0) w.plain.push(`${emptyLines} empty line(s) skipped`);
      const counties = st?.counties ?? [];
      const expectedCounty = j.nameInfo.county ?? null;
      const monthlyOrEvents = def.cadence === "monthly" || def.cadence === "events";
      const county = expectedCounty ?? (monthlyOrEvents ? (counties.length === 1 ? counties[0]! : null) : null);
      if (expectedCounty === null && counties.length > 1 && monthlyOrEvents) w.plain.push(`rows span ${counties.length} counties: one delivery keyed on its file name`);
      let period = P ? (periods.get(id) ?? null) : namePeriod(j);
      if (period === null && def.cadence === "events") {
        period = st?.event_month ?? null;
        if (period) w.plain.push(`period ${period} taken from the latest ${def.eventDateField} (no month in the file name)`);
      }
      if (period === null && (monthlyOrEvents || def.cadence === "yearly")) w.plain.push("no period: none in the file name and no valid row");
      if (rowsLoaded === 0 && rowsRead > 0) w.plain.push("every row rejected");
      if (rowsRead === 0) w.plain.push("no data rows");
      const fileKey = county === null && monthlyOrEvents ? j.name : null;
      metaRows.push([
        id, j.name, j.hash, type, county, period, j.format, j.encoding,
        toChinaTimestamp(j.receivedAt), toChinaTimestamp(new Date()), rowsRead, rowsLoaded, rowsRejected, w.list().join("\n") || null,
      ]);
      pendingMeta.push({ k, j, id, county, period, fileKey, rowsRead, rowsLoaded, rowsRejected });
    }
    // every lineage row of the batch in one statement; then supersession, only where an identity has an earlier delivery
    await this.insertRows(
      "meta_delivery",
      ["INTEGER", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "INTEGER", "INTEGER", "INTEGER", "VARCHAR"],
      metaRows,
      ["r.c0", "r.c1", "r.c2", "r.c3", "r.c4", "r.c5", "r.c6", "r.c7", "CAST(r.c8 AS TIMESTAMP)", "CAST(r.c9 AS TIMESTAMP)", "r.c10", "r.c11", "r.c12", "'current'", "NULL", "r.c13"],
    );
    const identity = (county: string | null, period: string | null, fileKey: string | null) => JSON.stringify([county, period, fileKey]);
    const earlier = new Set<string>();
    for (const r of await this.wh.query<{ county: string | null; period: string | null; file: string }>(
      `SELECT DISTINCT county_code AS county, period, file_name AS file FROM meta_delivery WHERE extract_type = $type AND delivery_id < $first`,
      { type, first: firstId },
    )) {
      earlier.add(identity(r.county, r.period, null));
      earlier.add(identity(r.county, r.period, r.file));
    }
    const inBatchIds = new Map<string, number>();
    for (const { k, j, id, county, period, fileKey, rowsRead, rowsLoaded, rowsRejected } of pendingMeta) {
      const w = j.warnings;
      const key = identity(county, period, fileKey);
      const superseded = earlier.has(key) || inBatchIds.has(key) ? await this.supersede(id, type, county, period, fileKey) : [];
      inBatchIds.set(key, (inBatchIds.get(key) ?? 0) + 1);
      void k;
      // a re-delivery that empties or halves what it replaces is loaded, but said loudly
      if (superseded.length > 0 && !this.expectShrink) {
        const before = await this.wh.query<{ id: number; file: string; n: number }>(
          `SELECT delivery_id AS id, file_name AS file, rows_loaded AS n FROM meta_delivery WHERE delivery_id IN (SELECT unnest($ids::INTEGER[])) ORDER BY rows_loaded DESC`,
          { ids: `[${superseded.join(",")}]` },
        );
        const was = before[0];
        if (was && was.n > 0 && (rowsLoaded === 0 || rowsLoaded * 2 < was.n)) {
          w.plain.unshift(
            `${SHRINK}: ${rowsLoaded.toLocaleString("en")} row(s) replace the ${Number(was.n).toLocaleString("en")} of delivery ${was.id} (${printable(was.file)}); if that is intended, load it with --expect-shrink`,
          );
          await this.wh.run("UPDATE meta_delivery SET warnings = $w WHERE delivery_id = $id", { w: w.list().join("\n"), id });
        }
      }
      results.push({
        file: j.name,
        status: "loaded",
        deliveryId: id,
        type,
        county,
        period,
        format: j.format,
        encoding: j.encoding,
        rowsRead,
        rowsLoaded,
        rowsRejected,
        warnings: w.list(),
        superseded,
        seconds: 0,
      });
    }
    this.batchPhases = { checks: (tChecks - tStart) / 1000, contract: (tContract - tChecks) / 1000, rules: (tRules - tContract) / 1000, insert: (performance.now() - tRules) / 1000 };
    await this.run(
      `INSERT INTO meta_reject SELECT r.delivery_id, f.name, r.line, r.column_name, r.value, r.reason
       FROM ${rejects} r JOIN (SELECT unnest(${idList}) AS id, unnest([${jobs.map((j) => lit(j.name)).join(", ")}]) AS name) f ON f.id = r.delivery_id
       ORDER BY r.delivery_id, r.seq >= 2000000000, r.line, r.seq`,
    );
    return results;
  }

  /**
   * The raw text of the cell each delivery-level reject quotes (period, county,
   * first key field), read again from the file's staged text: the fast path keeps
   * only typed values, and these rows are few.
   */
  private async quoteRawValues(bad: string, jobs: FileJob[], idOfK: (k: number) => number, readOf: Map<FileJob, string>, fields: readonly FieldDef[]): Promise<void> {
    const want = await this.query<{ id: number; n: bigint }>(`SELECT delivery_id AS id, count(*) AS n FROM ${bad} WHERE stage < 4 GROUP BY ALL`);
    for (const { id } of want) {
      const k = jobs.findIndex((_, i) => idOfK(i) === Number(id));
      const j = jobs[k]!;
      const read = readOf.get(j);
      if (!read) continue;
      // numbered copies: _line and h<col>; raw staging files: line and f<field>
      const direct = !!j.direct && read.includes("'_line'");
      const cellOf = (fi: number) => (direct ? (j.map[fi]! >= 0 ? `h${j.map[fi]}` : "CAST(NULL AS VARCHAR)") : rawCol(fi));
      const lineCol = direct ? "_line" : "line";
      const idx = [...new Set((await this.query<{ field: number }>(`SELECT DISTINCT field FROM ${bad} WHERE delivery_id = ${Number(id)} AND stage < 4`)).map((x) => Number(x.field)))].filter((fi) => fi >= 0 && fi < fields.length);
      if (idx.length === 0) continue;
      await this.run(
        `UPDATE ${bad} SET value = src.v FROM (
           SELECT r.${lineCol} AS line, CASE ${idx.map((fi) => `WHEN x.field = ${fi} THEN ${rejectValueSql(`r.${cellOf(fi)}`)}`).join(" ")} END AS v, x.field
           FROM ${read} r JOIN ${bad} x ON x.delivery_id = ${Number(id)} AND x.line = r.${lineCol} AND x.stage < 4) src
         WHERE ${bad}.delivery_id = ${Number(id)} AND ${bad}.line = src.line AND ${bad}.field = src.field AND ${bad}.stage < 4`,
      );
    }
  }

  /**
   * Within one identity (type, county, period; the file name too for an
   * unnamed multi-county file) the delivery received last is current, the
   * others are superseded by it and stay in history.
   */
  private async supersede(deliveryId: number, type: ExtractType, county: string | null, period: string | null, fileKey: string | null): Promise<number[]> {
    // reference extracts supersede per key, in their core view: every delivery stays current
    if (extractDef(type).supersedeKey) return [];
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

/** The items of a VARCHAR[] value as the DuckDB client hands it over. */
function rawItems(v: { items: (string | null)[] } | (string | null)[]): (string | null)[] {
  return Array.isArray(v) ? v : v.items;
}

/** A list for a warning: the first names (each cut at 100 characters), then how many more. */
function someOf(names: string[], shown = 20): string {
  const cut = names.slice(0, shown).map((n) => (n.length > 100 ? `${n.slice(0, 100)}…` : n));
  return names.length > shown ? `${cut.join(", ")} and ${(names.length - shown).toLocaleString("en")} more` : cut.join(", ");
}

/** A UTF-16 surrogate without its pair (an XLSX character reference can make one): not valid in JSON text for DuckDB. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** An SQL literal of a string, or NULL. */
function lit(v: string | null): string {
  return v === null ? "NULL" : quoteLiteral(v);
}
