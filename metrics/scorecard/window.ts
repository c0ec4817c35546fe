// Reporting windows as the marts name them: `2026-06`, `2026-Q2`, `2026-H1`, `2026`.
// Pure (browser-safe): the scorecard needs the kind of a window and the one before it.

export type WindowKind = "month" | "quarter" | "half" | "year";

export const WINDOW_KINDS: readonly WindowKind[] = ["month", "quarter", "half", "year"];

export interface ParsedWindow {
  kind: WindowKind;
  year: number;
  /** 1–12 for months, 1–4 for quarters, 1–2 for halves, 1 for years. */
  index: number;
}

const PATTERNS: readonly [RegExp, WindowKind][] = [
  [/^(\d{4})-(0[1-9]|1[0-2])$/, "month"],
  [/^(\d{4})-Q([1-4])$/, "quarter"],
  [/^(\d{4})-H([12])$/, "half"],
  [/^(\d{4})$/, "year"],
];

export function parseWindow(window: string): ParsedWindow {
  for (const [pattern, kind] of PATTERNS) {
    const m = pattern.exec(window);
    if (m) return { kind, year: Number(m[1]), index: m[2] === undefined ? 1 : Number(m[2]) };
  }
  throw new Error(`window "${window}" is not a month (2026-06), quarter (2026-Q2), half-year (2026-H1) or year (2026)`);
}

export function formatWindow(w: ParsedWindow): string {
  switch (w.kind) {
    case "month":
      return `${w.year}-${String(w.index).padStart(2, "0")}`;
    case "quarter":
      return `${w.year}-Q${w.index}`;
    case "half":
      return `${w.year}-H${w.index}`;
    case "year":
      return String(w.year);
  }
}

const PER_YEAR: Record<WindowKind, number> = { month: 12, quarter: 4, half: 2, year: 1 };

/** The window of the same kind just before this one (2026-01 → 2025-12, 2026-Q1 → 2025-Q4, 2026 → 2025). */
export function previousWindow(window: string): string {
  const w = parseWindow(window);
  const index = w.index - 1;
  return index >= 1
    ? formatWindow({ ...w, index })
    : formatWindow({ kind: w.kind, year: w.year - 1, index: PER_YEAR[w.kind] });
}

export function windowKind(window: string): WindowKind {
  return parseWindow(window).kind;
}
