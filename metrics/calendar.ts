// The PRC working-day calendar: weekends off, statutory holidays off, adjusted working
// weekends (调休) on. Built from chinese-days' per-year data for the years it covers and
// from data/holidays.json for later years. A year known to neither is counted on weekends
// alone and is *provisional*: every value that used such a date is marked so, until the
// year's official schedule is added to data/holidays.json (one year block, validated with
// zod when loaded; the calendar's fingerprint is part of each window's data_version, so
// adding the year recomputes the windows that used it).
// Deliberately not using chinese-days' functions: they treat unknown years as plain
// weekdays silently and `getWorkdaysInRange` mishandles 调休 Saturdays.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
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

/** Kept for callers that want a hard stop; the calendar itself no longer throws for an uncovered year. */
export class CalendarRangeError extends Error {
  constructor(date: string, years: readonly number[]) {
    super(
      `working-day calendar does not cover ${date}: known years ${yearSpans(years)} (chinese-days and data/holidays.json); ` +
        `add the official holiday notice for ${date.slice(0, 4)} to data/holidays.json`,
    );
    this.name = "CalendarRangeError";
  }
}

/** `2004–2026, 2099`. */
export function yearSpans(years: readonly number[]): string {
  const spans: string[] = [];
  for (let i = 0; i < years.length; ) {
    let j = i;
    while (j + 1 < years.length && years[j + 1] === years[j]! + 1) j++;
    spans.push(i === j ? `${years[i]}` : `${years[i]}–${years[j]}`);
    i = j + 1;
  }
  return spans.length ? spans.join(", ") : "none";
}

const dateKey = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD");
const yearBlock = z.object({
  holidays: z.record(dateKey, z.string().min(1, "a label (the holiday's name)")),
  workdays: z.record(dateKey, z.string().min(1, "a label (the holiday it makes up for)")),
}).strict();
const holidayFileSchema = z.object({
  _comment: z.string().optional(),
  sources: z.record(z.string(), z.string().min(1)).optional(),
  years: z.record(z.string().regex(/^\d{4}$/, "a year YYYY"), yearBlock),
}).strict();

/**
 * Validate a holiday file: every year block lists each statutory day off and each adjusted
 * working day with its date (inside that year, a real date), an adjusted working day is a
 * weekend day, no date is both, and the year names its source notice. Errors name the file,
 * the year and the date.
 */
