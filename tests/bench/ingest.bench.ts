// Ingestion benchmark: the demo province (scale 1, a year by default) into a
// fresh warehouse; rows/s per format, peak memory, where the time goes, and
// the ratio against DuckDB's own read_csv of the same UTF-8 CSV files into a
// table, measured in the same run. `tests/bench/run.bench.ts` calls
// benchIngest(); `npx tsx tests/bench/ingest.bench.ts [DEMO_DIR]` runs it alone.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteLiteral, withWarehouse } from "../../loaders/db.js";
import { ensureWarehouseSchema } from "../../loaders/schema.js";
import { ingestPaths, type FileResult } from "../../loaders/ingest.js";

export interface BenchIngestOptions {
  /** An existing demo folder; generated (and cached in the temp folder) when absent. */
  dir?: string;
  scale?: number;
  from?: string;
  to?: string;
  /** Keep the warehouse here instead of a temp file. */
  db?: string;
  /** Progress lines on stderr. */
  log?: (line: string) => void;
}

export interface FormatFigures {
  files: number;
  rows: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
}

export interface BenchIngestFigures {
  dir: string;
  files: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsRejected: number;
  refused: number;
  /** Wall time of the whole ingest (lock, schema check, every file). */
  seconds: number;
  rowsPerSecond: number;
  /** Building the region dimension once, before the timed ingest. */
  schemaSeconds: number;
  peakRssMB: number;
  byFormat: Record<string, FormatFigures>;
  /** Seconds per phase summed over files: hash, parse (read+validate+stage file), insert (DuckDB), checks, commit. */
  phases: Record<string, number>;
  duckdb: {
    /** DuckDB read_csv of the same UTF-8 CSV files into tables: one call per extract type over all its files, union_by_name, sniffed types. */
    files: number;
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    /** Wall seconds of jiuzhu ingest of those files alone into a fresh warehouse. */
    oursSeconds: number;
    /** Our seconds for those files ÷ DuckDB's seconds. */
    ratio: number;
    /** Extract types DuckDB could only read as all-VARCHAR. */
    fallbacks: number;
    /** The former reference: DuckDB reading each file on its own. */
    perFileSeconds: number;
    perFileRatio: number;
    /** The same read_csv per extract type into tables of a database file (as the warehouse is), checkpointed. */
    fileSeconds: number;
    fileRatio: number;
    /**
     * The floor of any ingest that keeps the rows: the same read_csv per type with every
     * column as text (no sniffing, no type, no check), into a database file, checkpointed;
     * and that floor ÷ the reference (what ratio a do-nothing ingest would reach).
     */
    floorSeconds: number;
    floorOverReference: number;
  };
  /** Load average (1, 5, 15 min) at the end of the run: the figures mean little on a busy machine. */
  loadAverage: number[];
}

async function demoDir(opts: BenchIngestOptions): Promise<string> {
  if (opts.dir) return opts.dir;
  const scale = opts.scale ?? 1;
  const from = opts.from ?? "2025-01";
  const to = opts.to ?? "2025-12";
  const dir = join(tmpdir(), `jiuzhu-bench-demo-${scale}-${from}-${to}`);
  const done = join(dir, ".complete");
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  const { generateDemo } = await import("../../data/generator/index.js");
  opts.log?.(`bench: generating the demo province at scale ${scale}, ${from}…${to} into ${dir} (once; cached)`);
  await generateDemo({ out: dir, scale, from, to, log: opts.log });
  writeFileSync(done, new Date().toISOString());
  return dir;
}

const formatKey = (r: FileResult) => (r.format === "csv" ? `csv-${r.encoding === "gb18030" ? "gb18030" : "utf-8"}` : (r.format ?? "?"));

function sampleRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/**
 * DuckDB's own read of the given CSV files as a user would do it: per extract
 * type, one read_csv of all its files (header, union_by_name, types from the
 * sniffer) into a table. A type the sniffer's types cannot hold is read again
 * as text (counted as a fallback).
 */
