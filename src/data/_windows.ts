// Window ordering and choice for the loaders (the scorecard's own window rules).
import { compareWindows } from "../../metrics/scorecard/compute.js";
import { WINDOW_KINDS, windowKind } from "../../metrics/windows.js";

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
