// SQL types of the dictionary's field kinds, and the DDL of the tables that hold
// each extract's rows. Ingestion creates staging with it; metric tests create
// fixtures of the same shape with it, so both sides agree on one schema.
import { quoteIdent } from "../db.js";
import { extractDef, type ExtractType, type FieldKind } from "./dictionary.js";

export function sqlTypeOf(kind: FieldKind): string {
  switch (kind) {
    case "int":
      return "INTEGER";
    case "decimal":
      return "DECIMAL(9,4)";
    case "money":
      return "DECIMAL(18,2)";
    case "date":
      return "DATE";
    case "bool":
      return "BOOLEAN";
    case "month": // 'YYYY-MM'
    case "text":
    case "id":
    case "region":
    case "county":
    case "enum": // the canonical code, never the Chinese label
      return "VARCHAR";
  }
}

/** Lineage and derived columns every row of every extract carries, after the canonical fields. */
export const LINEAGE_COLUMNS: readonly (readonly [string, string])[] = [
  ["delivery_id", "INTEGER NOT NULL"],
  ["line", "INTEGER NOT NULL"],
  ["county_code", "VARCHAR"],
  ["city_code", "VARCHAR"],
];

/** Column list (name and SQL type) of an extract's row table. */
export function extractColumns(type: ExtractType): [string, string][] {
  const def = extractDef(type);
  const cols: [string, string][] = def.fields.map((f) => [f.name, sqlTypeOf(f.kind)]);
  for (const [name, sqlType] of LINEAGE_COLUMNS) {
    if (!cols.some(([n]) => n === name)) cols.push([name, sqlType]);
  }
  return cols;
}

export function createTableSql(type: ExtractType, table: string): string {
  const cols = extractColumns(type).map(([n, t]) => `${quoteIdent(n)} ${t}`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (${cols.join(", ")})`;
}
