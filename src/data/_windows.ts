// Window ordering and choice for the loaders (the scorecard's own window rules).
import { compareWindows } from "../../metrics/scorecard/compute.js";
import { parseWindow, previousWindow, WINDOW_KINDS, windowKind } from "../../metrics/windows.js";

export { compareWindows, windowKind };

export function sortWindows(windows: Iterable<string>): string[] {
  return [...new Set(windows)].sort(compareWindows);
}

/** The latest window of each kind present (month, quarter, half, year), latest first. */
export function latestOfEachKind(windows: readonly string[]): string[] {
  const out: string[] = [];
  for (const kind of WINDOW_KINDS) {
    const last = sortWindows(windows.filter((w) => windowKind(w) === kind)).at(-1);
    if (last) out.push(last);
  }
  return out;
}

/** The same window a year earlier (2026-06 → 2025-06, 2026-Q2 → 2025-Q2, 2026 → 2025). */
export function yearAgo(id: string): string {
  const w = parseWindow(id);
  const y = String(w.year - 1);
  return w.kind === "year" ? y : `${y}${w.id.slice(4)}`;
}

/**
 * The window a page opens on: the latest quarter whose last month has data (a
 * complete quarter), else the latest month, else the latest window of any kind.
 */
export function defaultWindow(windows: readonly string[]): string | null {
  const months = sortWindows(windows.filter((w) => windowKind(w) === "month"));
  const lastMonth = months.at(-1);
  const quarters = sortWindows(windows.filter((w) => windowKind(w) === "quarter"));
  if (lastMonth) {
    const complete = quarters.filter((q) => parseWindow(q).lastMonth <= lastMonth && parseWindow(q).months.every((m) => months.includes(m)));
    if (complete.length) return complete.at(-1)!;
    return lastMonth;
  }
  return sortWindows(windows).at(-1) ?? null;
}

/** Every window computed, latest first within each kind, with its 环比 and 同比 windows (when computed). */
export function windowList(windows: readonly string[]): { id: string; kind: string; prev: string | null; yoy: string | null }[] {
  const have = new Set(windows);
  const out = [];
  for (const kind of WINDOW_KINDS)
    for (const id of sortWindows(windows.filter((w) => windowKind(w) === kind)).reverse()) {
      const prev = previousWindow(id);
      const yoy = yearAgo(id);
      out.push({ id, kind, prev: have.has(prev) ? prev : null, yoy: have.has(yoy) ? yoy : null });
    }
  return out;
}
