// Staging files (decoded text, raw cells, canonical rows of the few rows the
// contract checks in JavaScript) live in a private folder beside the warehouse:
// `<db folder>/.jiuzhu-staging/<pid>-<random>/`, mode 0700, files 0600. The
// folder goes on every way out of the process we can see (return, throw, exit,
// SIGINT/SIGTERM); one left by a killed run is removed by the next ingest.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { quoteLiteral } from "./db.js";

const FLUSH_AT = 1 << 20;
const NEEDS_QUOTES = /[",\n\r]/;

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const live = new Set<string>();
let hooked = false;
function removeAll(): void {
  for (const d of live) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort on the way out */
    }
  }
  live.clear();
}
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", removeAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      removeAll();
      process.kill(process.pid, sig);
    });
  }
}

export class StagingDir {
  readonly path: string;
  private n = 0;

  private constructor(path: string) {
    this.path = path;
  }

  /** The staging root of a warehouse: beside it, or in the temp folder for `:memory:`. */
  static rootOf(dbPath: string): string {
    return dbPath === ":memory:" ? join(tmpdir(), ".jiuzhu-staging") : join(dirname(resolve(dbPath)), ".jiuzhu-staging");
  }

  /** Create this run's folder; folders of runs whose process is gone are removed first. */
  static create(dbPath: string): StagingDir {
    const root = StagingDir.rootOf(dbPath);
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o700); // mkdir's mode is not applied to a folder that already existed
    for (const name of safeList(root)) {
      const pid = Number.parseInt(name.split("-")[0]!, 10);
      if (!pidAlive(pid)) rmSync(join(root, name), { recursive: true, force: true });
    }
    const path = join(root, `${process.pid}-${randomBytes(6).toString("hex")}`);
    mkdirSync(path, { mode: 0o700 });
    chmodSync(path, 0o700);
    live.add(path);
    hookExit();
    return new StagingDir(path);
  }

  /** A new file name in the folder (not created). */
  file(ext: string): string {
    return join(this.path, `${++this.n}.${ext}`);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
    live.delete(this.path);
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A CSV file of rows written in batches (mode 0600), read back by DuckDB with declared column types. */
export class CsvSink {
  private fd: number | null = null;
  private parts: string[] = [];
  private size = 0;
  rows = 0;

  constructor(
    readonly path: string,
    private readonly columns: readonly (readonly [string, string])[],
  ) {}

  push(values: readonly (string | number | boolean | null | undefined)[]): void {
    let s = "";
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (i > 0) s += ",";
      if (v == null) continue;
      if (typeof v === "string") {
        // an empty string is written quoted, so it stays an empty string, not NULL
        s += v === "" ? '""' : NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
      } else s += String(v);
    }
    this.parts.push(s);
    this.size += s.length + 1;
    this.rows++;
    if (this.size >= FLUSH_AT) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    if (this.fd === null) this.fd = openSync(this.path, "wx", 0o600);
    writeSync(this.fd, `${this.parts.join("\n")}\n`);
    this.parts = [];
    this.size = 0;
  }

  finish(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** `read_csv(…)` of what was written (call finish first); NULL when nothing was. */
  readSql(): string | null {
    if (this.rows === 0) return null;
    const cols = this.columns.map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t.replace(/ NOT NULL$/, ""))}`).join(", ");
    return `read_csv(${quoteLiteral(this.path)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"',
      new_line = '\\n', allow_quoted_nulls = false, columns = {${cols}})`;
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
    rmSync(this.path, { force: true });
  }
}
