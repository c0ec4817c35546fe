// Validated rows go to a temporary CSV of canonical values (dates ISO, money
// as exact decimal text, booleans true/false), which DuckDB then reads in
// one INSERT … SELECT inside the load's transaction: its parallel CSV reader
// does the typing, much faster than one native call per value.
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { quoteIdent, quoteLiteral, type Warehouse } from "./db.js";
import type { Canonical } from "./contracts/normalise.js";

const FLUSH_AT = 1 << 20; // characters buffered before a write
const NEEDS_QUOTES = /[",\n\r]/;

export class CsvSink {
  private readonly path: string;
  private fd: number | null;
  private parts: string[] = [];
  private size = 0;
  rows = 0;

  constructor(
    private readonly table: string,
    private readonly columns: readonly (readonly [string, string])[],
    /** Which columns may hold text that needs CSV quoting (free text). */
    private readonly quoted: readonly boolean[],
    /** Columns set once per load (e.g. delivery_id), before the file's columns. */
    private readonly constantColumns: readonly string[] = [],
  ) {
    this.path = join(tmpdir(), `jiuzhu-stage-${process.pid}-${randomBytes(6).toString("hex")}.csv`);
    this.fd = null;
  }

  /** Append one row of values in column order. */
  push(values: Canonical[]): void {
    const q = this.quoted;
    let copy: Canonical[] | null = null;
    for (let i = 0; i < q.length; i++) {
      if (!q[i]) continue;
      const v = values[i];
      if (typeof v === "string" && NEEDS_QUOTES.test(v)) (copy ??= values.slice())[i] = `"${v.replace(/"/g, '""')}"`;
    }
    // join writes null as an empty field, which read_csv takes as NULL
    const s = (copy ?? values).join(",");
    this.parts.push(s);
    this.size += s.length + 1;
    this.rows++;
    if (this.size >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    if (this.fd === null) this.fd = openSync(this.path, "wx"); // created on first use
    writeSync(this.fd, `${this.parts.join("\n")}\n`);
    this.parts = [];
    this.size = 0;
  }

  /** Write out what is buffered and close the file. */
  finish(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * Load everything pushed into the table (within the caller's transaction),
   * the leading columns of `constantColumns` set to `constants`; returns the rows inserted.
   */
  async load(wh: Warehouse, constants: (string | number)[] = []): Promise<number> {
    this.finish();
    if (this.rows === 0) return 0;
    const cols = this.columns.map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t.replace(/ NOT NULL$/, ""))}`).join(", ");
    const targets = [...this.constantColumns, ...this.columns.map(([n]) => n)].map(quoteIdent).join(", ");
    const values = constants.map((_, i) => `$${i + 1}`).join(", ");
    const result = await wh.query<{ Count: bigint }>(
      `INSERT INTO ${quoteIdent(this.table)} (${targets})
       SELECT ${values ? `${values}, ` : ""}* FROM read_csv(${quoteLiteral(this.path)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
         new_line = '\\n', columns = {${cols}})`,
      constants,
    );
    return Number(result[0]?.Count ?? 0);
  }

  dispose(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = null;
    }
    try {
      unlinkSync(this.path);
    } catch {
      /* never created or already gone */
    }
  }
}
