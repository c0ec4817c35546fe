// Scoring math, pure and browser-safe: rules → indicator points → dimension scores →
// composite → grade → rank. Every composite decomposes into the points each indicator
// added or cost. Window-level context (relative rules, previous ranks) comes in as data.
import type { Rule, ScorecardConfig } from "./config.js";
import { windowKind } from "../windows.js";

export type IndicatorStatus = "ok" | "na" | "gap";
export type RegionLevel = "county" | "city" | "province";

/** One row of mart_indicator, as the scorecard needs it. */
export interface Observation {
  region_code: string;
  region_name: string;
  level: RegionLevel;
  indicator: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  status: IndicatorStatus;
}

/** Why an indicator gave no points: no data, a missing extract, or not scored in this kind of window. */
export type ScoreStatus = "scored" | "na" | "gap" | "not_in_window";

export interface IndicatorScore {
  indicator: string;
  dimension: string;
  value: number | null;
  status: ScoreStatus;
  /** 0–100 from the rule, null when not scored. */
  points: number | null;
  /** Configured weight within the dimension. */
  weight: number;
  /** Share of the composite's 100 points this indicator carried after redistribution. */
  weight_effective: number;
  /** Composite points it added (weight_effective × points ÷ 100) and cost (weight_effective − added). */
  points_contributed: number;
  points_lost: number;
}

export interface DimensionScore {
  id: string;
  label: string;
  weight: number;
  weight_effective: number;
  /** 0–100, null when no indicator of the dimension applies. */
  score: number | null;
  points_contributed: number;
}

export interface RegionScore {
  region_code: string;
  region_name: string;
  level: RegionLevel;
  window: string;
  /** 0–100 rounded to 2 decimals; null when nothing applies. */
  composite: number | null;
  grade: string | null;
  rank: number | null;
  previous_rank: number | null;
  /** previous_rank − rank: positive when the region moved up. */
  rank_change: number | null;
  dimensions: DimensionScore[];
  indicators: IndicatorScore[];
  na_indicators: string[];
  gaps: string[];
}

const EPS = 1e-9;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Round half away from zero to `digits`, after removing binary noise (89.99999999999 → 90). */
export function roundTo(x: number, digits: number): number {
  const f = 10 ** digits;
  const scaled = Math.round(Math.abs(x) * f * 1e6) / 1e6;
  return (Math.sign(x) * Math.round(scaled)) / f;
}

/** Context of a relative rule: the best and worst value among the window's regions of one level. */
export interface RelativeRange {
  min: number;
  max: number;
}

/** Points (0–100) an indicator value earns under a rule. */
export function scoreRule(rule: Rule, value: number, range?: RelativeRange): number {
  switch (rule.type) {
    case "linear":
      return clamp(((value - rule.worst) / (rule.best - rule.worst)) * 100, 0, 100);
    case "threshold":
      return (rule.direction === "lower" ? value <= rule.target + EPS : value >= rule.target - EPS) ? 100 : 0;
    case "deduct":
      return 100 - clamp(value * rule.per, 0, rule.max);
    case "relative": {
      if (!range) throw new Error("relative rule needs the window's range");
      if (range.max - range.min <= EPS) return 100;
      const best = rule.direction === "lower" ? range.min : range.max;
      const worst = rule.direction === "lower" ? range.max : range.min;
      return clamp(((value - worst) / (best - worst)) * 100, 0, 100);
    }
  }
}

/** The grade band a (rounded) composite falls in. */
export function gradeOf(composite: number, cfg: Pick<ScorecardConfig, "grades">): string {
  const c = roundTo(composite, 2);
  for (const band of cfg.grades) if (c >= band.min) return band.label;
  return cfg.grades[cfg.grades.length - 1]!.label;
}

