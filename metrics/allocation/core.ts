// 以奖代补 allocation by the factor method — the ONE implementation, pure and browser-safe
// (no node imports, no DuckDB, no exceljs); the site's allocation page runs this same code.
//
// Order of work: eligibility → factor shares → bounds (floor, cap, change cap) → fill the
// pool proportionally, fixing counties at a bound and sharing the rest again until stable →
// whole units by largest remainder → balance deduction, shared out again the same way.
// Amounts are integers (safe integers of the chosen unit) that add up to the pool exactly;
// the same input gives the same output, byte for byte.

export type FactorId = "need" | "fiscal" | "performance";
export const FACTORS: readonly FactorId[] = ["need", "fiscal", "performance"];

/** A bound per county: an absolute amount in yuan, or a multiple of the equal share (pool ÷ eligible counties). */
export type Bound = { kind: "absolute"; amount: number } | { kind: "equal_share_multiple"; multiple: number };

export interface AllocationConfig {
  version: string;
  /** Yuan per unit of the result (1 = whole yuan, 100, 10000 …); the pool must be a multiple. */
  unit: number;
  /** Factor weights, adding up to 1. */
  weights: Record<FactorId, number>;
  /** Grades that qualify for the pool. */
  eligibleGrades: string[];
  /** The qualifying line of the performance factor: x = max(0, composite − line). */
  qualifyingLine: number;
  floor: Bound | null;
  cap: Bound | null;
  /** Cap on the change against the previous allocation: amount within previous × (1 ± ratio). */
  changeCap: { ratio: number } | null;
  /** Balance deduction: rate × (balance − limit × spent) is taken off a county whose rollover ratio exceeds limit. */
  deduction: { limit: number; rate: number } | null;
}

export interface AllocationCountyInput {
  code: string;
  name: string;
  grade: string | null;
  composite: number | null;
  /** 救助需求: coverage.persons. */
  need: number | null;
  /** 财力困难系数. */
  fiscal: number | null;
  /** Previous allocation in yuan (integer), null when there was none. */
  previous: number | null;
  /** Year-end rollover: ratio, balance and spent in yuan (for the deduction). */
  rollover: { ratio: number; balance: number; spent: number } | null;
}

export interface AllocationInput {
  /** The pool in yuan: a positive safe integer. */
  pool: number;
  counties: AllocationCountyInput[];
}

export type BoundHit = "floor" | "cap" | "change_floor" | "change_cap" | "deducted" | null;

export interface CountyAllocation {
  code: string;
  name: string;
  grade: string | null;
  composite: number | null;
  eligible: boolean;
  excluded_reason: string | null;
  /** Factor values x_f. */
  need: number | null;
  fiscal: number | null;
  performance: number | null;
  /** x_f ÷ Σ x_f over eligible counties. */
  need_share: number;
  fiscal_share: number;
  performance_share: number;
  /** Σ w_f × factor share. */
  share: number;
  /** pool × share, before bounds (yuan, not rounded). */
  target: number;
  /** Effective lower and upper bounds in yuan (null: none). */
  lower: number | null;
  upper: number | null;
  bound: BoundHit;
  /** Amount before the deduction, the deduction, and the final amount (integers, yuan). */
  before_deduction: number;
  deduction: number;
  amount: number;
  previous: number | null;
  change: number | null;
  /** change ÷ previous, null without a previous allocation. */
  change_ratio: number | null;
}

export interface AllocationResult {
  pool: number;
  unit: number;
  total: number;
  eligible_count: number;
  counties: CountyAllocation[];
  warnings: string[];
}

export class AllocationError extends Error {
  override name = "AllocationError";
}

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

function checkConfig(config: AllocationConfig): void {
  if (!Number.isSafeInteger(config.unit) || config.unit < 1) throw new AllocationError(`unit must be a whole number of yuan ≥ 1, not ${config.unit}`);
  const sum = FACTORS.reduce((a, f) => a + config.weights[f], 0);
  if (FACTORS.some((f) => !(config.weights[f] >= 0)) || Math.abs(sum - 1) > 1e-9)
    throw new AllocationError(`factor weights must be ≥ 0 and add up to 1 (they add up to ${sum})`);
}

