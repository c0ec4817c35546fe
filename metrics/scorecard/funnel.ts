// Funnel-plot control limits for proportions (Spiegelhalter 2005, normal approximation
// to the binomial): around the provincial rate p, a region with denominator n lies
// inside p ± z·√(p(1−p)/n) by chance alone at 95 % (z 1.96) or 99.8 % (z 3.09).
// Pure and browser-safe.
import type { Observation } from "./core.js";

/** Two-sided normal quantiles: 95 % and 99.8 %. */
export const Z95 = 1.959963984540054;
export const Z998 = 3.090232306167813;

export interface Limits {
  low: number;
  high: number;
}

/** Control limits around rate `p` for denominator `n`, clamped to [0, 1]. */
export function funnelLimits(p: number, n: number, z: number): Limits {
  if (!(n > 0)) throw new Error("funnel limits need a denominator above 0");
  const half = z * Math.sqrt((p * (1 - p)) / n);
  return { low: Math.max(0, p - half), high: Math.min(1, p + half) };
}

/** Where a region lies: inside both limits, between 95 % and 99.8 %, or beyond 99.8 %, above or below. */
export type FunnelFlag = "within" | "above_95" | "above_998" | "below_95" | "below_998";

export interface FunnelPoint {
  region_code: string;
  indicator: string;
  value: number;
  numerator: number;
  denominator: number;
  /** The reference (provincial) rate. */
  rate: number;
  low_95: number;
  high_95: number;
  low_998: number;
  high_998: number;
  flag: FunnelFlag;
  /** Outside the 95 % limits (flag is not "within"). */
  outside_95: boolean;
  outside_998: boolean;
}

export function classify(value: number, l95: Limits, l998: Limits): FunnelFlag {
  if (value > l998.high) return "above_998";
  if (value < l998.low) return "below_998";
  if (value > l95.high) return "above_95";
  if (value < l95.low) return "below_95";
  return "within";
}

/**
 * Funnel points for one indicator in one window: `rows` are the regions compared
 * (one level); the reference rate is `reference` when given (the province's own
 * ratio-of-sums row), else Σ numerators ÷ Σ denominators of the rows.
 */
export function funnelFor(indicator: string, rows: readonly Observation[], reference?: number | null): FunnelPoint[] {
  const usable = rows.filter(
    (r) =>
      r.indicator === indicator &&
      r.status === "ok" &&
      r.numerator !== null &&
      r.denominator !== null &&
      r.denominator > 0 &&
      r.numerator >= 0 &&
      r.numerator <= r.denominator,
  );
  if (usable.length === 0) return [];
  let p = reference ?? null;
  if (p === null || !Number.isFinite(p)) {
    const num = usable.reduce((a, r) => a + (r.numerator as number), 0);
    const den = usable.reduce((a, r) => a + (r.denominator as number), 0);
    p = num / den;
  }
  const rate = p;
  return usable
    .map((r) => {
      const n = r.denominator as number;
      const value = (r.numerator as number) / n;
      const l95 = funnelLimits(rate, n, Z95);
      const l998 = funnelLimits(rate, n, Z998);
      const flag = classify(value, l95, l998);
      return {
        region_code: r.region_code,
        indicator,
        value,
        numerator: r.numerator as number,
        denominator: n,
        rate,
        low_95: l95.low,
        high_95: l95.high,
        low_998: l998.low,
        high_998: l998.high,
        flag,
        outside_95: flag !== "within",
        outside_998: flag === "above_998" || flag === "below_998",
      };
    })
    .sort((a, b) => (a.region_code < b.region_code ? -1 : a.region_code > b.region_code ? 1 : 0));
}
