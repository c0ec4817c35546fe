// Parquet through DuckDB's own reader, in a private in-memory instance so the
// warehouse connection stays free for the load. Every column is read as text
// (dates as YYYY-MM-DD, decimals exactly) and goes through the same contract.
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../db.js";
import type { Cell } from "../contracts/normalise.js";
import { FileRefused, forPeople, type RowBatch, type Source } from "./source.js";

export async function openParquet(path: string, displayName: string): Promise<Source> {
  const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
  const conn = await instance.connect();
  const close = () => {
    conn.closeSync();
    instance.closeSync();
  };
  let header: string[];
  let types: string[];
  try {
    const desc = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(path)})`);
    const rows = desc.getRowObjectsJS() as { column_name: string; column_type: string }[];
    header = rows.map((r) => r.column_name);
    types = rows.map((r) => r.column_type);
  } catch (error) {
    close();
    throw new FileRefused(displayName, `unreadable Parquet: ${forPeople(error)}`);
  }
  const select = header
    .map((h, i) => {
      const t = types[i]!;
      // timestamps as dates: a date column exported as a timestamp keeps its day
      const expr = /^TIMESTAMP/.test(t) ? `strftime(${quoteIdent(h)}, '%Y-%m-%d')` : `CAST(${quoteIdent(h)} AS VARCHAR)`;
      return expr;
    })
    .join(", ");

  async function* batches(): AsyncGenerator<RowBatch> {
    try {
      const result = await conn.stream(`SELECT ${select} FROM read_parquet(${quoteLiteral(path)})`);
      let rowNo = 1;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        const rows = chunk.getRows() as Cell[][];
        const lines = new Array<number>(rows.length);
        for (let i = 0; i < rows.length; i++) lines[i] = ++rowNo;
        yield { lines, rows };
      }
    } catch (error) {
      if (error instanceof FileRefused) throw error;
      throw new FileRefused(displayName, `unreadable Parquet: ${forPeople(error)}`);
    } finally {
      close();
    }
  }

  let rows = 0;
  try {
    const r = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(path)})`);
    rows = Number(r.getRows()[0]![0]);
  } catch (error) {
    close();
    throw new FileRefused(displayName, `unreadable Parquet: ${forPeople(error)}`);
  }

  return {
    format: "parquet",
    encoding: null,
    parquet: { path, types, rows },
    header,
    headerLine: 1,
    batches,
    bytesRead: () => 0,
    close,
  };
}

/** Parquet types a cell can come from: text, numbers, booleans, dates and times. */
const SCALAR = /^(VARCHAR|CHAR|TEXT|STRING|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL\(\d+,\d+\)|DATE|TIME|TIMESTAMP.*|UUID)$/;

/**
 * The SQL that turns one Parquet column into the text cell the checks read
 * (as the other formats give it): dates and timestamps tagged as dates (their
 * day), decimals without trailing zeros, the rest as text. Null when the column
 * holds no such values (BLOB, LIST, STRUCT, MAP…).
 */
export function parquetCellSql(column: string, type: string): string | null {
  const t = type.toUpperCase();
  if (!SCALAR.test(t)) return null;
  const c = quoteIdent(column);
  if (t === "DATE" || t.startsWith("TIMESTAMP")) return `chr(1) || 'd:' || strftime(${c}, '%Y-%m-%d') || 'T00:00:00.000Z'`;
  const dec = /^DECIMAL\(\d+,(\d+)\)$/.exec(t);
  if (dec && Number(dec[1]) > 2) return `regexp_replace(regexp_replace(CAST(${c} AS VARCHAR), '(\\.[0-9]*?)0+$', '\\1'), '\\.$', '')`;
  return `CAST(${c} AS VARCHAR)`;
}
