// Calendar arithmetic on day numbers (days since 1970-01-01, UTC) and the official
// working-day calendar from `chinese-days` (weekends off, holidays off, 调休 on).
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const MS_PER_DAY = 86_400_000;

export function dayOf(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

export function ymd(day: number): { y: number; m: number; d: number } {
  const date = new Date(day * MS_PER_DAY);
  return { y: date.getUTCFullYear(), m: date.getUTCMonth() + 1, d: date.getUTCDate() };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `2026-06-03` */
export function isoDate(day: number): string {
  const { y, m, d } = ymd(day);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

export function parseIsoDate(text: string): number {
  const [y, m, d] = text.split("-").map(Number);
  return dayOf(y!, m!, d!);
}

/** Months are counted as y * 12 + (m - 1). */
export type MonthIndex = number;

export function monthIndex(key: string): MonthIndex {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) throw new Error(`not a month (YYYY-MM): ${key}`);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new Error(`not a month (YYYY-MM): ${key}`);
  return Number(m[1]) * 12 + month - 1;
}

export function monthKey(index: MonthIndex): string {
  return `${Math.floor(index / 12)}-${pad2((index % 12) + 1)}`;
}

export function monthOfDay(day: number): MonthIndex {
  const { y, m } = ymd(day);
  return y * 12 + m - 1;
}

export function monthStart(index: MonthIndex): number {
  return dayOf(Math.floor(index / 12), (index % 12) + 1, 1);
}

export function monthEnd(index: MonthIndex): number {
  return monthStart(index + 1) - 1;
}

export function daysInMonth(index: MonthIndex): number {
  return monthEnd(index) - monthStart(index) + 1;
}

/** Same day n months later, clamped to the month's last day (2026-01-31 + 1 → 2026-02-28). */
export function addMonths(day: number, n: number): number {
  const { y, m, d } = ymd(day);
  const target = y * 12 + (m - 1) + n;
  return monthStart(target) + Math.min(d, daysInMonth(target)) - 1;
}

interface YearCalendar {
  holidays: Set<number>;
  workdays: Set<number>;
}

const require = createRequire(import.meta.url);
const years = new Map<number, YearCalendar>();

function yearCalendar(year: number): YearCalendar {
  let cal = years.get(year);
  if (cal) return cal;
  const file = join(dirname(require.resolve("chinese-days/package.json")), "dist", "years", `${year}.json`);
  if (!existsSync(file)) throw new Error(`no working-day calendar for ${year} (chinese-days covers 2004–2026)`);
  const json = JSON.parse(readFileSync(file, "utf8")) as { holidays: Record<string, string>; workdays: Record<string, string> };
  cal = {
    holidays: new Set(Object.keys(json.holidays).map(parseIsoDate)),
    workdays: new Set(Object.keys(json.workdays).map(parseIsoDate)),
  };
  years.set(year, cal);
  return cal;
}

/** Whether the calendar has the year (2027+ is not in chinese-days 1.5). */
export function hasCalendar(year: number): boolean {
  try {
    yearCalendar(year);
    return true;
  } catch {
    return false;
  }
}

export function isWorkday(day: number): boolean {
  const cal = yearCalendar(ymd(day).y);
  if (cal.workdays.has(day)) return true;
  if (cal.holidays.has(day)) return false;
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6;
}

/** Working days after `from` up to and including `to` (0 when to ≤ from). */
export function workdaysBetween(from: number, to: number): number {
  let n = 0;
  for (let d = from + 1; d <= to; d++) if (isWorkday(d)) n++;
  return n;
}

/** The day that is `n` working days after `from` (n ≥ 1), or `from` itself for n ≤ 0. */
export function addWorkdays(from: number, n: number): number {
  let d = from;
  while (n > 0) {
    d++;
    if (isWorkday(d)) n--;
  }
  return d;
}

/** The first working day on or after `day`. */
export function nextWorkday(day: number): number {
  let d = day;
  while (!isWorkday(d)) d++;
  return d;
}
