// `jiuzhu ingest` and `jiuzhu report loads|rejects` through commander, in process.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { registerIngest } from "../../loaders/cli.js";
import { validRows, writeCsv } from "../fixtures/extracts/make.js";
import { freshWarehouse, templateWarehouse } from "../fixtures/extracts/warehouse.js";

beforeAll(async () => {
  await templateWarehouse();
}, 60_000);

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(args: string[]): Promise<{ out: string; err: string; code: number | undefined; error?: Error }> {
  let out = "";
  let err = "";
  let error: Error | undefined;
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const program = new Command("jiuzhu").exitOverride();
  registerIngest(program);
  process.exitCode = undefined;
  try {
    await program.parseAsync(["node", "jiuzhu", ...args]);
  } catch (e) {
    error = e as Error;
  } finally {
    vi.restoreAllMocks();
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code, error };
}

describe("jiuzhu ingest / report", () => {
  it("loads, logs one plain line per file, and reports loads and rejects in every format", async () => {
    const { db, dir } = await freshWarehouse();
    const rows = validRows("roster", 4);
    rows[1]!.approved_on = "2024-02-30";
    writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", rows, "gb18030");
    writeFileSync(join(dir, "notes.csv"), "甲,乙\n1,2\n");
    const r = await run(["ingest", "--db", db, dir]);
    expect(r.error?.message).toBe("1 file(s) refused, nothing of them loaded (reasons above)"); // the CLI exits 1
    // a refusal names the path as given, so the user can find the file
    expect(r.err.split("\n")).toContainEqual(expect.stringMatching(/^.*\/notes\.csv: refused: unknown extract type/));
    expect(r.err).toContain(`${join(dir, "notes.csv")}: refused: unknown extract type`);
    expect(r.err).toMatch(/^roster_2025-01_150102\.csv: loaded as delivery 1 \(roster 150102 2025-01\): 4 read, 3 loaded, 1 rejected/m);
    expect(r.out).toMatch(/2 file\(s\): 1 loaded, 0 unchanged, 1 refused; rows 4 read = 3 loaded \+ 1 rejected/);

    const table = await run(["report", "loads", "--db", db]);
    expect(table.out).toMatch(/delivery_id\s+file_name\s+extract_type/);
    expect(table.out).toMatch(/1\s+roster_2025-01_150102\.csv\s+roster\s+150102\s+2025-01\s+4\s+3\s+1\s+current/);

    const json = JSON.parse((await run(["report", "loads", "--db", db, "--format", "json"])).out);
    expect(json).toEqual([
      expect.objectContaining({ delivery_id: 1, extract_type: "roster", county_code: "150102", period: "2025-01", encoding: "gb18030", rows_read: 4, rows_loaded: 3, rows_rejected: 1, status: "current", warnings: [] }),
    ]);

    const csv = (await run(["report", "loads", "--db", db, "--format", "csv"])).out.split("\n");
    expect(csv[0]).toBe("delivery_id,file_name,extract_type,county_code,period,format,encoding,received_at,loaded_at,rows_read,rows_loaded,rows_rejected,status,superseded_by,warnings");

    const rejects = await run(["report", "rejects", "--db", db]);
    expect(rejects.out).toBe("roster_2025-01_150102.csv:3:批准日期: not a valid calendar date: 2024-02-30\n");
    const rj = JSON.parse((await run(["report", "rejects", "--db", db, "--format", "json"])).out);
    expect(rj).toEqual([{ delivery_id: 1, file_name: "roster_2025-01_150102.csv", line: 3, column_name: "批准日期", value: "2024-02-30", reason: "not a valid calendar date: 2024-02-30" }]);
    const rc = (await run(["report", "rejects", "--db", db, "--format", "csv"])).out;
    expect(rc).toBe("delivery_id,file_name,line,column_name,value,reason\n1,roster_2025-01_150102.csv,3,批准日期,2024-02-30,not a valid calendar date: 2024-02-30\n");
  }, 30_000);

  it("a report on a missing warehouse says so", async () => {
    expect((await run(["report", "loads", "--db", "/nonexistent/w.duckdb"])).error?.message).toMatch(/no warehouse at/);
  });
});
