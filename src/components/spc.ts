// Individuals (XmR) control chart: tells a real change from month-to-month noise.
// Centre line = mean, limits = mean ± 2.66 × average moving range. A point is a
// signal when it lies outside the limits, or belongs to a run of 8 or more
// consecutive points on one side of the centre line (every point of the run).

export type Signal = "high" | "low" | null;
export type SignalRule = "outside" | "run" | null;

export interface ControlChart {
  centre: number | null;
  lower: number | null;
  upper: number | null;
  signals: Signal[];
  /** Which rule each point's signal comes from (outside the limits wins over a run). */
  rules: SignalRule[];
}

export const RUN_LENGTH = 8;

/** Control limits and signals of a series in time order (nulls are gaps). */
export function xmr(values: (number | null)[]): ControlChart {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length < 4) return { centre: null, lower: null, upper: null, signals: values.map(() => null), rules: values.map(() => null) };
  const centre = xs.reduce((s, v) => s + v, 0) / xs.length;
  let mr = 0;
  for (let i = 1; i < xs.length; i++) mr += Math.abs(xs[i]! - xs[i - 1]!);
  mr /= xs.length - 1;
  const lower = centre - 2.66 * mr;
  const upper = centre + 2.66 * mr;
  const signals: Signal[] = values.map(() => null);
  const rules: SignalRule[] = values.map(() => null);
  // Runs: consecutive non-null points strictly on one side (a point on the centre line or a gap ends the run).
  let start = -1;
  let side = 0;
  const closeRun = (end: number) => {
    if (start >= 0 && end - start >= RUN_LENGTH)
      for (let k = start; k < end; k++) {
        signals[k] = side > 0 ? "high" : "low";
        rules[k] = "run";
      }
  };
  values.forEach((v, i) => {
    const s = v === null || !Number.isFinite(v) ? 0 : v > centre ? 1 : v < centre ? -1 : 0;
    if (s !== 0 && s === side) return;
    closeRun(i);
    start = s === 0 ? -1 : i;
    side = s;
  });
  closeRun(values.length);
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v) || mr <= 0) return;
    if (v > upper) (signals[i] = "high"), (rules[i] = "outside");
    else if (v < lower) (signals[i] = "low"), (rules[i] = "outside");
  });
  return { centre, lower, upper, signals, rules };
}

export interface SignalSummary {
  signal: boolean;
  outside: number;
  run: number;
  /** The badge's text, naming the rule that fired (or that none did). */
  text: string;
}

/** What a control chart says about a whole series, in the words of its rules. */
export function signalSummary(chart: Pick<ControlChart, "rules" | "centre">): SignalSummary {
  if (chart.centre === null) return { signal: false, outside: 0, run: 0, text: "数据不足，无法判断" };
  const outside = chart.rules.filter((r) => r === "outside").length;
  const run = chart.rules.filter((r) => r === "run").length;
  const parts = [outside ? `${outside} 个月超出控制限` : "", run ? `连续 ${RUN_LENGTH} 个月以上偏于均值一侧` : ""].filter(Boolean);
  return parts.length
    ? { signal: true, outside, run, text: `显著变化：${parts.join("；")}` }
    : { signal: false, outside, run, text: "正常波动" };
}
