// Individuals (XmR) control chart: tells a real change from month-to-month noise.
// Centre line = mean, limits = mean ± 2.66 × average moving range. A point is a
// signal when it lies outside the limits, or ends a run of 8 on one side of the centre.

export type Signal = "high" | "low" | null;

export interface ControlChart {
  centre: number | null;
  lower: number | null;
  upper: number | null;
  signals: Signal[];
}

/** Control limits and signals of a series in time order (nulls are gaps). */
export function xmr(values: (number | null)[]): ControlChart {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length < 4) return { centre: null, lower: null, upper: null, signals: values.map(() => null) };
  const centre = xs.reduce((s, v) => s + v, 0) / xs.length;
  let mr = 0;
  for (let i = 1; i < xs.length; i++) mr += Math.abs(xs[i]! - xs[i - 1]!);
  mr /= xs.length - 1;
  const lower = centre - 2.66 * mr;
  const upper = centre + 2.66 * mr;
  let run = 0;
  let side = 0;
  const signals = values.map((v): Signal => {
    if (v === null || !Number.isFinite(v)) return null;
    const s = v > centre ? 1 : v < centre ? -1 : 0;
    run = s !== 0 && s === side ? run + 1 : s !== 0 ? 1 : 0;
    side = s;
    if (mr > 0 && v > upper) return "high";
    if (mr > 0 && v < lower) return "low";
    if (run >= 8) return s > 0 ? "high" : "low";
    return null;
  });
  return { centre, lower, upper, signals };
}
