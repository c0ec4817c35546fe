import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Warehouse } from "../../loaders/db.js";
import { CalendarRangeError, ensureCalendarTable, HOLIDAY_FILE, WorkCalendar, type HolidayFile } from "../../metrics/calendar.js";

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
  it("refuses a date in a year no source covers, with a clear message", () => {
    expect(() => cal.isWorkday("2099-06-01")).toThrow(CalendarRangeError);
    expect(() => cal.isWorkday("2099-06-01")).toThrow(/does not cover 2099-06-01.*data\/holidays\.json/);
    expect(() => cal.workdaysBetween("2026-12-30", "2099-01-04")).toThrow(CalendarRangeError);
    expect(() => cal.isWorkday("2026-02-30")).toThrow(/not a date/);
  });
  it("completes later years from the holiday file, same shape as chinese-days", () => {
    const extra: HolidayFile = { years: { "2099": { holidays: { "2099-01-01": "test" }, workdays: { "2099-01-03": "test" } } } };
    const c = new WorkCalendar(extra);
    expect(c.isWorkday("2099-01-01")).toBe(false); // a Thursday, listed off
    expect(c.isWorkday("2099-01-03")).toBe(true); // a Saturday, listed on
    expect(c.isWorkday("2099-01-04")).toBe(false); // Sunday
    expect(c.workdaysBetween("2099-01-01", "2099-01-05")).toBe(3); // 1-2 Fri, 1-3 Sat worked, 1-5 Mon
    expect(() => c.isWorkday("2098-12-31")).toThrow(/known years 2004–2026, 2099/);
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
  it("refuses to build for an uncovered year", async () => {
    await expect(ensureCalendarTable(wh, 2098, 2099, cal)).rejects.toThrow(CalendarRangeError);
  });
});