/** Competition ranking ("1224") on composites, highest first; null composites get no rank. */
export function rankScores(items: { code: string; composite: number | null }[]): Map<string, number> {
  const scored = items.filter((i) => i.composite !== null) as { code: string; composite: number }[];
  scored.sort((a, b) => b.composite - a.composite || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const ranks = new Map<string, number>();
  scored.forEach((item, i) => {
    const prev = scored[i - 1];
    ranks.set(item.code, prev && prev.composite === item.composite ? ranks.get(prev.code)! : i + 1);
  });
  return ranks;
}

export interface ScoreWindowOptions {
  /** Ranks of the previous window by region code, for rank_change. */
  previousRanks?: ReadonlyMap<string, number>;
}

/**
 * Score every region of one level in one window. `observations` holds that level's
 * mart_indicator rows for the window (other levels and indicators are ignored).
 * A configured indicator without a row is a data gap.
 */
export function scoreWindow(
  observations: readonly Observation[],
  cfg: ScorecardConfig,
  window: string,
  level: RegionLevel,
  options: ScoreWindowOptions = {},
): RegionScore[] {
  const kind = windowKind(window);
  const byRegion = new Map<string, { name: string; rows: Map<string, Observation> }>();
  for (const o of observations) {
    if (o.level !== level) continue;
    let r = byRegion.get(o.region_code);
    if (!r) byRegion.set(o.region_code, (r = { name: o.region_name, rows: new Map() }));
    r.rows.set(o.indicator, o);
  }
  // Relative rules compare the regions of this level in this window.
  const ranges = new Map<string, RelativeRange>();
  for (const d of cfg.dimensions)
    for (const ind of d.indicators) {
      if (ind.rule.type !== "relative") continue;
      const vals = observations
        .filter((o) => o.level === level && o.indicator === ind.id && usable(o))
        .map((o) => o.value as number);
      if (vals.length) ranges.set(ind.id, { min: Math.min(...vals), max: Math.max(...vals) });
    }

  const codes = [...byRegion.keys()].sort();
  const scores = codes.map((code) => scoreRegion(code, byRegion.get(code)!, cfg, window, kind, level, ranges));
  const ranks = rankScores(scores.map((s) => ({ code: s.region_code, composite: s.composite })));
  for (const s of scores) {
    s.rank = ranks.get(s.region_code) ?? null;
    s.previous_rank = options.previousRanks?.get(s.region_code) ?? null;
    s.rank_change = s.rank !== null && s.previous_rank !== null ? s.previous_rank - s.rank : null;
  }
  return scores;
}

function usable(o: Observation): boolean {
  return o.status === "ok" && o.value !== null && Number.isFinite(o.value);
}

function scoreRegion(
  code: string,
  region: { name: string; rows: Map<string, Observation> },
  cfg: ScorecardConfig,
  window: string,
  kind: ReturnType<typeof windowKind>,
  level: RegionLevel,
  ranges: Map<string, RelativeRange>,
): RegionScore {
  const indicators: IndicatorScore[] = [];
  const dimensions: DimensionScore[] = [];
  const na: string[] = [];
  const gaps: string[] = [];
  // First pass: points per indicator and the dimension score over the applicable ones.
  const dimParts: { dim: (typeof cfg.dimensions)[number]; items: IndicatorScore[]; applicableWeight: number; score: number | null }[] = [];
  for (const dim of cfg.dimensions) {
    const items: IndicatorScore[] = [];
    let applicableWeight = 0;
    let weighted = 0;
    for (const ind of dim.indicators) {
      const row = region.rows.get(ind.id);
      const item: IndicatorScore = {
        indicator: ind.id,
        dimension: dim.id,
        value: row?.value ?? null,
        status: "scored",
        points: null,
        weight: ind.weight,
        weight_effective: 0,
        points_contributed: 0,
        points_lost: 0,
      };
      if (ind.windows && !ind.windows.includes(kind)) {
        item.status = "not_in_window";
      } else if (!row || row.status === "gap") {
        item.status = "gap";
        gaps.push(ind.id);
        if (cfg.gapPolicy === "zero") item.points = 0;
      } else if (!usable(row)) {
        item.status = "na";
        na.push(ind.id);
      } else {
        item.points = scoreRule(ind.rule, row.value as number, ranges.get(ind.id));
      }
      if (item.points !== null) {
        applicableWeight += ind.weight;
        weighted += ind.weight * item.points;
      }
      items.push(item);
    }
    dimParts.push({ dim, items, applicableWeight, score: applicableWeight > 0 ? weighted / applicableWeight : null });
  }
  // Second pass: a dimension with nothing applicable hands its weight to the others.
  const liveDimWeight = dimParts.reduce((a, p) => a + (p.score !== null ? p.dim.weight : 0), 0);
  let composite: number | null = null;
  if (liveDimWeight > 0) {
    let total = 0;
    for (const p of dimParts) {
      const dimEff = p.score !== null ? (p.dim.weight / liveDimWeight) * 100 : 0;
      let contributed = 0;
      for (const item of p.items) {
        if (item.points !== null) {
          item.weight_effective = (dimEff * item.weight) / p.applicableWeight;
          item.points_contributed = (item.weight_effective * item.points) / 100;
          item.points_lost = item.weight_effective - item.points_contributed;
          contributed += item.points_contributed;
        }
      }
      total += contributed;
      dimensions.push({ id: p.dim.id, label: p.dim.label, weight: p.dim.weight, weight_effective: dimEff, score: p.score, points_contributed: contributed });
      indicators.push(...p.items);
    }
    composite = roundTo(total, 2);
  } else {
    for (const p of dimParts) {
      dimensions.push({ id: p.dim.id, label: p.dim.label, weight: p.dim.weight, weight_effective: 0, score: null, points_contributed: 0 });
      indicators.push(...p.items);
    }
  }
  return {
    region_code: code,
    region_name: region.name,
    level,
    window,
    composite,
    grade: composite === null ? null : gradeOf(composite, cfg),
    rank: null,
    previous_rank: null,
    rank_change: null,
    dimensions,
    indicators,
    na_indicators: na,
    gaps,
  };
}
