// `jiuzhu ingest`: every extract file into the warehouse, each file in one
// transaction, with lineage, rejects, idempotence and supersession.
//
// Per file: hash → already loaded? → open (format, encoding) → type → header
// map (missing required columns refuse the whole file) → BEGIN → validate rows
// and append them to stg_<type>, rejects to meta_reject → roster household
// check → meta_delivery row → supersession → COMMIT. Any error rolls back.
import { createHash } from "node:crypto";
import { createReadStream, readdirSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { Warehouse } from "./db.js";
import { extractDef, type ExtractDef, type ExtractType } from "./contracts/dictionary.js";
import { extractColumns } from "./contracts/sql.js";
import { compileContract, validateCells, HOUSEHOLD_FIELDS, type CompiledContract } from "./contracts/contracts.js";
import type { FieldDef } from "./contracts/dictionary.js";
import { cellText, toHalfWidth, type Canonical, type Cell, type RegionLookup } from "./contracts/normalise.js";
import { assertExtractType, mapHeader, parseFileName, sheetNamesExtract, typeFromFileName, typeFromHeader } from "./detect.js";
import { acquireLock } from "./lock.js";
import { ensureWarehouseSchema, stagingTable } from "./schema.js";
import { CsvSink } from "./sink.js";
import { openCsv } from "./readers/csv.js";
import { openXlsx } from "./readers/xlsx.js";
import { openParquet } from "./readers/parquet.js";
import { FileRefused, type Format, type Source } from "./readers/source.js";
import { createProgress, type Progress } from "./progress.js";

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
 * Region codes of the dimension, for the contracts' region checks: counties
 * up front, the codes of a province (about 20,000) loaded the first time a
 * row names it, so no ingest pays for the whole country's 700,000 codes.
 */
export class RegionCodes implements RegionLookup {
  private readonly codes = new Set<string>();
  private readonly counties = new Set<string>();
  private readonly provinces = new Set<string>();
  private conn: DuckDBConnection | null = null;

  private constructor(private readonly wh: Warehouse) {}

  close(): void {
    this.conn?.closeSync();
    this.conn = null;
  }

  static async load(wh: Warehouse): Promise<RegionCodes> {
    const r = new RegionCodes(wh);
    const reader = await wh.connection.runAndReadAll("SELECT code FROM dim_region WHERE level IN ('province', 'city', 'county')");
    for (const c of reader.getColumns()[0] as string[]) {
      r.codes.add(c);
      if (c.length === 6) r.counties.add(c);
    }
    return r;
  }

  has(code: string): boolean {
    return this.codes.has(code);
  }

  isCounty(code: string): boolean {
    return this.counties.has(code);
  }

  /** Make sure the townships and villages of these provinces (2-digit prefixes) are known. */
  async ensureProvinces(prefixes: Iterable<string>): Promise<void> {
    for (const p of prefixes) {
      if (this.provinces.has(p) || !/^\d{2}$/.test(p)) continue;
      this.provinces.add(p);
      // its own connection: the main one may be busy committing the previous file
      this.conn ??= await this.wh.connect();
      const reader = await this.conn.runAndReadAll(
        "SELECT code FROM dim_region WHERE province_code = ? AND level IN ('township', 'village')",
        [p],
      );
      for (const c of reader.getColumns()[0] as string[]) this.codes.add(c);
    }
  }
}

/** @deprecated name kept for callers: the lazily filled region lookup. */
export const loadRegionLookup = (wh: Warehouse): Promise<RegionCodes> => RegionCodes.load(wh);

/** 2-digit province prefixes of the region cells of a batch. */
function provincePrefixes(rows: Cell[][], cols: number[]): Set<string> {
  const out = new Set<string>();
  let last = "";
  for (const row of rows) {
    for (const c of cols) {
      const v = row[c];
      if (v == null) continue;
      const s = typeof v === "string" ? v.trimStart().slice(0, 2) : String(v).slice(0, 2);
      if (s === last) continue;
      last = s;
      out.add(toHalfWidth(s));
    }
  }
  return out;
}

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
  try {
    const wh = await Warehouse.open(dbPath);
    let regions: RegionCodes | null = null;
    try {
      await ensureWarehouseSchema(wh);
      // checkpoint once at the end rather than every 16 MB of WAL (each commit stays durable in the WAL)
      if (process.env.JIUZHU_CHECKPOINT_EVERY !== "default") await wh.run("SET checkpoint_threshold = '1GB'");
      regions = await RegionCodes.load(wh);
      const ctx = new IngestContext(wh, regions, progress);
      await ctx.init();
      progress.start(items.length);
      // two-stage pipeline: file n+1 is read and checked while file n commits
      let inFlight: Promise<FileResult> | null = null;
      const settle = async () => {
        if (!inFlight) return;
        const r = await inFlight;
        inFlight = null;
        results.push(r);
        progress.fileDone(r);
      };
      for (const item of items) {
        if (typeof item !== "string") {
          await settle();
          results.push(item);
          progress.fileDone(item);
          continue;
        }
        progress.fileStart(basename(item));
        const prepared = await ctx.prepareFile(item, forcedType, options.receivedAt);
        await settle();
        if (typeof prepared === "function") inFlight = prepared();
        else {
          results.push(prepared);
          progress.fileDone(prepared);
        }
      }
      await settle();
      if (results.some((r) => r.status === "loaded")) await wh.run("CHECKPOINT");
    } finally {
      progress.stop();
      regions?.close();
      wh.close();
    }
  } finally {
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

const REJECT_COLUMNS: [string, string][] = [
  ["line", "INTEGER"],
  ["column_name", "VARCHAR"],
  ["value", "VARCHAR"],
  ["reason", "VARCHAR"],
];

/**
 * Roster households must agree on household-level fields. Tracked while the
 * rows stream: the first row's values are the household's; rows of a
 * household found to disagree are all rejected at the end.
 */
class HouseholdCheck {
  private readonly idx: number[];
  private readonly hhIdx: number;
  private readonly countyIdx: number;
  private readonly seen = new Map<string, { first: Canonical[]; lines: number[]; values?: Canonical[][]; bad?: string }>();

  constructor(fields: readonly FieldDef[]) {
    this.idx = HOUSEHOLD_FIELDS.map((f) => fields.findIndex((x) => x.name === f));
    this.hhIdx = fields.findIndex((f) => f.name === "household_id");
    this.countyIdx = fields.findIndex((f) => f.name === "region_code");
  }

  add(out: Canonical[], line: number): void {
    const region = out[this.countyIdx] as string;
    const key = `${out[this.hhIdx]}\u0001${region.length > 6 ? region.slice(0, 6) : region}`;
    const h = this.seen.get(key);
    const idx = this.idx;
    if (!h) {
      this.seen.set(key, { first: idx.map((i) => out[i]!), lines: [line] });
      return;
    }
    let differs = -1;
    for (let k = 0; k < idx.length; k++) {
      if (out[idx[k]!] !== h.first[k]) {
        differs = k;
        break;
      }
    }
    if (differs >= 0 && !h.values) {
      // first disagreement: every earlier row carried the first row's values
      h.values = h.lines.map(() => h.first);
      h.bad = HOUSEHOLD_FIELDS[differs]!;
    }
    h.lines.push(line);
    h.values?.push(idx.map((i) => out[i]!));
  }

  badRows(): { line: number; field: string; value: string; reason: string }[] {
    const out: { line: number; field: string; value: string; reason: string }[] = [];
    for (const [key, h] of this.seen) {
      if (!h.values || !h.bad) continue;
      const at = HOUSEHOLD_FIELDS.indexOf(h.bad as (typeof HOUSEHOLD_FIELDS)[number]);
      const hh = key.split("\u0001")[0];
      h.lines.forEach((line, i) =>
        out.push({ line, field: h.bad!, value: String(h.values![i]![at]), reason: `household ${hh} rows disagree on ${h.bad}: the household is rejected whole` }),
      );
    }
    return out.sort((a, b) => a.line - b.line);
  }
}

// Test hooks for "killed half-way": die while reading rows, or with every row staged but not committed.
const CRASH_AFTER = Number(process.env.JIUZHU_INGEST_CRASH_AFTER_ROWS ?? 0);
const CRASH_STAGED = process.env.JIUZHU_INGEST_CRASH_STAGED === "1";

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

  async init(): Promise<void> {
    const rows = await this.wh.query<{ delivery_id: number; file_name: string; content_hash: string; extract_type: string; county_code: string | null; period: string | null }>(
      "SELECT delivery_id, file_name, content_hash, extract_type, county_code, period FROM meta_delivery ORDER BY delivery_id DESC",
    );
    for (const r of rows) {
      this.known.add(r.content_hash, { id: r.delivery_id, file: r.file_name, type: r.extract_type, county: r.county_code, period: r.period });
      this.nextId = Math.max(this.nextId, r.delivery_id + 1);
    }
  }

  constructor(
    private readonly wh: Warehouse,
    private readonly regions: RegionCodes,
    private readonly progress: Progress,
  ) {}

  private contract(type: ExtractType): CompiledContract {
    let c = this.contracts.get(type);
    if (!c) this.contracts.set(type, (c = compileContract(type, { regions: this.regions })));
    return c;
  }

  /**
   * Read, check and stage one file (no warehouse write yet). Returns its
   * result when it is refused or unchanged, else the function that loads it
   * in one transaction — so the next file can be read while DuckDB commits.
   */
  async prepareFile(path: string, forcedType: ExtractType | undefined, receivedAt: Date | string | undefined): Promise<FileResult | (() => Promise<FileResult>)> {
    const t0 = performance.now();
    const name = basename(path);
    const refused = (error: unknown) => {
      const reason = error instanceof FileRefused ? error.reason : `load failed, nothing kept: ${(error as Error).message.split("\n")[0]}`;
      // a refusal names the path as given, so the user finds the file; nothing of it is stored
      const r = refusedResult(path, reason);
      r.seconds = (performance.now() - t0) / 1000;
      return r;
    };
    try {
      const prepared = await this.load(resolve(path), name, forcedType, receivedAt);
      const prepSeconds = (performance.now() - t0) / 1000;
      if (typeof prepared !== "function") {
        prepared.seconds = prepSeconds;
        return prepared;
      }
      return async () => {
        const t1 = performance.now();
        try {
          const result = await prepared();
          result.seconds = prepSeconds + (performance.now() - t1) / 1000;
          return result;
        } catch (error) {
          return refused(error);
        }
      };
    } catch (error) {
      return refused(error);
    }
  }

  /** Prepare and load one file. */
  async ingestFile(path: string, forcedType: ExtractType | undefined, receivedAt: Date | string | undefined): Promise<FileResult> {
    const prepared = await this.prepareFile(path, forcedType, receivedAt);
    return typeof prepared === "function" ? prepared() : prepared;
  }

  private async load(
    path: string,
    name: string,
    forcedType: ExtractType | undefined,
    receivedAtOpt: Date | string | undefined,
  ): Promise<FileResult | (() => Promise<FileResult>)> {
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
    let source: Source;
    if (format === "csv") source = await openCsv(path, name);
    else if (format === "xlsx") source = await openXlsx(path, name, (sheet) => sheetNamesExtract(sheet, typeHint));
    else source = await openParquet(path, name);

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
        return await this.loadRows({ path, name, hash, hashSeconds, format, source, def, map: map.columnOf, nameInfo, warnings, receivedAt });
      } catch (error) {
        this.pending.remove(hash, name);
        throw error;
      }
    } finally {
      source.close();
    }
  }

  private async loadRows(job: {
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
  }): Promise<() => Promise<FileResult>> {
    const { name, def, source, warnings, nameInfo } = job;
    const type = def.type;
    const contract = this.contract(type);
    const fields = contract.fields;
    const nf = fields.length;
    const header = source.header;
    const columnLabel = (fieldIndex: number) => {
      const col = job.map[fieldIndex] ?? -1;
      return col >= 0 ? header[col]! : fields[fieldIndex]!.name;
    };
    const fieldIdx = (n: string | undefined) => (n ? fields.findIndex((f) => f.name === n) : -1);

    // delivery period and county as far as the name tells; rows complete them
    const periodIdx = def.cadence === "monthly" ? fieldIdx(def.periodField) : def.cadence === "yearly" ? fieldIdx("year") : -1;
    let expectedPeriod: string | null =
      def.cadence === "monthly" || def.cadence === "events" ? (nameInfo.month ?? null) : def.cadence === "yearly" ? (nameInfo.year ?? null) : null;
    const periodFromName = expectedPeriod !== null;
    const expectedCounty = nameInfo.county ?? null;
    const countyIdx = fieldIdx(def.countyField);
    const regionIdx = fieldIdx("region_code");
    const regionsCodeIdx = type === "regions" ? fieldIdx("code") : -1;
    const keyIdx = (def.key ?? []).map((k) => fieldIdx(k));
    const eventIdx = fieldIdx(def.eventDateField);
    const seenKeys = def.cadence === "events" ? new Map<string, number>() : null;
    const counties = new Set<string>();
    let maxEventMonth: string | null = null;

    // delivery_id is not in the staging file: it is given when the load commits
    const columns = extractColumns(type).filter(([col]) => col !== "delivery_id");
    const plan = columns.map(([col]) => ({ col, field: fieldIdx(col) }));
    const ncols = plan.length;
    const lineageAt = (col: string) => plan.findIndex((p) => p.field < 0 && p.col === col);
    const lineAt = lineageAt("line"), countyAt = lineageAt("county_code"), cityAt = lineageAt("city_code");
    const fieldAt = plan.map((p) => p.field);

    const wh = this.wh;
    const tStart = performance.now();
    let committed = false;
    let handedOver = false;
    const stg = new CsvSink(
      stagingTable(type),
      columns,
      plan.map((p) => p.field >= 0 && fields[p.field]!.kind === "text"),
      ["delivery_id"],
    );
    const rej = new CsvSink("meta_reject", REJECT_COLUMNS, [false, true, true, true], ["delivery_id", "file_name"]);
    try {
      const rowOut: Canonical[] = new Array(ncols).fill(null);
      let rowsRead = 0;
      let rowsLoaded = 0;
      let rowsRejected = 0;
      let emptyLines = 0;
      const rowWarnings: [string, string][] = [];
      const warnRow = (code: string, message: string) => void rowWarnings.push([code, message]);
      const cells: Cell[] = new Array(nf);
      const out: Canonical[] = new Array(nf);
      const map = job.map;

      const rejRow: Canonical[] = [0, null, null, ""];
      const reject = (line: number, column: string | null, value: Cell, reason: string) => {
        const v = value == null ? null : cellText(value);
        rejRow[0] = line;
        rejRow[1] = column;
        rejRow[2] = v === null ? null : v.length > 500 ? `${v.slice(0, 500)}…` : v;
        rejRow[3] = reason;
        rej.push(rejRow);
      };
      const households = type === "roster" ? new HouseholdCheck(fields) : null;

      const regionCols = [regionIdx, countyIdx].filter((i) => i >= 0).map((i) => map[i]!).filter((c) => c >= 0);
      for await (const batch of source.batches()) {
        const { lines, rows } = batch;
        if (regionCols.length) await this.regions.ensureProvinces(provincePrefixes(rows, regionCols));
        for (let r = 0; r < rows.length; r++) {
          const raw = rows[r]!;
          const line = lines[r]!;
          let empty = true;
          for (let i = 0; i < raw.length; i++) {
            const c = raw[i];
            if (c != null && c !== "" && !(typeof c === "string" && c.trim() === "")) {
              empty = false;
              break;
            }
          }
          if (empty) {
            emptyLines++;
            continue;
          }
          rowsRead++;
          for (let i = 0; i < nf; i++) {
            const col = map[i]!;
            cells[i] = col >= 0 ? raw[col] : null;
          }
          rowWarnings.length = 0;
          const issues = validateCells(contract, cells, out, warnRow);
          if (issues.length > 0) {
            rowsRejected++;
            for (const is of issues) reject(line, is.field >= 0 ? columnLabel(is.field) : null, is.field >= 0 ? cells[is.field] : null, is.reason);
            continue;
          }
          // rows against the delivery: period, county, duplicate keys
          if (periodIdx >= 0) {
            const p = String(out[periodIdx]);
            if (expectedPeriod === null) expectedPeriod = p;
            else if (p !== expectedPeriod) {
              rowsRejected++;
              reject(line, columnLabel(periodIdx), cells[periodIdx], `period ${p} differs from the delivery's ${expectedPeriod}${periodFromName ? " (file name)" : " (first row)"}`);
              continue;
            }
          }
          const code = countyIdx >= 0 ? (out[countyIdx] as string | null) : null;
          const county = code && code.length >= 6 ? code.slice(0, 6) : null;
          if (expectedCounty !== null && county !== null && county !== expectedCounty) {
            rowsRejected++;
            reject(line, columnLabel(countyIdx), cells[countyIdx], `region ${code} is outside the delivery's county ${expectedCounty} (file name)`);
            continue;
          }
          if (seenKeys) {
            const key = keyIdx.map((k) => out[k]).join("\u0001") + "\u0002" + (county ?? "");
            const first = seenKeys.get(key);
            if (first !== undefined) {
              rowsRejected++;
              reject(line, columnLabel(keyIdx[0]!), cells[keyIdx[0]!], `duplicate ${def.key!.join("+")} ${keyIdx.map((k) => out[k]).join("+")} (also on line ${first})`);
              continue;
            }
            seenKeys.set(key, line);
          }
          if (county) counties.add(county);
          if (eventIdx >= 0) {
            const m = String(out[eventIdx]).slice(0, 7);
            if (maxEventMonth === null || m > maxEventMonth) maxEventMonth = m;
          }
          // append: canonical fields, then lineage
          const regionCode =
            regionIdx >= 0 ? (out[regionIdx] as string) : countyIdx >= 0 ? (out[countyIdx] as string) : regionsCodeIdx >= 0 ? (out[regionsCodeIdx] as string | null) : null;
          for (let c = 0; c < ncols; c++) {
            const fi = fieldAt[c]!;
            if (fi >= 0) rowOut[c] = out[fi]!;
          }
          if (lineAt >= 0) rowOut[lineAt] = line;
          if (countyAt >= 0) rowOut[countyAt] = regionCode && regionCode.length >= 6 ? regionCode.slice(0, 6) : null;
          if (cityAt >= 0) rowOut[cityAt] = regionCode && regionCode.length >= 4 ? regionCode.slice(0, 4) : null;
          stg.push(rowOut);
          households?.add(out, line);
          rowsLoaded++;
          for (const [code, message] of rowWarnings) warnings.add(code, message, `line ${line}`);
          if (CRASH_AFTER > 0 && rowsLoaded === CRASH_AFTER) process.kill(process.pid, "SIGKILL");
        }
        this.progress.rows(rows.length);
      }
      const tParsed = performance.now();
      if (emptyLines > 0) warnings.plain.push(`${emptyLines} empty line(s) skipped`);
      // roster households whose rows disagree on household-level fields: rejected whole
      const badRows = households?.badRows() ?? [];
      for (const b of badRows) reject(b.line, columnLabel(fieldIdx(b.field)), b.value, b.reason);
      rowsLoaded -= badRows.length;
      rowsRejected += badRows.length;
      stg.finish();
      rej.finish();

      // everything that touches the warehouse happens in one transaction, when the previous load is done
      handedOver = true;
      return async (): Promise<FileResult> => {
        const tBegin = performance.now();
        const deliveryId = this.nextId;
        await wh.run("BEGIN TRANSACTION");
        try {
          const inserted = await stg.load(wh, [deliveryId]);
          const tInserted = performance.now();
          if (CRASH_STAGED) process.kill(process.pid, "SIGKILL");
          if (badRows.length > 0) {
            const lines = `[${badRows.map((b) => b.line).join(",")}]`;
            await wh.run(`DELETE FROM stg_roster WHERE delivery_id = $id AND list_contains($lines::INTEGER[], line)`, { id: deliveryId, lines });
          }
          const rejectLines = await rej.load(wh, [deliveryId, name]);

          // the delivery: county, period, then supersession within its identity
          const deliveryCounty =
            expectedCounty ?? (def.cadence === "monthly" || def.cadence === "events" ? (counties.size === 1 ? [...counties][0]! : null) : null);
          if (expectedCounty === null && counties.size > 1 && (def.cadence === "monthly" || def.cadence === "events")) {
            warnings.plain.push(`rows span ${counties.size} counties: one delivery keyed on its file name`);
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

          const now = new Date();
          await wh.run(
            `INSERT INTO meta_delivery VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), ?, ?, ?, 'current', NULL, ?)`,
            [
              deliveryId,
              name,
              job.hash,
              type,
              deliveryCounty,
              period,
              job.format,
              source.encoding,
              toChinaTimestamp(job.receivedAt),
              toChinaTimestamp(now),
              rowsRead,
              rowsLoaded,
              rowsRejected,
              warnings.list().join("\n") || null,
            ],
          );
          const multiCounty = deliveryCounty === null && (def.cadence === "monthly" || def.cadence === "events");
          const superseded = await this.supersede(deliveryId, type, deliveryCounty, period, multiCounty ? name : null);
          if (inserted - badRows.length !== rowsLoaded || rowsRead !== rowsLoaded + rowsRejected || rejectLines < rowsRejected) {
            throw new Error(`counts do not balance (read ${rowsRead}, loaded ${rowsLoaded} of ${inserted} inserted, rejected ${rowsRejected})`);
          }
          const tChecked = performance.now();
          await wh.run("COMMIT");
          committed = true;
          const tCommitted = performance.now();
          this.nextId = deliveryId + 1;
          this.known.add(job.hash, { id: deliveryId, file: name, type, county: deliveryCounty, period });
          this.pending.remove(job.hash, name);
          return {
            file: name,
            status: "loaded",
            deliveryId,
            type,
            county: deliveryCounty,
            period,
            format: job.format,
            encoding: source.encoding,
            rowsRead,
            rowsLoaded,
            rowsRejected,
            warnings: warnings.list(),
            superseded,
            seconds: 0,
            phases: {
              hash: job.hashSeconds,
              parse: (tParsed - tStart) / 1000,
              insert: (tInserted - tBegin) / 1000,
              checks: (tChecked - tInserted) / 1000,
              commit: (tCommitted - tChecked) / 1000,
            },
          };
        } finally {
          if (!committed) await wh.run("ROLLBACK").catch(() => undefined);
          this.pending.remove(job.hash, name);
          stg.dispose();
          rej.dispose();
        }
      };
    } finally {
      if (!handedOver) {
        stg.dispose();
        rej.dispose();
      }
    }
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
