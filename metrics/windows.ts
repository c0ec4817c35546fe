// Reporting windows: month `2026-06`, quarter `2026-Q2`, half-year `2026-H1`, year `2026`.
// Browser-safe (pure functions).

export type WindowKind = "month" | "quarter" | "half" | "year";

/** Window kinds from the shortest to the longest. */
export const WINDOW_KINDS: readonly WindowKind[] = ["month", "quarter", "half", "year"];

export interface Window {
  id: string;
  kind: WindowKind;
  year: number;
  /** First and last month, `YYYY-MM`. */
  firstMonth: string;
  lastMonth: string;
  /** First and last day, `YYYY-MM-DD`. */
  firstDay: string;
  lastDay: string;
  months: string[];
}

const pad2 = (n: number) => String(n).padStart(2, "0");

export function monthId(year: number, month: number): string {
  return `${year}-${pad2(month)}`;
}

/** Days in a month (1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Add `delta` months to `YYYY-MM`. */
export function addMonths(month: string, delta: number): string {
  const [y, m] = parseMonth(month);
  const index = y * 12 + (m - 1) + delta;
  return monthId(Math.floor(index / 12), (index % 12) + 1);
}

function parseMonth(month: string): [number, number] {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) throw new Error(`not a month: ${JSON.stringify(month)} (expected YYYY-MM)`);
  const year = Number(m[1]);
  const mon = Number(m[2]);
  if (mon < 1 || mon > 12) throw new Error(`not a month: ${JSON.stringify(month)}`);
  return [year, mon];
}

function build(id: string, kind: WindowKind, year: number, first: number, last: number): Window {
  const months: string[] = [];
  for (let m = first; m <= last; m++) months.push(monthId(year, m));
  return {
    id,
    kind,
    year,
    firstMonth: monthId(year, first),
    lastMonth: monthId(year, last),
    firstDay: `${monthId(year, first)}-01`,
    lastDay: `${monthId(year, last)}-${pad2(daysInMonth(year, last))}`,
    months,
  };
}

/** Parse a window id; throws a clear error for anything else. */
export function parseWindow(id: string): Window {
  const text = id.trim();
  let m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) {
    const month = Number(m[2]);
    if (month >= 1 && month <= 12) return build(text, "month", Number(m[1]), month, month);
  }
  m = /^(\d{4})-Q([1-4])$/i.exec(text);
  if (m) {
    const q = Number(m[2]);
    return build(`${m[1]}-Q${q}`, "quarter", Number(m[1]), q * 3 - 2, q * 3);
  }
  m = /^(\d{4})-H([12])$/i.exec(text);
  if (m) {
    const h = Number(m[2]);
    return build(`${m[1]}-H${h}`, "half", Number(m[1]), h * 6 - 5, h * 6);
  }
  m = /^(\d{4})$/.exec(text);
  if (m) return build(text, "year", Number(m[1]), 1, 12);
  throw new Error(`not a reporting window: ${JSON.stringify(id)} (expected 2026-06, 2026-Q2, 2026-H1 or 2026)`);
}

/** The four windows a month belongs to: month, quarter, half, year. */
export function windowsOfMonth(month: string): string[] {
  const [y, m] = parseMonth(month);
  return [monthId(y, m), `${y}-Q${Math.ceil(m / 3)}`, `${y}-H${m <= 6 ? 1 : 2}`, String(y)];
}

/** Every month from `first` to `last` inclusive. */
export function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  for (let m = first; m <= last; m = addMonths(m, 1)) out.push(m);
  return out;
}

const KIND_ORDER = Object.fromEntries(WINDOW_KINDS.map((kind, i) => [kind, i])) as Record<WindowKind, number>;

export function windowKind(id: string): WindowKind {
  return parseWindow(id).kind;
}

/** The window of the same kind just before this one (2026-01 → 2025-12, 2026-Q1 → 2025-Q4, 2026 → 2025). */
export function previousWindow(id: string): string {
  const w = parseWindow(id);
  return windowsOfMonth(addMonths(w.firstMonth, -1))[KIND_ORDER[w.kind]]!;
}

/** All windows touching the given months, ordered by kind then time. */
export function windowsCovering(months: readonly string[]): Window[] {
  const ids = new Set<string>();
  for (const month of months) for (const w of windowsOfMonth(month)) ids.add(w);
  return [...ids]
    .map(parseWindow)
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.firstMonth.localeCompare(b.firstMonth));
}
