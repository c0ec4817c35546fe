// Parquet through DuckDB's own reader, in a private in-memory instance so the
// warehouse connection stays free for the load. Every column is read as text
// (dates as YYYY-MM-DD, decimals exactly) and goes through the same contract.
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../db.js";
import type { Cell } from "../contracts/normalise.js";
import { FileRefused, type RowBatch, type Source } from "./source.js";

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
    throw new FileRefused(displayName, `unreadable Parquet: ${(error as Error).message.split("\n")[0]}`);
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
      throw new FileRefused(displayName, `unreadable Parquet: ${(error as Error).message.split("\n")[0]}`);
    } finally {
      close();
    }
  }

  return {
    format: "parquet",
    encoding: null,
    header,
    headerLine: 1,
    batches,
    bytesRead: () => 0,
    close,
  };
}
