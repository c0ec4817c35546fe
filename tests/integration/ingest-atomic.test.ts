// A load is one transaction: killed half-way it leaves the warehouse as it was,
// and the next load completes; two ingests at once are serialised by the lock.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ingestPaths } from "../../loaders/ingest.js";
import { acquireLock, lockPathOf } from "../../loaders/lock.js";
import { validRows, writeCsv } from "../fixtures/extracts/make.js";
import { count, freshWarehouse, q, templateWarehouse } from "../fixtures/extracts/warehouse.js";

const CHILD = resolve("tests/fixtures/extracts/child.ts");

beforeAll(async () => {
  await templateWarehouse();
}, 60_000);

function runChild(db: string, files: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--import", "tsx", CHILD, db, ...files], { env: { ...process.env, ...env }, encoding: "utf8" });
}

async function snapshot(db: string) {
  return {
    deliveries: await q(db, "SELECT delivery_id, file_name, status, superseded_by, rows_loaded FROM meta_delivery ORDER BY delivery_id"),
    roster: await count(db, "SELECT count(*) AS n FROM stg_roster"),
    core: await count(db, "SELECT count(*) AS n FROM core_roster"),
    rejects: await count(db, "SELECT count(*) AS n FROM meta_reject"),
  };
}

describe("atomic loads", () => {
  for (const [what, env] of [
    ["while reading rows", { JIUZHU_INGEST_CRASH_AFTER_ROWS: "1500" }],
    ["with every row staged, before commit", { JIUZHU_INGEST_CRASH_STAGED: "1" }],
  ] as const) {
    it(`a load killed ${what} leaves the warehouse unchanged; the next load completes`, async () => {
      const { db, dir } = await freshWarehouse();
      const first = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 10));
      await ingestPaths(db, [first]);
      const before = await snapshot(db);
      const rows = validRows("roster", 3000);
      rows[11]!.person_id = "bad"; // a reject that must not survive either
      const second = writeCsv(join(dir, "roster_2025-01_150102_v2.csv"), "roster", rows);
      const killed = runChild(db, [second], env);
      expect(killed.signal).toBe("SIGKILL");
      expect(existsSync(lockPathOf(db))).toBe(true); // left behind by the dead process
      expect(await snapshot(db)).toEqual(before);
      const again = runChild(db, [second]);
      expect(again.status, again.stderr).toBe(0);
      const summary = JSON.parse(again.stdout);
      expect(summary.files[0]).toMatchObject({ status: "loaded", rowsRead: 3000, rowsLoaded: 2999, rowsRejected: 1 });
      const after = await snapshot(db);
      expect(after.deliveries).toEqual([
        { delivery_id: 1, file_name: "roster_2025-01_150102.csv", status: "superseded", superseded_by: 2, rows_loaded: 10 },
        { delivery_id: 2, file_name: "roster_2025-01_150102_v2.csv", status: "current", superseded_by: null, rows_loaded: 2999 },
      ]);
      expect(after.core).toBe(2999);
      expect(existsSync(lockPathOf(db))).toBe(false);
    }, 60_000);
  }

  it("a load that fails inside the transaction rolls back and is reported in one line", async () => {
    const { db, dir } = await freshWarehouse();
    const good = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    await ingestPaths(db, [good]);
    const before = await snapshot(db);
    // valid UTF-8 first, then a byte sequence that is neither UTF-8 nor a later-chunk switch: refused mid-file
    const text = `${"统计月份,".repeat(1)}x\n`;
    const bad = join(dir, "roster_2025-02_150102.csv");
    const head = new TextEncoder().encode(text);
    const body = new Uint8Array(head.length + (2 << 20) + 3).fill(0x41);
    body.set(head);
    body.set([0xff, 0xfe, 0xfd], body.length - 3);
    writeFileSync(bad, body);
    const s = await ingestPaths(db, [bad]);
    expect(s.files[0]!.status).toBe("refused");
    expect(await snapshot(db)).toEqual(before);
  }, 30_000);
});

describe("lock", () => {
  it("a second ingest waits for the first; it gives up with a clear message after the timeout", async () => {
    const { db, dir } = await freshWarehouse();
    const release = await acquireLock(db);
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    await expect(ingestPaths(db, [file], { lockTimeoutMs: 300 })).rejects.toThrow(/locked by another ingest \(pid \d+/);
    const waiting = ingestPaths(db, [file], { lockTimeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    release();
    const s = await waiting;
    expect(s.loaded).toBe(1);
  }, 30_000);

  it("a stale lock (its process is gone) is taken over", async () => {
    const { db, dir } = await freshWarehouse();
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(lockPathOf(db), `${dead.stdout}\n`);
    const file = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 4));
    const s = await ingestPaths(db, [file], { lockTimeoutMs: 2000 });
    expect(s.loaded).toBe(1);
  }, 30_000);

  it("two ingests at once in two processes are serialised, not corrupted", async () => {
    const { db, dir } = await freshWarehouse();
    const a = writeCsv(join(dir, "roster_2025-01_150102.csv"), "roster", validRows("roster", 3000));
    const b = writeCsv(join(dir, "roster_2025-02_150102.csv"), "roster", validRows("roster", 3000, "2025-02"));
    const run = (f: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((res) => {
        const child = spawn(process.execPath, ["--import", "tsx", CHILD, db, f], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("close", (code) => res({ code, out, err }));
      });
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect(ra.code, ra.err).toBe(0);
    expect(rb.code, rb.err).toBe(0);
    expect(await q(db, "SELECT period, rows_loaded, status FROM meta_delivery ORDER BY period")).toEqual([
      { period: "2025-01", rows_loaded: 3000, status: "current" },
      { period: "2025-02", rows_loaded: 3000, status: "current" },
    ]);
    expect(await q(db, "SELECT delivery_id FROM meta_delivery ORDER BY delivery_id")).toEqual([{ delivery_id: 1 }, { delivery_id: 2 }]);
  }, 60_000);
});