/** Eligibility of one county and, when excluded, the reason in words finance staff use. */
export function exclusionReason(c: AllocationCountyInput, config: AllocationConfig): string | null {
  if (c.grade === null || c.composite === null) return "无考评结果";
  if (!config.eligibleGrades.includes(c.grade)) return `考评等级为${c.grade}，未达到分配资格（须为${config.eligibleGrades.join("、")}）`;
  if (c.need === null || !Number.isFinite(c.need) || c.need < 0) return "缺少救助需求数据（在保人数）";
  if (c.fiscal === null || !Number.isFinite(c.fiscal) || c.fiscal < 0) return "缺少财力困难系数";
  return null;
}

/** Allocate `input.pool` over the counties. Throws AllocationError for an impossible request. */
export function allocate(input: AllocationInput, config: AllocationConfig): AllocationResult {
  checkConfig(config);
  const { pool } = input;
  if (!Number.isSafeInteger(pool) || pool <= 0) throw new AllocationError(`the pool must be a positive whole number of yuan, not ${pool}`);
  if (pool % config.unit !== 0) throw new AllocationError(`the pool ${pool} is not a multiple of the unit ${config.unit} yuan`);
  const codes = new Set<string>();
  for (const c of input.counties) {
    if (codes.has(c.code)) throw new AllocationError(`county ${c.code} is listed twice`);
    codes.add(c.code);
  }
  const P = pool / config.unit;
  const warnings: string[] = [];
  const counties = [...input.counties].sort(byCode);
  const reasons = counties.map((c) => exclusionReason(c, config));
  const eligible = counties.map((_, i) => i).filter((i) => reasons[i] === null);
  if (eligible.length === 0) throw new AllocationError("no county is eligible: the pool cannot be allocated");
  const m = eligible.length;

  // Factor values and shares.
  const x: Record<FactorId, number[]> = { need: [], fiscal: [], performance: [] };
  counties.forEach((c, i) => {
    x.need[i] = c.need ?? 0;
    x.fiscal[i] = c.fiscal ?? 0;
    x.performance[i] = c.composite === null ? 0 : Math.max(0, c.composite - config.qualifyingLine);
  });
  const factorShare: Record<FactorId, number[]> = { need: [], fiscal: [], performance: [] };
  for (const f of FACTORS) {
    const total = eligible.reduce((a, i) => a + x[f][i]!, 0);
    if (!(total > 0) && config.weights[f] > 0) warnings.push(`因素“${FACTOR_LABELS[f]}”在所有参与分配的县均为0，按平均分配`);
    counties.forEach((_, i) => {
      factorShare[f][i] = reasons[i] !== null ? 0 : total > 0 ? x[f][i]! / total : 1 / m;
    });
  }
  const share = counties.map((_, i) => FACTORS.reduce((a, f) => a + config.weights[f] * factorShare[f][i]!, 0));

  // Bounds in units: floors rounded down, caps rounded up (a bound never makes the pool infeasible by rounding).
  const equal = P / m;
  const boundUnits = (b: Bound | null) =>
    b === null ? null : b.kind === "absolute" ? b.amount / config.unit : b.multiple * equal;
  const floorU = boundUnits(config.floor);
  const capU = boundUnits(config.cap);
  const lower: number[] = [];
  const upper: number[] = [];
  const lowerKind: BoundHit[] = [];
  const upperKind: BoundHit[] = [];
  for (const i of eligible) {
    let lo = 0;
    let hi = Infinity;
    let loKind: BoundHit = null;
    let hiKind: BoundHit = null;
    if (floorU !== null && Math.floor(floorU) > lo) [lo, loKind] = [Math.floor(floorU), "floor"];
    if (capU !== null) [hi, hiKind] = [Math.ceil(capU), "cap"];
    const prev = counties[i]!.previous;
    if (config.changeCap && prev !== null && prev > 0) {
      const pu = prev / config.unit;
      const cl = Math.floor(pu * (1 - config.changeCap.ratio));
      const ch = Math.ceil(pu * (1 + config.changeCap.ratio));
      if (cl > lo) [lo, loKind] = [cl, "change_floor"];
      if (ch < hi) [hi, hiKind] = [ch, "change_cap"];
    }
    if (lo > hi) {
      warnings.push(`${counties[i]!.name}（${counties[i]!.code}）的下限高于上限，按上限执行`);
      lo = hi;
    }
    lower[i] = lo;
    upper[i] = hi;
    lowerKind[i] = loKind;
    upperKind[i] = hiKind;
  }
  makeFeasible(eligible, lower, upper, P, warnings);

  // First pass: the whole pool under the bounds.
  const amount = new Array<number>(counties.length).fill(0);
  const firstReal = fill(eligible, share, lower, upper, P);
  const first = integerise(eligible, firstReal, share, lower, upper, P, counties);
  for (const i of eligible) amount[i] = first.get(i)!;
  const before = [...amount];
  const deduction = new Array<number>(counties.length).fill(0);

  // Balance deduction: the excess comes off, and is shared again over the counties not deducted.
  if (config.deduction) {
    const { limit, rate } = config.deduction;
    const cut = new Map<number, number>();
    for (const i of eligible) {
      const r = counties[i]!.rollover;
      if (!r || !(r.ratio > limit)) continue;
      const excessYuan = Math.max(0, r.balance - limit * r.spent) * rate;
      const units = Math.min(amount[i]!, Math.round(excessYuan / config.unit));
      if (units > 0) cut.set(i, units);
    }
    const rest = eligible.filter((i) => !cut.has(i));
    if (cut.size > 0 && rest.length === 0) {
      warnings.push("所有参与分配的县均需扣减结余，扣减无法再分配，未执行扣减");
    } else if (cut.size > 0) {
      let fixedTotal = 0;
      for (const [i, units] of cut) {
        deduction[i] = units;
        amount[i] = amount[i]! - units;
        fixedTotal += amount[i]!;
      }
      const R = P - fixedTotal;
      const lo2 = [...lower];
      const hi2 = [...upper];
      makeFeasible(rest, lo2, hi2, R, warnings);
      const again = integerise(rest, fill(rest, share, lo2, hi2, R), share, lo2, hi2, R, counties);
      for (const i of rest) amount[i] = again.get(i)!;
    }
  }

  const result: CountyAllocation[] = counties.map((c, i) => {
    const isEligible = reasons[i] === null;
    const amt = amount[i]! * config.unit;
    const prev = c.previous;
    let bound: BoundHit = null;
    if (isEligible) {
      if (deduction[i]! > 0) bound = "deducted";
      else if (upper[i]! < Infinity && amount[i]! >= upper[i]!) bound = upperKind[i]!;
      else if (lower[i]! > 0 && amount[i]! <= lower[i]!) bound = lowerKind[i]!;
    }
    return {
      code: c.code,
      name: c.name,
      grade: c.grade,
      composite: c.composite,
      eligible: isEligible,
      excluded_reason: reasons[i]!,
      need: c.need,
      fiscal: c.fiscal,
      performance: c.composite === null ? null : x.performance[i]!,
      need_share: factorShare.need[i]!,
      fiscal_share: factorShare.fiscal[i]!,
      performance_share: factorShare.performance[i]!,
      share: share[i]!,
      target: isEligible ? pool * share[i]! : 0,
      lower: isEligible && lower[i]! > 0 ? lower[i]! * config.unit : null,
      upper: isEligible && upper[i]! < Infinity ? upper[i]! * config.unit : null,
      bound,
      before_deduction: before[i]! * config.unit,
      deduction: deduction[i]! * config.unit,
      amount: amt,
      previous: prev,
      change: prev === null ? null : amt - prev,
      change_ratio: prev === null || prev === 0 ? null : (amt - prev) / prev,
    };
  });
  const total = result.reduce((a, r) => a + r.amount, 0);
  if (total !== pool) throw new AllocationError(`internal error: amounts add up to ${total}, not ${pool}`);
  return { pool, unit: config.unit, total, eligible_count: m, counties: result, warnings };
}

