// Honest ranks: ties shown as ties (并列), and top/bottom lists that keep every
// unit tied at the cut. Ranks are the marts' competition ranks (1, 2, 2, 4).

/** "3" or "并列 3" when another unit shares the rank. */
export function rankText(rank: number | null | undefined, ranks: readonly (number | null | undefined)[]): string {
  if (rank === null || rank === undefined) return "—";
  const shared = ranks.filter((r) => r === rank).length;
  return shared > 1 ? `并列 ${rank}` : String(rank);
}

/**
 * The first `n` rows by `value` (best first when `descending`), extended by every
 * row equal to the n-th; rows without a value are left out.
 */
export function topWithTies<T>(rows: readonly T[], n: number, value: (row: T) => number | null | undefined, descending = true): T[] {
  const valued = rows.filter((r) => {
    const v = value(r);
    return v !== null && v !== undefined && Number.isFinite(v);
  });
  const sorted = valued.slice().sort((a, b) => (descending ? value(b)! - value(a)! : value(a)! - value(b)!));
  if (sorted.length <= n) return sorted;
  const cut = value(sorted[n - 1]!)!;
  return sorted.filter((r, i) => i < n || value(r) === cut);
}
