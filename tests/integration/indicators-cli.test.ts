// `jiuzhu indicators` and `jiuzhu cases` on the hand-computed fixture warehouse.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli as run } from "../fixtures/cli.js";
import { A, buildFixture, fixtureWarehouse, insertDelivery, insertRows, pid } from "../unit/metrics-fixtures.js";

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
    expect(lines[0]).toBe("region_code,region_name,level,window,indicator,value,numerator,denominator,n,status,reason,months");
    const onTime = lines.find((l) => l.startsWith("1501,") && l.includes(",process.on_time_rate,"));
    expect(onTime).toBe("1501,呼和浩特市,city,2026-Q1,process.on_time_rate,0.8,4,5,5,ok,,2026-01..2026-02");
    // Not applicable and data missing are told apart, with a reason.
    const gap = lines.find((l) => l.startsWith("1502,") && l.includes(",process.on_time_rate,"));
    expect(gap).toMatch(/^1502,包头市,city,2026-Q1,process\.on_time_rate,,,,0,gap,"?no county with a value; 2 counties a gap \(15020[23] no applications delivery covering 2026-02/);
    expect(lines.every((l, i) => i === 0 || l.includes(",city,"))).toBe(true);
  });
  it("prints JSON and a table", async () => {
    const j = await run("indicators", "--db", db, "--window", "2026-01", "--indicator", "coverage.persons", "--format", "json");
    const rows = JSON.parse(j.out) as { region_code: string; value: number }[];
    expect(rows.find((r) => r.region_code === "15")!.value).toBe(6);
    const t = await run("indicators", "--db", db, "--window", "2026-01", "--level", "province");
    expect(t.out.split("\n")[0]).toMatch(/^region_code\s+region_name\s+level/);
  });
  it("refuses a bad window, an unknown indicator, window or region with the nearest valid ones, exit 2", async () => {
    const r = await run("indicators", "--db", db, "--window", "2026-13");
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toMatch(/^jiuzhu: not a reporting window: "2026-13"; give a month, quarter, half-year or year such as 2026-06/);
    const u = await run("indicators", "--db", db, "--window", "2026-01", "--indicator", "coverage.person");
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/^jiuzhu: unknown indicator "coverage\.person"; use one of the nearest: coverage\.persons, /);
    const w = await run("indicators", "--db", db, "--window", "2026-Q3");
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/^jiuzhu: no data covers window 2026-Q3; nearest windows with data: 2026-Q1, 2025-Q4/);
    const g = await run("indicators", "--db", db, "--window", "2026-01", "--region", "999999");
    expect([g.code, g.out]).toEqual([2, ""]);
    // One line saying what is wrong and what to do (after the note of what was computed).
    expect(g.err.trim().split("\n").at(-1)).toBe(
      'jiuzhu: unknown region "999999" in 2026-01; nearest: 150203 昆都仑区, 150202 东河区, 150103 回民区 (a 2-digit province, 4-digit city or 6-digit county code)',
    );
    const near = await run("indicators", "--db", db, "--window", "2026-01", "--region", "150104");
    expect(near.err).toMatch(/nearest: 150103 回民区, 150102 新城区, /);
    const c = await run("cases", "--db", db, "--indicator", "process.on_time_rat", "--window", "2026-01");
    expect([c.code, c.err]).toEqual([2, 'jiuzhu: unknown case list "process.on_time_rat"; use one of the nearest: process.on_time_rate, process.home_visit_rate, complaints.on_time_rate\n']);
  });
  it("marks provisional figures and says which year lacks its official schedule", async () => {
    const j = await run("indicators", "--db", db, "--window", "2026-01", "--region", "150102", "--indicator", "process.on_time_rate", "--format", "json");
    expect(JSON.parse(j.out)[0]).toMatchObject({ status: "ok", reason: null, months: "2026-01" });
    const p = join(dir, "p.duckdb");
    const wh = await fixtureWarehouse({ path: p, meta: true });
    await insertDelivery(wh, { delivery_id: 1, extract_type: "applications", county_code: A, period: "2027-01", received_at: "2027-02-01 08:00:00" });
    await insertRows(wh, "applications", [
      { application_id: "n1", program: "urban_dibao", region_code: `${A}001001`, applicant_id: pid(50), household_size: 1, applied_on: "2027-01-04",
        accepted_on: "2027-01-04", extended: false, investigated_on: "2027-01-05", county_checked: true, decided_on: "2027-01-08", decision: "approved" },
    ]);
    wh.close();
    const r = await run("indicators", "--db", p, "--window", "2027-01", "--region", A, "--indicator", "process.median_days", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/,process\.median_days,4,,,1,provisional,working days of 2027 counted on weekends alone: no official holiday schedule for 2027 \(add the year block to data\/holidays\.json\),2027-01/);
    expect(r.err).toMatch(/provisional figures in 2027-01: working days of 2027 counted on weekends alone/);
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
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^jiuzhu: coverage\.persons has no case list; case lists: process\.on_time_rate, /);
  });
  it("prints each case with its county's figure status, and names the counties whose figure is a gap", async () => {
    const r = await run("cases", "--db", db, "--indicator", "process.on_time_rate", "--window", "2026-Q1", "--format", "csv");
    expect(r.code).toBe(0);
    const lines = r.out.replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    expect(lines[0]).toBe("indicator,window,county_code,case_key,detail,status,reason");
    expect(lines[1]).toMatch(/^process\.on_time_rate,2026-Q1,150102,a2,.*,ok,$/);
    expect(r.err).toMatch(/no case list where the figure is a gap: 150202 \(no applications delivery covering 2026-02\); 150203/);
  });
});

describe("jiuzhu score and allocate bring what they read up to date", () => {
  it("score straight after loading (no mart yet) computes the indicators, prints status and reason; an unknown window is refused", async () => {
    const p = join(dir, "s.duckdb");
    const wh = await fixtureWarehouse({ path: p, meta: true });
    await buildFixture(wh);
    wh.close();
    const r = await run("score", "--db", p, "--window", "2026-Q1", "--format", "csv");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/computed indicators for 2025-Q4, 2026-Q1/);
    const lines = r.out.replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/,状态,说明$/);
    expect(lines.find((l) => l.includes(",150203,"))).toMatch(/,ok,"left out data gaps: process\.on_time_rate, process\.home_visit_rate, /); // D delivered nothing
    const j = JSON.parse((await run("score", "--db", p, "--window", "2026-Q1", "--format", "json")).out) as { region_code: string; status: string; reason: string | null }[];
    expect(j.find((x) => x.region_code === A)!.status).toBe("ok");
    const bad = await run("score", "--db", p, "--window", "2026-Q3");
    expect([bad.code, bad.err.trim().split("\n").at(-1)]).toEqual([2, "jiuzhu: no data covers window 2026-Q3; nearest windows with data: 2026-Q1, 2025-Q4, 2026-02"]);
    const detail = await run("score", "--db", p, "--window", "2026-Q1", "--detail", "150104");
    expect([detail.code, detail.err.trim().split("\n").at(-1)]).toEqual([2, "jiuzhu: no county 150104 in window 2026-Q1; nearest: 150103 回民区, 150102 新城区, 150202 东河区"]);
    const alloc = await run("allocate", "--db", p, "--window", "2027", "--pool", "1000000");
    expect(alloc.code).toBe(2);
    expect(alloc.err).toMatch(/no data covers window 2027; nearest windows with data: 2026, 2025/);
  });
});