export const FACTOR_LABELS: Record<FactorId, string> = { need: "救助需求", fiscal: "财力困难", performance: "工作绩效" };

/** Relax bounds that cannot hold together: floors above the pool shrink, caps below it grow, proportionally. */
function makeFeasible(items: number[], lower: number[], upper: number[], P: number, warnings: string[]): void {
  const sumLo = items.reduce((a, i) => a + lower[i]!, 0);
  if (sumLo > P) {
    warnings.push("各县下限之和超过资金总额，下限已按比例压缩");
    const k = P / sumLo;
    for (const i of items) lower[i] = Math.floor(lower[i]! * k);
  }
  const sumHi = items.reduce((a, i) => a + upper[i]!, 0);
  if (sumHi < P) {
    warnings.push("各县上限之和不足资金总额，上限已按比例放宽");
    const k = P / sumHi;
    for (const i of items) upper[i] = sumHi > 0 ? Math.max(lower[i]!, Math.ceil(upper[i]! * k)) : Infinity;
    // Ceil keeps Σ upper ≥ P unless every upper was 0 (no previous money and a zero change cap).
    if (items.reduce((a, i) => a + upper[i]!, 0) < P) for (const i of items) upper[i] = Infinity;
  }
}

/**
 * Share R over `items` in proportion to `share` within [lower, upper]: counties beyond a
 * bound are fixed at it and the rest is shared again, until stable. Each round fixes the
 * side that carries more (over caps or under floors), which is always right for the final
 * solution, so this ends within items.length + 1 rounds.
 */
