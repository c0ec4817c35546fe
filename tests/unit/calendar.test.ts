import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../loaders/db.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureCalendarTable, HOLIDAY_FILE, parseHolidayFile, WorkCalendar, type HolidayFile } from "../../metrics/calendar.js";

const cal = WorkCalendar.load();

describe("PRC working-day calendar", () => {
  it("counts working days after A up to and including B", () => {
    expect(cal.workdaysBetween("2026-03-02", "2026-03-02")).toBe(0);
    expect(cal.workdaysBetween("2026-03-02", "2026-03-03")).toBe(1); // Mon → Tue
    expect(cal.workdaysBetween("2026-03-06", "2026-03-09")).toBe(1); // Fri → Mon over a weekend
    expect(cal.workdaysBetween("2026-03-09", "2026-03-06")).toBe(-1);
  });
  it("takes holidays off and adjusted weekends (调休) on", () => {
    expect(cal.isWorkday("2026-02-16")).toBe(false); // Spring Festival, a Monday
    expect(cal.isWorkday("2026-02-14")).toBe(true); // Saturday worked
    expect(cal.isWorkday("2026-02-28")).toBe(true); // Saturday worked
    expect(cal.isWorkday("2026-10-01")).toBe(false);
    expect(cal.isWorkday("2026-10-10")).toBe(true); // Saturday worked
    // 2-13 Fri → 2-28 Sat: 2-14, 2-24, 2-25, 2-26, 2-27, 2-28
    expect(cal.workdaysBetween("2026-02-13", "2026-02-28")).toBe(6);
  });
  it("straddles years: New Year 2026 off, Sunday 1-4 worked", () => {
    expect(cal.isWorkday("2026-01-02")).toBe(false);
    expect(cal.isWorkday("2026-01-04")).toBe(true);
    expect(cal.workdaysBetween("2025-12-30", "2026-01-05")).toBe(3);
    expect(cal.workdaysBetween("2025-12-31", "2026-01-03")).toBe(0);
  });
  it("counts a year no source covers on weekends alone and calls it provisional", () => {
    expect(cal.coversYear(2099)).toBe(false);
    expect(cal.provisionalYears(2025, 2099).slice(0, 2)).toEqual([2027, 2028]);
    expect(cal.isWorkday("2099-06-01")).toBe(true); // a Monday
    expect(cal.isWorkday("2099-06-06")).toBe(false); // a Saturday
    // 2027-01-01 is a Friday: weekends alone make it a working day until 2027's schedule is added
    expect(cal.workdaysBetween("2026-12-30", "2027-01-04")).toBe(3); // 12-31, 1-1, 1-4
    expect(() => cal.isWorkday("2026-02-30")).toThrow(/not a date/);
  });
  it("completes later years from the holiday file, same shape as chinese-days", () => {
    const extra: HolidayFile = { years: { "2099": { holidays: { "2099-01-01": "test" }, workdays: { "2099-01-03": "test" } } } };
    const c = new WorkCalendar(extra);
    expect(c.isWorkday("2099-01-01")).toBe(false); // a Thursday, listed off
    expect(c.isWorkday("2099-01-03")).toBe(true); // a Saturday, listed on
    expect(c.isWorkday("2099-01-04")).toBe(false); // Sunday
    expect(c.workdaysBetween("2099-01-01", "2099-01-05")).toBe(3); // 1-2 Fri, 1-3 Sat worked, 1-5 Mon
    expect(c.provisionalYears(2098, 2099)).toEqual([2098]);
    expect(c.fingerprint(2098, 2099)).not.toBe(cal.fingerprint(2098, 2099));
  });
  it("validates a holiday file's year blocks when loading it, naming the year and the date", () => {
    const ok = { sources: { "2027": "国务院办公厅关于2027年部分节假日安排的通知" }, years: { "2027": { holidays: { "2027-01-01": "元旦" }, workdays: { "2027-02-06": "春节" } } } };
    expect(parseHolidayFile(ok).years["2027"]!.holidays["2027-01-01"]).toBe("元旦");
    const bad = (years: unknown, sources: unknown = ok.sources) => () => parseHolidayFile({ sources, years }, "h.json");
    expect(bad({ "2027": { holidays: { "2027-01-01": "元旦" }, workdays: {} } }, {})).toThrow(/h\.json: years\.2027: name the State Council notice/);
    expect(bad({ "2027": { holidays: {}, workdays: {} } })).toThrow(/years\.2027\.holidays: list every statutory day off/);
    expect(bad({ "2027": { holidays: { "2027-02-30": "x" }, workdays: {} } })).toThrow(/years\.2027\.holidays\.2027-02-30: not a date/);
    expect(bad({ "2027": { holidays: { "2026-12-31": "x" }, workdays: {} } })).toThrow(/2026-12-31: a date of another year/);
    expect(bad({ "2027": { holidays: { "2027-01-01": "元旦" }, workdays: { "2027-02-08": "春节" } } })).toThrow(/2027-02-08: an adjusted working day must be a Saturday or Sunday/);
    expect(bad({ "2027": { holidays: { "2027-01-01": "" }, workdays: {} } })).toThrow(/years\.2027\.holidays\.2027-01-01/);
    expect(bad({ "2027": { holidays: { "2027-01-01": "元旦" } } })).toThrow(/years\.2027\.workdays/);
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-hol-"));
    try {
      const file = join(dir, "holidays.json");
      writeFileSync(file, JSON.stringify({ sources: {}, years: { "2027": { holidays: { "2027-13-01": "x" }, workdays: {} } } }));
      expect(() => WorkCalendar.load(file)).toThrow(/holidays\.json: years\.2027\.holidays/);
      writeFileSync(file, "{");
      expect(() => WorkCalendar.load(file)).toThrow(/not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("the repo's holiday file parses and lists only years with a named source", () => {
    const file = JSON.parse(readFileSync(HOLIDAY_FILE, "utf8")) as HolidayFile;
    for (const year of Object.keys(file.years)) expect(file.sources?.[year], `source for ${year}`).toBeTruthy();
  });
});

describe("dim_calendar in DuckDB", () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await Warehouse.open(":memory:");
    await ensureCalendarTable(wh, 2025, 2026, cal);
  });
  afterAll(() => wh.close());
  it("workday_seq(B) − workday_seq(A) equals the calendar's count", async () => {
    const pairs: [string, string][] = [
      ["2025-12-30", "2026-01-05"],
      ["2026-01-05", "2026-02-27"],
      ["2026-02-02", "2026-02-26"],
      ["2025-01-01", "2026-12-31"],
      ["2025-09-28", "2025-10-11"],
    ];
    for (const [a, b] of pairs) {
      const r = await wh.query<{ d: number }>(
        "SELECT (SELECT workday_seq FROM dim_calendar WHERE date = CAST(? AS DATE)) - (SELECT workday_seq FROM dim_calendar WHERE date = CAST(? AS DATE)) AS d",
        [b, a],
      );
      expect(r[0]!.d, `${a} → ${b}`).toBe(cal.workdaysBetween(a, b));
    }
    const n = await wh.query<{ n: bigint; w: bigint }>("SELECT count(*) AS n, count(*) FILTER (WHERE is_workday) AS w FROM dim_calendar");
    expect(Number(n[0]!.n)).toBe(730);
    expect(Number(n[0]!.w)).toBe(cal.workdaysBetween("2024-12-31", "2026-12-31"));
  });
  it("builds an uncovered year on weekends alone, its days marked provisional", async () => {
    const w = await Warehouse.open(":memory:");
    try {
      await ensureCalendarTable(w, 2026, 2027, cal);
      const r = await w.query<{ y: number; p: boolean; n: bigint; wd: bigint }>(
        "SELECT year(date) AS y, bool_and(provisional) AS p, count(*) AS n, count(*) FILTER (WHERE is_workday) AS wd FROM dim_calendar GROUP BY 1 ORDER BY 1",
      );
      expect(r.map((x) => [Number(x.y), x.p, Number(x.n)])).toEqual([[2026, false, 365], [2027, true, 365]]);
      expect(Number(r[1]!.wd)).toBe(261); // 2027: 365 days less 104 weekend days
    } finally {
      w.close();
    }
  });
});
