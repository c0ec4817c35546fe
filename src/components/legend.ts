// Per-indicator legend sets (DHIS2-style): a value is 达标 (met), 接近 (near) or
// 未达标 (missed) against the indicator's target. The bands are configuration:
// DEFAULT_LEGEND says how far from the target still counts as near, per unit, and
// LEGEND_OVERRIDES changes it for one indicator. Browser-safe: pure data and functions.

export type LegendClass = "met" | "near" | "missed";

export interface LegendTarget {
  op: ">=" | "<=" | "=" | "falling";
  value: number | null;
}

/** How far on the wrong side of the target a value is still near it. */
export interface LegendBand {
  /** In the indicator's own unit (0.05 = 5 percentage points for a rate). */
  absolute?: number;
  /** As a share of the target (0.2 = within 20 % of it). */
  relative?: number;
}

export const DEFAULT_LEGEND: Readonly<Record<string, LegendBand>> = {
  rate: { absolute: 0.05 },
  days: { relative: 0.25 },
  pp: { absolute: 3 },
  count: { absolute: 0 },
  per10k: { relative: 0.2 },
};

/** Per-indicator bands that differ from the unit's default. */
export const LEGEND_OVERRIDES: Readonly<Record<string, LegendBand>> = {
  "process.county_check_rate": { absolute: 0.1 },
  "satisfaction.rate": { absolute: 0.05 },
  "integrity.duplicate_persons": { absolute: 5 },
  "funds.unlisted_payments": { absolute: 5 },
  "funds.proxy_violations": { absolute: 5 },
};

export const LEGEND_LABEL: Record<LegendClass, string> = { met: "达标", near: "接近目标", missed: "未达标" };
export const LEGEND_COLOR: Record<LegendClass | "none", string> = { met: "#2c7bb6", near: "#fdae61", missed: "#d7191c", none: "#bdbdbd" };
export const LEGEND_TEXT: Record<LegendClass | "none", string> = { met: "#fff", near: "#1a1a1a", missed: "#fff", none: "#1a1a1a" };

export function legendBand(id: string, unit: string): LegendBand {
  return LEGEND_OVERRIDES[id] ?? DEFAULT_LEGEND[unit] ?? { absolute: 0 };
}

/** The class of a value against its target, or null when there is no fixed target or no value. */
export function classify(value: number | null | undefined, target: LegendTarget | null, band: LegendBand): LegendClass | null {
  if (value === null || value === undefined || !Number.isFinite(value) || !target || target.value === null || target.op === "falling") return null;
  const t = target.value;
  const shortfall = target.op === ">=" ? t - value : target.op === "<=" ? value - t : Math.abs(value - t);
  const eps = 1e-9;
  if (shortfall <= eps) return "met";
  const near = Math.max(band.absolute ?? 0, (band.relative ?? 0) * Math.abs(t));
  return shortfall <= near + eps ? "near" : "missed";
}
