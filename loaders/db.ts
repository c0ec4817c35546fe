// The one way to run SQL against the warehouse: an async factory, bound
// parameters, identifiers quoted by one tested helper.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DEFAULT_DB } from "./defaults.js";

export { DEFAULT_DB };

export type Params = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/** Quote an SQL identifier (table or column name). */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error("empty SQL identifier");
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote an SQL string literal, for the few statements DuckDB cannot parameterise (ATTACH, COPY paths). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * `--db` is a DuckDB file, or (when the caller may create one) a path where
 * nothing is yet; anything else (a CSV, a JSON, a folder) is refused in one line
 * rather than opened as a throwaway database.
 */
export function assertWarehouseFile(path: string, mayCreate: boolean): void {
  if (!existsSync(path)) {
    if (mayCreate) return;
    throw new Error(`no warehouse at ${path}: run jiuzhu ingest first, or give --db the warehouse file`);
  }
  const st = statSync(path);
  if (st.isDirectory()) throw new Error(`${path} is a folder, not a warehouse file: give --db the .duckdb file`);
  if (st.size === 0) return;
  const head = new Uint8Array(12);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  if (String.fromCharCode(...head.subarray(8, 12)) !== "DUCK") {
    throw new Error(`${path} is not a DuckDB warehouse: give --db the warehouse file, or a path that does not exist yet to create one`);
  }
}

/** Who holds the warehouse file when DuckDB could not lock it ("pid 123"), else null. */
function heldBy(error: unknown): string | null {
  const m = /Could not set lock on file[^]*?Conflicting lock is held in .*?\(PID (\d+)\)/.exec((error as Error)?.message ?? "");
  if (m) return `pid ${m[1]}`;
  return /Could not set lock on file/.test((error as Error)?.message ?? "") ? "another process" : null;
}

export class Warehouse {
  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /**
   * Open (or create) a warehouse file; `:memory:` for tests. While another process
   * has the file open (an ingest, a reader, the site build), wait for it, saying so
   * once, up to `JIUZHU_LOCK_TIMEOUT_MS` (default 10 min).
   */
  static async open(path: string = DEFAULT_DB, options: { readOnly?: boolean; timeoutMs?: number; onWait?: (message: string) => void } = {}): Promise<Warehouse> {
    if (path !== ":memory:") {
      assertWarehouseFile(path, !options.readOnly);
      if (!options.readOnly) mkdirSync(dirname(path), { recursive: true });
    }
    const config: Record<string, string> = {};
    if (options.readOnly) config.access_mode = "READ_ONLY";
    const timeoutMs = options.timeoutMs ?? Number(process.env.JIUZHU_LOCK_TIMEOUT_MS ?? 600_000);
    const onWait = options.onWait ?? ((m: string) => void process.stderr.write(`${m}\n`));
    const started = Date.now();
    let said = false;
    for (;;) {
      let instance: DuckDBInstance;
      try {
        instance = await DuckDBInstance.create(path, config);
      } catch (error) {
        const holder = heldBy(error);
        if (holder === null) throw error;
        if (Date.now() - started >= timeoutMs) {
          throw new Error(`the warehouse ${path} is still in use by another process (${holder}) after ${Math.round(timeoutMs / 1000)} s; try again when it has finished`);
        }
        if (!said) onWait(`another process (${holder}) has the warehouse ${path} open; waiting for it (at most ${Math.round(timeoutMs / 60_000)} min)…`);
        said = true;
        await new Promise((ok) => setTimeout(ok, 250));
        continue;
      }
      const connection = await instance.connect();
      return new Warehouse(path, instance, connection);
    }
  }

  /** Run a statement and return its rows as plain JS objects (BIGINT → bigint, DECIMAL → DuckDBDecimalValue). */
  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Rows as JSON-safe objects: BIGINT and DECIMAL become strings or numbers that print exactly. */
  async queryJson<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJson() as T[];
  }

  /** A second connection to the same database, for work that must not queue behind this one's. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async run(sql: string, params?: Params): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Run `fn` inside one transaction: all of it lands, or none of it. */
  async transaction<T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> {
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const result = await fn(this);
      await this.connection.run("COMMIT");
      return result;
    } catch (error) {
      await this.connection.run("ROLLBACK");
      throw error;
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** Open a warehouse, run `fn`, always close. */
export async function withWarehouse<T>(
  path: string,
  fn: (wh: Warehouse) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  const wh = await Warehouse.open(path, options);
  try {
    return await fn(wh);
  } finally {
    wh.close();
  }
}
