// The scorecard's indicator columns: each region's value and points of every indicator,
// for the latest window of each kind and the window pages open on. A file of its own,
// loaded only when the page shows indicator columns (it is most of the scorecard's bytes).
import { emitJson } from "./_marts.js";
import { defaultWindow, latestOfEachKind, sortWindows } from "./_windows.js";

await emitJson(async (m) => {
  const windows = sortWindows((await m.rows<{ w: string }>("mart_score", 'SELECT DISTINCT "window" AS w FROM mart_score')).map((r) => r.w));
  const detailWindows = [...new Set([...latestOfEachKind(windows), defaultWindow(windows)].filter((w): w is string => w !== null))];
  const details = detailWindows.length
    ? await m.rows<{ code: string; window: string; indicator: string; value: number | null; points: number | null; status: string }>(
        "mart_score_detail",
        `SELECT region_code AS code, "window", indicator, value, points, status FROM mart_score_detail
         WHERE list_contains(string_split($w, ','), "window")`,
        { w: detailWindows.join(",") },
      )
    : [];
  const round = (v: number | null, d = 2) => (v === null ? null : Math.round(v * 10 ** d) / 10 ** d);
  // details[window][code][indicator] = [value, points] or [value, points, status] when not scored
  const detailMap: Record<string, Record<string, Record<string, (number | null | string)[]>>> = {};
  for (const d of details)
    ((detailMap[d.window] ??= {})[d.code] ??= {})[d.indicator] = d.status === "scored" ? [round(d.value, 4), round(d.points, 1)] : [round(d.value, 4), round(d.points, 1), d.status];
  return { detailWindows, details: detailMap };
});