async function duckdbReference(byType: Map<string, string[]>, target = ":memory:", asText = false): Promise<{ seconds: number; rows: number; fallbacks: number }> {
  if (target !== ":memory:") {
    rmSync(target, { force: true });
    rmSync(`${target}.wal`, { force: true });
  }
  const inst = await DuckDBInstance.create(target);
  const conn = await inst.connect();
  let rows = 0;
  let fallbacks = 0;
  const t0 = performance.now();
  try {
    for (const [type, files] of byType) {
      const list = `[${files.map(quoteLiteral).join(", ")}]`;
      let r;
      try {
        if (asText) throw new Error("as text");
        r = await conn.runAndReadAll(`CREATE OR REPLACE TABLE "${type}" AS SELECT * FROM read_csv(${list}, header = true, union_by_name = true); SELECT count(*) FROM "${type}"`);
      } catch {
        if (!asText) fallbacks++;
        r = await conn.runAndReadAll(`CREATE OR REPLACE TABLE "${type}" AS SELECT * FROM read_csv(${list}, header = true, union_by_name = true, all_varchar = true); SELECT count(*) FROM "${type}"`);
      }
      rows += Number(r.getRows()[0]![0]);
    }
    // a database file holds its tables only once they are checkpointed (as ours is at the end of an ingest)
    if (target !== ":memory:") await conn.run("CHECKPOINT");
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  return { seconds: (performance.now() - t0) / 1000, rows, fallbacks };
}

/** The former reference: each file read_csv'd on its own (types sniffed per file) into a table. */
async function duckdbPerFile(files: string[]): Promise<{ seconds: number; rows: number; fallbacks: number }> {
  const inst = await DuckDBInstance.create(":memory:");
  const conn = await inst.connect();
  let rows = 0;
  let fallbacks = 0;
  const t0 = performance.now();
  try {
    for (const f of files) {
      let r;
      try {
        r = await conn.runAndReadAll(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(${quoteLiteral(f)}, header = true); SELECT count(*) FROM t`);
      } catch {
        fallbacks++;
        r = await conn.runAndReadAll(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(${quoteLiteral(f)}, header = true, all_varchar = true); SELECT count(*) FROM t`);
      }
      rows += Number(r.getRows()[0]![0]);
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  return { seconds: (performance.now() - t0) / 1000, rows, fallbacks };
}

/** Parquet copies of some UTF-8 CSV files (the demo writes none), for the Parquet figure. */
async function parquetSample(csvFiles: string[], outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const inst = await DuckDBInstance.create(":memory:");
  const conn = await inst.connect();
  const out: string[] = [];
  try {
    for (const f of csvFiles) {
      const target = join(outDir, basename(f).replace(/\.csv$/, ".parquet"));
      await conn.run(`COPY (SELECT * FROM read_csv(${quoteLiteral(f)}, header = true, all_varchar = true)) TO ${quoteLiteral(target)} (FORMAT parquet)`);
      out.push(target);
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
  return out;
}

function figuresByFormat(results: FileResult[], sizes: Map<string, number>): Record<string, FormatFigures> {
  const by: Record<string, FormatFigures> = {};
  for (const r of results) {
    if (r.status !== "loaded") continue;
    const k = formatKey(r);
    const f = (by[k] ??= { files: 0, rows: 0, megabytes: 0, seconds: 0, rowsPerSecond: 0 });
    f.files++;
    f.rows += r.rowsRead;
    f.seconds += r.seconds;
    f.megabytes += (sizes.get(r.file) ?? 0) / 1e6;
  }
  for (const f of Object.values(by)) {
    f.rowsPerSecond = Math.round(f.rows / Math.max(f.seconds, 1e-9));
    f.megabytes = Math.round(f.megabytes * 10) / 10;
    f.seconds = Math.round(f.seconds * 100) / 100;
  }
  return by;
}

export async function benchIngest(opts: BenchIngestOptions = {}): Promise<BenchIngestFigures> {
  const log = opts.log ?? (() => {});
  const dir = await demoDir(opts);
  const work = join(tmpdir(), `jiuzhu-bench-ingest-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const db = opts.db ?? join(work, "warehouse.duckdb");
  try {
    rmSync(db, { force: true });
    rmSync(`${db}.wal`, { force: true });
    const t0 = performance.now();
    await withWarehouse(db, (wh) => ensureWarehouseSchema(wh));
    const schemaSeconds = (performance.now() - t0) / 1000;

    const files = readdirSync(dir).filter((f) => /\.(csv|xlsx|parquet)$/.test(f));
    const sizes = new Map(files.map((f) => [f, statSync(join(dir, f)).size]));
    log(`bench: ingesting ${files.length} files (${Math.round([...sizes.values()].reduce((a, b) => a + b, 0) / 1e6)} MB) from ${dir}`);
    const rss = sampleRss();
    const summary = await ingestPaths(db, [dir], { progress: false });
    const peakRssMB = Math.round(rss.stop() / 1e6);

    const phases: Record<string, number> = {};
    for (const r of summary.files) for (const [k, v] of Object.entries(r.phases ?? {})) phases[k] = (phases[k] ?? 0) + v;
    for (const k of Object.keys(phases)) phases[k] = Math.round(phases[k]! * 100) / 100;
    const byFormat = figuresByFormat(summary.files, sizes);
    log(`bench: ingest done: ${summary.files.length} files, ${summary.rowsRead} rows in ${summary.seconds.toFixed(1)} s, peak RSS ${peakRssMB} MB; ${JSON.stringify({ byFormat, phases })}`);

    // DuckDB's own read of the same UTF-8 CSV files, in this run, against ours of those files alone
    const utf8 = summary.files.filter((r) => r.status === "loaded" && r.format === "csv" && r.encoding !== "gb18030");
    const byType = new Map<string, string[]>();
    for (const r of utf8) (byType.get(r.type!) ?? byType.set(r.type!, []).get(r.type!)!).push(join(dir, r.file));
    log(`bench: jiuzhu ingest of the ${utf8.length} UTF-8 CSV files alone`);
    const db3 = join(work, "utf8.duckdb");
    await withWarehouse(db3, (wh) => ensureWarehouseSchema(wh));
    const alone = await ingestPaths(db3, utf8.map((r) => join(dir, r.file)), { progress: false });
    const ours = alone.seconds;
    rmSync(db3, { force: true });
    rmSync(`${db3}.wal`, { force: true });
    log(`bench: DuckDB read_csv of the same files, one call per extract type (${byType.size} types)`);
    const base = await duckdbReference(byType);
    log(`bench: DuckDB read_csv of the same files, one call per extract type, into a database file`);
    const toFile = await duckdbReference(byType, join(work, "reference.duckdb"));
    log(`bench: DuckDB read_csv of the same files as text, into a database file (the floor of any ingest that keeps the rows)`);
    const floor = await duckdbReference(byType, join(work, "floor.duckdb"), true);
    log(`bench: DuckDB read_csv of the same files, one call per file`);
    const perFile = await duckdbPerFile(utf8.map((r) => join(dir, r.file)));

    // Parquet: copies of one month of UTF-8 CSV files, into a second warehouse
    const month = utf8.find((r) => r.type === "roster")?.period ?? "2025-01";
    const sample = utf8.filter((r) => r.period === month).map((r) => join(dir, r.file));
    if (sample.length > 0) {
      const pq = await parquetSample(sample, join(work, "parquet"));
      const db2 = join(work, "parquet.duckdb");
      await withWarehouse(db2, (wh) => ensureWarehouseSchema(wh));
      const s2 = await ingestPaths(db2, pq, { progress: false });
      const sizes2 = new Map(pq.map((f) => [basename(f), statSync(f).size]));
      Object.assign(byFormat, figuresByFormat(s2.files, sizes2));
    }

    return {
      dir,
      files: summary.files.length,
      rowsRead: summary.rowsRead,
      rowsLoaded: summary.rowsLoaded,
      rowsRejected: summary.rowsRejected,
      refused: summary.refused,
      seconds: Math.round(summary.seconds * 100) / 100,
      rowsPerSecond: Math.round(summary.rowsRead / summary.seconds),
      schemaSeconds: Math.round(schemaSeconds * 100) / 100,
      peakRssMB,
      byFormat,
      phases,
      duckdb: {
        files: utf8.length,
        rows: base.rows,
        seconds: Math.round(base.seconds * 100) / 100,
        rowsPerSecond: Math.round(base.rows / Math.max(base.seconds, 1e-9)),
        oursSeconds: Math.round(ours * 100) / 100,
        ratio: Math.round((ours / Math.max(base.seconds, 1e-9)) * 100) / 100,
        fallbacks: base.fallbacks,
        perFileSeconds: Math.round(perFile.seconds * 100) / 100,
        perFileRatio: Math.round((ours / Math.max(perFile.seconds, 1e-9)) * 100) / 100,
        fileSeconds: Math.round(toFile.seconds * 100) / 100,
        fileRatio: Math.round((ours / Math.max(toFile.seconds, 1e-9)) * 100) / 100,
        floorSeconds: Math.round(floor.seconds * 100) / 100,
        floorOverReference: Math.round((floor.seconds / Math.max(base.seconds, 1e-9)) * 100) / 100,
      },
      loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    if (!opts.db) rmSync(work, { recursive: true, force: true });
  }
}

/** Plain-text table of the figures. */
export function formatIngestFigures(f: BenchIngestFigures): string {
  const lines = [
    `ingest: ${f.files} files, ${f.rowsRead.toLocaleString("en")} rows (${f.rowsLoaded.toLocaleString("en")} loaded, ${f.rowsRejected.toLocaleString("en")} rejected, ${f.refused} files refused) in ${f.seconds} s = ${f.rowsPerSecond.toLocaleString("en")} rows/s; peak RSS ${f.peakRssMB} MB; region dimension built once in ${f.schemaSeconds} s`,
    ...Object.entries(f.byFormat).map(
      ([k, v]) => `  ${k.padEnd(12)} ${String(v.files).padStart(5)} files ${v.rows.toLocaleString("en").padStart(11)} rows ${String(v.megabytes).padStart(8)} MB ${String(v.seconds).padStart(8)} s ${v.rowsPerSecond.toLocaleString("en").padStart(9)} rows/s`,
    ),
    `  time per phase (s): ${Object.entries(f.phases).map(([k, v]) => `${k} ${v}`).join(", ")}`,
    `  UTF-8 CSV (${f.duckdb.files} files, ${f.duckdb.rows.toLocaleString("en")} rows): DuckDB read_csv per extract type (union_by_name, sniffed types${f.duckdb.fallbacks ? `, ${f.duckdb.fallbacks} type(s) as text` : ""}) ${f.duckdb.seconds} s (${f.duckdb.rowsPerSecond.toLocaleString("en")} rows/s); jiuzhu ingest of the same files alone ${f.duckdb.oursSeconds} s; ratio ${f.duckdb.ratio}×`,
    `  the same read into tables of a database file (persisted, as the warehouse is): ${f.duckdb.fileSeconds} s; ratio ${f.duckdb.fileRatio}×`,
    `  floor of any ingest that keeps the rows, DuckDB reading them as text (no types, no checks) into a database file: ${f.duckdb.floorSeconds} s = ${f.duckdb.floorOverReference}× the reference`,
    `  former reference, DuckDB read_csv per file: ${f.duckdb.perFileSeconds} s; ratio ${f.duckdb.perFileRatio}×`,
    `  load average ${f.loadAverage.join(" ")} (2 cores: figures from a busy machine are slower and noisier)`,
    `  (per-format seconds: each file's reading plus its share of its batch's checks and commit; JavaScript reads the next batch while DuckDB loads one, so they add up to more than the wall time)`,
  ];
  return `${lines.join("\n")}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await benchIngest({ dir: process.argv[2], log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(formatIngestFigures(figures));
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
