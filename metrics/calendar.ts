// The PRC working-day calendar: weekends off, statutory holidays off, adjusted working
// weekends (调休) on. Built from chinese-days' per-year data for the years it covers and
// from data/holidays.json for later years; a date in a year known to neither is an error.
// Deliberately not using chinese-days' functions: they treat unknown years as plain
// weekdays and `getWorkdaysInRange` mishandles 调休 Saturdays.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Warehouse } from "../loaders/db.js";

export interface YearCalendar {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

export interface HolidayFile {
  sources?: Record<string, string>;
  years: Record<string, YearCalendar>;
}

const require = createRequire(import.meta.url);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const HOLIDAY_FILE = join(REPO_ROOT, "data", "holidays.json");

export class CalendarRangeError extends Error {
  constructor(date: string, years: readonly number[]) {
    const spans: string[] = [];
    for (let i = 0; i < years.length; ) {
      let j = i;
      while (j + 1 < years.length && years[j + 1] === years[j]! + 1) j++;
      spans.push(i === j ? `${years[i]}` : `${years[i]}–${years[j]}`);
      i = j + 1;
    }
    const range = spans.length ? spans.join(", ") : "none";
    super(
      `working-day calendar does not cover ${date}: known years ${range} (chinese-days and data/holidays.json); ` +
        `add the official holiday notice for ${date.slice(0, 4)} to data/holidays.json`,
    );
    this.name = "CalendarRangeError";
  }
}

function yearFromLibrary(year: number): YearCalendar | undefined {
  let dir: string;
  try {
    dir = join(dirname(require.resolve("chinese-days/package.json")), "dist", "years");
  } catch {
    return undefined;
  }
  const file = join(dir, `${year}.json`);
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, "utf8")) as Partial<YearCalendar>;
  return { holidays: data.holidays ?? {}, workdays: data.workdays ?? {} };
}

function isoDate(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

function parseIso(date: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${JSON.stringify(date)} (expected YYYY-MM-DD)`);
  const t = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(t) || isoDate(t) !== date) throw new Error(`not a date: ${JSON.stringify(date)}`);
  return t;
}

const DAY = 86_400_000;

export class WorkCalendar {
  private readonly years = new Map<number, YearCalendar>();

  /** `extra` years (the repo's holiday file) complete the library; the library wins where both have a year. */
  constructor(extra: HolidayFile = { years: {} }, library: (year: number) => YearCalendar | undefined = yearFromLibrary) {
    for (let year = 1990; year <= 2100; year++) {
      const lib = library(year);
      if (lib) this.years.set(year, lib);
    }
    for (const [key, cal] of Object.entries(extra.years ?? {})) {
      const year = Number(key);
      if (!Number.isInteger(year)) throw new Error(`holiday file: bad year key ${JSON.stringify(key)}`);
      if (!this.years.has(year)) this.years.set(year, { holidays: cal.holidays ?? {}, workdays: cal.workdays ?? {} });
    }
  }

  /** The calendar from chinese-days plus data/holidays.json (or another file). */
  static load(holidayFile: string = HOLIDAY_FILE): WorkCalendar {
    const extra = existsSync(holidayFile) ? (JSON.parse(readFileSync(holidayFile, "utf8")) as HolidayFile) : { years: {} };
    return new WorkCalendar(extra);
  }

  coveredYears(): number[] {
    return [...this.years.keys()].sort((a, b) => a - b);
  }

  covers(date: string): boolean {
    return this.years.has(Number(date.slice(0, 4)));
  }

  isWorkday(date: string): boolean {
    const t = parseIso(date);
    const cal = this.years.get(Number(date.slice(0, 4)));
    if (!cal) throw new CalendarRangeError(date, this.coveredYears());
    if (date in cal.workdays) return true;
    if (date in cal.holidays) return false;
    const dow = new Date(t).getUTCDay();
    return dow !== 0 && dow !== 6;
  }

  /** Working days after `from` up to and including `to` (negative when `to` is before `from`). */
  workdaysBetween(from: string, to: string): number {
    const a = parseIso(from);
    const b = parseIso(to);
    if (b < a) return -this.workdaysBetween(to, from);
    this.isWorkday(from); // range check of the start too
    let n = 0;
    for (let t = a + DAY; t <= b; t += DAY) if (this.isWorkday(isoDate(t))) n++;
    return n;
  }

  /** Rows `(date, is_workday, workday_seq)` for every day from `from` to `to`; seq counts working days up to and including the date. */
  days(from: string, to: string): { date: string; isWorkday: boolean; seq: number }[] {
    const a = parseIso(from);
    const b = parseIso(to);
    const out: { date: string; isWorkday: boolean; seq: number }[] = [];
    let seq = 0;
    for (let t = a; t <= b; t += DAY) {
      const date = isoDate(t);
      const isWorkday = this.isWorkday(date);
      if (isWorkday) seq++;
      out.push({ date, isWorkday, seq });
    }
    return out;
  }
}

/**
 * Create `dim_calendar(date, is_workday, workday_seq)` for whole years from `fromYear` to `toYear`,
 * so that working days from A to B are `seq(B) − seq(A)`. Throws CalendarRangeError for an uncovered year.
 */
export async function ensureCalendarTable(wh: Warehouse, fromYear: number, toYear: number, calendar = WorkCalendar.load()): Promise<void> {
  const days = calendar.days(`${fromYear}-01-01`, `${toYear}-12-31`);
  // Holidays and adjusted weekends as a short list; weekdays are derived in SQL.
  const exceptions = days.filter((d) => {
    const dow = new Date(`${d.date}T00:00:00Z`).getUTCDay();
    return d.isWorkday === (dow === 0 || dow === 6);
  });
  await wh.run("CREATE OR REPLACE TABLE dim_calendar (date DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL, workday_seq INTEGER NOT NULL)");
  const values = exceptions.map((d) => `(DATE '${d.date}', ${d.isWorkday})`).join(", ");
  await wh.run(`
    INSERT INTO dim_calendar
    WITH d AS (
      SELECT CAST(t AS DATE) AS date FROM range(DATE '${fromYear}-01-01', DATE '${toYear + 1}-01-01', INTERVAL 1 DAY) AS r(t)
    ), x(date, is_workday) AS (SELECT * FROM (VALUES ${values || "(NULL::DATE, NULL::BOOLEAN)"}))
    SELECT d.date, w.is_workday, CAST(sum(CASE WHEN w.is_workday THEN 1 ELSE 0 END) OVER (ORDER BY d.date) AS INTEGER)
    FROM d, LATERAL (
      SELECT coalesce((SELECT x.is_workday FROM x WHERE x.date = d.date), isodow(d.date) <= 5) AS is_workday
    ) AS w
    ORDER BY d.date`);
}
