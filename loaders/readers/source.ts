// What every reader hands ingestion: the header, then batches of rows with
// their line numbers, cells as the format gives them (strings, numbers, dates).
import type { Cell } from "../contracts/normalise.js";

export type Format = "csv" | "xlsx" | "parquet";

export interface RowBatch {
  /** Line (CSV), sheet row (XLSX) or row number (Parquet) of each row. */
  lines: number[];
  rows: Cell[][];
}

export interface Source {
  format: Format;
  /** Detected text encoding (CSV only). */
  readonly encoding: string | null;
  header: string[];
  headerLine: number;
  /** Field delimiter (CSV only). */
  delimiter?: string;
  /** Parquet only: the file (a plain-named link), its column types and row count, for DuckDB to read it itself. */
  parquet?: { path: string; types: string[]; rows: number };
  /** Sheet the rows come from (XLSX only). */
  sheet?: string;
  batches(): AsyncGenerator<RowBatch>;
  /** Bytes read so far (for progress), when the reader knows. */
  bytesRead(): number;
  close(): void;
}

/** A whole file refused: nothing of it is loaded; `reason` is one clear line. */
export class FileRefused extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: refused: ${reason}`);
    this.name = "FileRefused";
  }
}

/**
 * An error of a library (DuckDB, zlib, the file system) as one line for people:
 * its first line, without the library's error class ("Conversion Error: "), the
 * paths of private staging files, or "Original Line" echoes.
 */
export function forPeople(error: unknown): string {
  let m = String((error as Error)?.message ?? error).split("\n")[0] ?? "";
  m = m.replace(/^(?:[A-Z][a-z]+ )*(?:Error|Exception): /, "");
  m = m.replace(/(?:\/[^\s'"]*)?\.jiuzhu-staging\/[^\s'"]*/g, "(its staged copy)");
  m = m.replace(/ *Original Line:.*$/, "");
  m = m.replace(/\bCSV Error on Line: \d+/, "a line could not be read");
  return m.trim() || "an unexpected error";
}
