// The funnel limits as mart_funnel holds them (computed by the scorecard at each
// region's denominator), thinned to a few points along the denominator axis so that
// a page draws the curves without recomputing them.
export interface FunnelLimitRow {
  den: number;
  l95: number;
  h95: number;
  l998: number;
  h998: number;
}

/** [[denominator, low95, high95, low998, high998], …] at most `max` rows, sorted by denominator. */
export function funnelBands(rows: readonly FunnelLimitRow[], max = 32): number[][] {
  const sorted = rows.filter((r) => r.den > 0).sort((a, b) => a.den - b.den);
  if (sorted.length === 0) return [];
  const step = Math.max(1, (sorted.length - 1) / (max - 1));
  const picked = new Set<number>();
  for (let i = 0; i < sorted.length; i += step) picked.add(Math.round(i));
  picked.add(sorted.length - 1);
  const r4 = (v: number) => Math.round(v * 1e4) / 1e4;
  return [...picked].sort((a, b) => a - b).map((i) => {
    const r = sorted[i]!;
    return [r.den, r4(r.l95), r4(r.h95), r4(r.l998), r4(r.h998)];
  });
}
