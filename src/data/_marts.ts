// Read-only access to the warehouse marts for the site's data loaders.
// Loaders run from the project root; a missing warehouse or mart yields no rows
// (with a warning on stderr) so the site still builds while the layers land.
import { existsSync } from "node:fs";
import { DEFAULT_DB, Warehouse, type Params } from "../../loaders/db.js";

export const DB_PATH = process.env.JIUZHU_DB ?? DEFAULT_DB;

/** The only tables a page may read (ARCHITECTURE.md). */
export const MART_TABLES = [
  "mart_indicator",
  "mart_score",
  "mart_score_dimension",
  "mart_score_detail",
  "mart_funnel",
  "mart_allocation_input",
  "mart_allocation",
  "meta_allocation",
  "mart_case",
  "mart_quality",
  "dim_region",
  "meta_delivery",
  "meta_reject",
] as const;
export type MartTable = (typeof MART_TABLES)[number];

export type Row = Record<string, unknown>;

/** DuckDB values to plain JSON values: BIGINT and DECIMAL to numbers, dates to ISO strings. */
export function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") {
    const v = value as { toDouble?: () => number; toString?: () => string };
    if (typeof v.toDouble === "function") return v.toDouble();
    if (v.constructor === Object) return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, plain(x)]));
    if (typeof v.toString === "function") return v.toString();
  }
  return String(value);
}

export class Marts {
  private constructor(
    private readonly wh: Warehouse | undefined,
    private readonly tables: Map<string, Set<string>>,
  ) {}

  static async open(): Promise<Marts> {
    if (!existsSync(DB_PATH)) {
      warn(`warehouse ${DB_PATH} not found: the site shows 暂无数据`);
      return new Marts(undefined, new Map());
    }
    const wh = await Warehouse.open(DB_PATH, { readOnly: true });
    const cols = await wh.query<{ t: string; c: string }>(
      "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'main'",
    );
    const tables = new Map<string, Set<string>>();
    for (const { t, c } of cols) {
      if (!(MART_TABLES as readonly string[]).includes(t)) continue;
      if (!tables.has(t)) tables.set(t, new Set());
      tables.get(t)!.add(c);
    }
    return new Marts(wh, tables);
  }

  /** Rows of a query over `table` (which must exist), or [] with a warning when it does not yet. */
  async rows<T extends Row = Row>(table: MartTable | MartTable[], sql: string, params?: Params): Promise<T[]> {
    const needed = Array.isArray(table) ? table : [table];
    const missing = needed.filter((t) => !this.tables.has(t));
    if (missing.length > 0 || !this.wh) {
      for (const t of missing) if (!warned.has(t)) warn(`${t} not in the warehouse yet: no rows`), warned.add(t);
      return [];
    }
    const rows = await this.wh.query(sql, params);
    return rows.map((r) => plain(r) as T);
  }

  close(): void {
    this.wh?.close();
  }
}

/** Open the marts, run `fn`, close, and write its result to stdout as JSON. */
export async function emitJson(fn: (m: Marts) => Promise<unknown>): Promise<void> {
  const m = await Marts.open();
  try {
    process.stdout.write(JSON.stringify(await fn(m)));
  } finally {
    m.close();
  }
}

const warned = new Set<string>();

export function warn(message: string): void {
  process.stderr.write(`jiuzhu site: ${message}\n`);
}
