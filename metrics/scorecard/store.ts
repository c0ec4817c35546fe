// Writing mart tables: one typed column list per table gives both the DDL and the appender calls.
import { LIST, VARCHAR, listValue, timestampValue } from "@duckdb/node-api";

const VARCHAR_LIST = LIST(VARCHAR);
import { quoteIdent, type Warehouse } from "../../loaders/db.js";

export type ColumnType = "VARCHAR" | "DOUBLE" | "INTEGER" | "BIGINT" | "BOOLEAN" | "VARCHAR[]" | "TIMESTAMP";

export interface TableColumn {
  name: string;
  type: ColumnType;
}

export type TableRow = Record<string, string | number | boolean | bigint | string[] | Date | null | undefined>;

export function createTableSql(table: string, columns: readonly TableColumn[]): string {
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (${columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(", ")})`;
}

/** Append rows with DuckDB's appender (fast, typed); the table must exist with exactly these columns. */
export async function appendRows(wh: Warehouse, table: string, columns: readonly TableColumn[], rows: readonly TableRow[]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await wh.connection.createAppender(table);
  try {
    for (const row of rows) {
      for (const col of columns) {
        const v = row[col.name];
        if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) {
          appender.appendNull();
          continue;
        }
        switch (col.type) {
          case "VARCHAR":
            appender.appendVarchar(String(v));
            break;
          case "DOUBLE":
            appender.appendDouble(Number(v));
            break;
          case "INTEGER":
            appender.appendInteger(Number(v));
            break;
          case "BIGINT":
            appender.appendBigInt(BigInt(v as number | bigint));
            break;
          case "BOOLEAN":
            appender.appendBoolean(Boolean(v));
            break;
          case "VARCHAR[]":
            appender.appendList(listValue((v as string[]).map(String)), VARCHAR_LIST);
            break;
          case "TIMESTAMP":
            appender.appendTimestamp(timestampValue(BigInt((v as Date).getTime()) * 1000n));
            break;
        }
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

export async function tableExists(wh: Warehouse, table: string): Promise<boolean> {
  const rows = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = ?", [table]);
  return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Create the table. When it exists with other columns (an older layout), a derived mart is
 * re-created (`replaceIfDifferent`); a record is never dropped: that is an error.
 */
export async function ensureTable(
  wh: Warehouse,
  table: string,
  columns: readonly TableColumn[],
  options: { replaceIfDifferent?: boolean } = {},
): Promise<void> {
  const existing = await wh.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
    [table],
  );
  const same = existing.length === columns.length && existing.every((c, i) => c.column_name === columns[i]!.name);
  if (existing.length > 0 && !same) {
    if (!options.replaceIfDifferent)
      throw new Error(`${table} has columns (${existing.map((c) => c.column_name).join(", ")}) that this version does not write; migrate it first`);
    await wh.run(`DROP TABLE ${quoteIdent(table)}`);
  }
  await wh.run(createTableSql(table, columns));
}

/** A VARCHAR[] parameter. */
export function varcharList(values: readonly string[]) {
  return listValue([...values]);
}