export function parseHolidayFile(data: unknown, file = "data/holidays.json"): HolidayFile {
  const parsed = holidayFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  const out = parsed.data as HolidayFile;
  for (const [year, block] of Object.entries(out.years)) {
    if (Object.keys(block.holidays).length === 0) throw new Error(`${file}: years.${year}.holidays: list every statutory day off of ${year} with its date`);
    for (const kind of ["holidays", "workdays"] as const) {
      for (const date of Object.keys(block[kind])) {
        if (!date.startsWith(`${year}-`)) throw new Error(`${file}: years.${year}.${kind}.${date}: a date of another year`);
        const t = Date.parse(`${date}T00:00:00Z`);
        if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== date) throw new Error(`${file}: years.${year}.${kind}.${date}: not a date`);
        const dow = new Date(t).getUTCDay();
        if (kind === "workdays" && dow !== 0 && dow !== 6) throw new Error(`${file}: years.${year}.workdays.${date}: an adjusted working day must be a Saturday or Sunday`);
        if (kind === "workdays" && date in block.holidays) throw new Error(`${file}: years.${year}: ${date} is listed both as a holiday and as a working day`);
      }
    }
    if (!out.sources?.[year]) throw new Error(`${file}: years.${year}: name the State Council notice for ${year} in sources.${year}`);
  }
  return out;
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
  /** Years from the holiday file (not the library), with their blocks, for the fingerprint. */
  private readonly fileYears = new Map<number, YearCalendar>();

  /** `extra` years (the repo's holiday file) complete the library; the library wins where both have a year. */
  constructor(extra: HolidayFile = { years: {} }, library: (year: number) => YearCalendar | undefined = yearFromLibrary) {
    for (let year = 1990; year <= 2100; year++) {
      const lib = library(year);
      if (lib) this.years.set(year, lib);
    }
    for (const [key, cal] of Object.entries(extra.years ?? {})) {
      const year = Number(key);
      if (!Number.isInteger(year)) throw new Error(`holiday file: bad year key ${JSON.stringify(key)}`);
      if (!this.years.has(year)) {
        const block = { holidays: cal.holidays ?? {}, workdays: cal.workdays ?? {} };
        this.years.set(year, block);
        this.fileYears.set(year, block);
      }
    }
  }

  /** The calendar from chinese-days plus data/holidays.json (or another file). */
  static load(holidayFile: string = HOLIDAY_FILE): WorkCalendar {
    if (!existsSync(holidayFile)) return new WorkCalendar({ years: {} });
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(holidayFile, "utf8"));
    } catch (error) {
      throw new Error(`${holidayFile}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    return new WorkCalendar(parseHolidayFile(data, holidayFile));
  }

  /** Whether a year has its official schedule (chinese-days or the holiday file). */
  coversYear(year: number): boolean {
    return this.years.has(year);
  }

  /** Years from `from` to `to` without an official schedule: counted on weekends alone, provisional. */
  provisionalYears(from: number, to: number): number[] {
    const out: number[] = [];
    for (let y = from; y <= to; y++) if (!this.years.has(y)) out.push(y);
    return out;
  }

  /**
   * A short hash of what the calendar says for the years `from`..`to` (which are official,
   * and the holiday-file blocks among them): part of each window's data_version.
   */
  fingerprint(from: number, to: number): string {
    const parts: string[] = [];
    for (let y = from; y <= to; y++) {
      const file = this.fileYears.get(y);
      parts.push(`${y}:${!this.years.has(y) ? "provisional" : file ? JSON.stringify(file) : "chinese-days"}`);
    }
    return createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 16);
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
    // A year without its official schedule: weekends alone (provisional; see provisionalYears).
    if (cal && date in cal.workdays) return true;
    if (cal && date in cal.holidays) return false;
    const dow = new Date(t).getUTCDay();
    return dow !== 0 && dow !== 6;
  }

  /** Working days after `from` up to and including `to` (negative when `to` is before `from`). */
  workdaysBetween(from: string, to: string): number {
    const a = parseIso(from);
    const b = parseIso(to);
    if (b < a) return -this.workdaysBetween(to, from);
    let n = 0;
    for (let t = a + DAY; t <= b; t += DAY) if (this.isWorkday(isoDate(t))) n++;
    return n;
  }

  /** Rows `(date, is_workday, workday_seq)` for every day from `from` to `to`; seq counts working days up to and including the date. */
  days(from: string, to: string): { date: string; isWorkday: boolean; seq: number; provisional: boolean }[] {
    const a = parseIso(from);
    const b = parseIso(to);
    const out: { date: string; isWorkday: boolean; seq: number; provisional: boolean }[] = [];
    let seq = 0;
    for (let t = a; t <= b; t += DAY) {
      const date = isoDate(t);
      const isWorkday = this.isWorkday(date);
      if (isWorkday) seq++;
      out.push({ date, isWorkday, seq, provisional: !this.covers(date) });
    }
    return out;
  }
}

export const DIM_CALENDAR_DDL =
  "CREATE TABLE IF NOT EXISTS dim_calendar (date DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL, workday_seq INTEGER NOT NULL, provisional BOOLEAN NOT NULL)";

/**
 * Create `dim_calendar(date, is_workday, workday_seq, provisional)` for whole years from `fromYear`
 * to `toYear`, so that working days from A to B are `seq(B) − seq(A)`; `provisional` marks the
 * days of a year without its official schedule (counted on weekends alone).
 */
export async function ensureCalendarTable(wh: Warehouse, fromYear: number, toYear: number, calendar = WorkCalendar.load()): Promise<void> {
  const days = calendar.days(`${fromYear}-01-01`, `${toYear}-12-31`);
  // Holidays and adjusted weekends as a short list; weekdays are derived in SQL.
  const exceptions = days.filter((d) => {
    const dow = new Date(`${d.date}T00:00:00Z`).getUTCDay();
    return d.isWorkday === (dow === 0 || dow === 6);
  });
  await wh.run(`DROP TABLE IF EXISTS dim_calendar`);
  await wh.run(DIM_CALENDAR_DDL);
  const provisional = calendar.provisionalYears(fromYear, toYear);
  const values = exceptions.map((d) => `(DATE '${d.date}', ${d.isWorkday})`).join(", ");
  await wh.run(`
    INSERT INTO dim_calendar
    WITH d AS (
      SELECT CAST(t AS DATE) AS date FROM range(DATE '${fromYear}-01-01', DATE '${toYear + 1}-01-01', INTERVAL 1 DAY) AS r(t)
    ), x(date, is_workday) AS (SELECT * FROM (VALUES ${values || "(NULL::DATE, NULL::BOOLEAN)"}))
    SELECT d.date, w.is_workday, CAST(sum(CASE WHEN w.is_workday THEN 1 ELSE 0 END) OVER (ORDER BY d.date) AS INTEGER),
      ${provisional.length ? `year(d.date) IN (${provisional.join(", ")})` : "false"}
    FROM d, LATERAL (
      SELECT coalesce((SELECT x.is_workday FROM x WHERE x.date = d.date), isodow(d.date) <= 5) AS is_workday
    ) AS w
    ORDER BY d.date`);
}
