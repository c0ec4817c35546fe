// `jiuzhu indicators` and `jiuzhu cases` on the hand-computed fixture warehouse.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli as run } from "../fixtures/cli.js";
import { A, buildFixture, fixtureWarehouse } from "../unit/metrics-fixtures.js";

let dir: string;
let db: string;


beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "jiuzhu-ind-cli-"));
  db = join(dir, "w.duckdb");
  const wh = await fixtureWarehouse({ path: db, meta: true });
  await buildFixture(wh);
  wh.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("jiuzhu indicators", () => {
  it("computes a missing window and prints the spec's columns as CSV", async () => {
    const r = await run("indicators", "--db", db, "--window", "2026-Q1", "--level", "city", "--format", "csv");
    expect(r.code).toBe(0);
    const lines = r.out.replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    expect(lines[0]).toBe("region_code,region_name,level,window,indicator,value,numerator,denominator,n");
    const onTime = lines.find((l) => l.startsWith("1501,") && l.includes(",process.on_time_rate,"));
    expect(onTime).toBe("1501,呼和浩特市,city,2026-Q1,process.on_time_rate,0.8,4,5,5");
    expect(lines.every((l, i) => i === 0 || l.includes(",city,"))).toBe(true);
  });
  it("prints JSON and a table", async () => {
    const j = await run("indicators", "--db", db, "--window", "2026-01", "--indicator", "coverage.persons", "--format", "json");
    const rows = JSON.parse(j.out) as { region_code: string; value: number }[];
    expect(rows.find((r) => r.region_code === "15")!.value).toBe(6);
    const t = await run("indicators", "--db", db, "--window", "2026-01", "--level", "province");
    expect(t.out.split("\n")[0]).toMatch(/^region_code\s+region_name\s+level/);
  });
  it("refuses a bad window or indicator clearly", async () => {
    const r = await run("indicators", "--db", db, "--window", "2026-13");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a reporting window/);
    const u = await run("indicators", "--db", db, "--window", "2026-01", "--indicator", "nope");
    expect(u.err).toMatch(/unknown indicator/);
  });
});

describe("jiuzhu cases", () => {
  it("lists masked cases for a region", async () => {
    const r = await run("cases", "--db", db, "--indicator", "integrity.duplicate_persons", "--window", "2026-01", "--region", A, "--format", "json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as { county_code: string; detail: { person: string; name: string } }[];
    expect(rows.length).toBe(1);
    expect(rows[0]!.county_code).toBe(A);
    expect(rows[0]!.detail.person).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
    expect(rows[0]!.detail.name).toBe("张**");
  });
  it("says which indicators have case lists", async () => {
    const r = await run("cases", "--db", db, "--indicator", "coverage.persons", "--window", "2026-01");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has no case list/);
  });
});