export function fill(items: number[], share: number[], lower: number[], upper: number[], R: number): Map<number, number> {
  const out = new Map<number, number>();
  let free = [...items];
  const tol = 1e-9 * Math.max(1, R);
  for (let round = 0; round <= items.length + 1 && free.length > 0; round++) {
    let fixedTotal = 0;
    for (const v of out.values()) fixedTotal += v;
    const rest = R - fixedTotal;
    const S = free.reduce((a, i) => a + share[i]!, 0);
    const a = new Map<number, number>();
    for (const i of free) a.set(i, S > 0 ? (rest * share[i]!) / S : rest / free.length);
    let excess = 0;
    let deficit = 0;
    for (const i of free) {
      const v = a.get(i)!;
      if (v > upper[i]!) excess += v - upper[i]!;
      if (v < lower[i]!) deficit += lower[i]! - v;
    }
    if (excess <= tol && deficit <= tol) {
      for (const i of free) out.set(i, Math.min(upper[i]!, Math.max(lower[i]!, a.get(i)!)));
      free = [];
      break;
    }
    const fixCaps = excess > deficit + tol || Math.abs(excess - deficit) <= tol;
    const fixFloors = deficit > excess + tol || Math.abs(excess - deficit) <= tol;
    const next: number[] = [];
    for (const i of free) {
      const v = a.get(i)!;
      if (fixCaps && v > upper[i]!) out.set(i, upper[i]!);
      else if (fixFloors && v < lower[i]!) out.set(i, lower[i]!);
      else next.push(i);
    }
    free = next;
  }
  return out;
}

/**
 * Whole units by largest remainder: round every amount down, then hand the units left
 * over to the largest remainders (ties: larger share, then lower code), within bounds.
 */
function integerise(
  items: number[],
  real: Map<number, number>,
  share: number[],
  lower: number[],
  upper: number[],
  P: number,
  counties: { code: string }[],
): Map<number, number> {
  const out = new Map<number, number>();
  const rem = new Map<number, number>();
  let sum = 0;
  for (const i of items) {
    const v = real.get(i) ?? 0;
    let f = Math.floor(v + 1e-9);
    f = Math.min(upper[i]!, Math.max(lower[i]!, f));
    out.set(i, f);
    rem.set(i, v - f);
    sum += f;
  }
  let left = P - sum;
  const order = (dir: 1 | -1) =>
    [...items].sort((a, b) => {
      const d = dir * (rem.get(b)! - rem.get(a)!);
      if (Math.abs(d) > 1e-12) return d;
      const s = dir * (share[b]! - share[a]!);
      if (s !== 0) return s;
      return dir * (counties[a]!.code < counties[b]!.code ? -1 : 1);
    });
  while (left > 0) {
    const cands = order(1).filter((i) => out.get(i)! < upper[i]!);
    if (cands.length === 0) throw new AllocationError("internal error: no county can take the remaining units");
    for (const i of cands) {
      if (left === 0) break;
      out.set(i, out.get(i)! + 1);
      rem.set(i, rem.get(i)! - 1);
      left--;
    }
  }
  while (left < 0) {
    const cands = order(-1).filter((i) => out.get(i)! > lower[i]!);
    if (cands.length === 0) throw new AllocationError("internal error: no county can give back units");
    for (const i of cands) {
      if (left === 0) break;
      out.set(i, out.get(i)! - 1);
      rem.set(i, rem.get(i)! + 1);
      left++;
    }
  }
  return out;
}
