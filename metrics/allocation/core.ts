// 以奖代补 allocation by the factor method — the ONE implementation, pure and browser-safe
// (no imports: no node, no DuckDB, no exceljs); the site's allocation page runs this same code.
//
// Order of work: eligibility → factor shares → the factor amounts (pool × share in whole
// units, no bounds) → bounds (floor, cap, change cap; an impossible set is refused, naming
// the constraint and the amount missing) → fill the pool proportionally, fixing counties at a
// bound and sharing the rest again until stable → whole units by largest remainder → balance
// deduction, the deducted money shared out again over the others within their bounds.
//
// All arithmetic is exact: every input number is taken as the decimal it prints as
// (String(x): 0.4 is 4/10, 380.6667 is 3806667/10000) and computed with bigint rationals, so
// anyone holding the exported factor values can recompute every yuan. Every row reconciles:
// 测算金额 + 约束调整 = 扣减前金额, 扣减前金额 − 结余扣减 + 再分配 = 分配金额; Σ 分配金额 = pool.

export type FactorId = "need" | "fiscal" | "performance";
export const FACTORS: readonly FactorId[] = ["need", "fiscal", "performance"];
export const FACTOR_LABELS: Record<FactorId, string> = { need: "救助需求", fiscal: "财力困难", performance: "工作绩效" };

/** A bound per county: an absolute amount in yuan, or a multiple of the equal share (pool ÷ eligible counties). */
export type Bound = { kind: "absolute"; amount: number } | { kind: "equal_share_multiple"; multiple: number };

export interface AllocationConfig {
  version: string;
  /** Yuan per unit of the result (1 = whole yuan, 100, 10000 …); the pool must be a multiple. */
  unit: number;
  /** Factor weights, adding up to exactly 1 (as decimals). */
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
  /** 救助需求: coverage.persons (the monthly average, as the decimal the run uses). */
  need: number | null;
  /** 财力困难系数. */
  fiscal: number | null;
  /** Previous allocation in yuan (integer), null when there was none. */
  previous: number | null;
  /** Year-end rollover: ratio, balance and spent in yuan (for the deduction). */
  rollover: { ratio: number; balance: number; spent: number } | null;
  /** The city the county belongs to (two-level allocation). */
  city_code?: string | null;
}

export interface AllocationInput {
  /** The pool in yuan: a positive safe integer. */
  pool: number;
  counties: AllocationCountyInput[];
}

/** Level words of the province (metrics/terms.ts LevelTerms); default 县 / 市. */
export interface AllocationTerms {
  county: string;
  countyShort: string;
  city: string;
}
const DEFAULT_WORDS: AllocationTerms = { county: "县（市、区）", countyShort: "县", city: "市" };

export type BoundHit = "floor" | "cap" | "change_floor" | "change_cap" | "deducted" | null;

export interface CountyAllocation {
  code: string;
  name: string;
  grade: string | null;
  composite: number | null;
  eligible: boolean;
  excluded_reason: string | null;
  /** Factor values x_f (need, fiscal as given; performance = max(0, composite − line)). */
  need: number | null;
  fiscal: number | null;
  performance: number | null;
  /** Rollover of the deduction: ratio, balance, spent (yuan) as given. */
  rollover_ratio: number | null;
  rollover_balance: number | null;
  rollover_spent: number | null;
  /** x_f ÷ Σ x_f over eligible counties (rounded to a double for display; exact in the rules). */
  need_share: number;
  fiscal_share: number;
  performance_share: number;
  /** Σ w_f × factor share. */
  share: number;
  /** pool × share, before bounds (yuan, a double for display). */
  target: number;
  /** pool × share in whole units by largest remainder, before any bound (yuan). */
  factor_amount: number;
  /** What the floors, caps and change limits moved: before_deduction − factor_amount (yuan). */
  bound_adjustment: number;
  /** Effective lower and upper bounds in yuan (null: none). */
  lower: number | null;
  upper: number | null;
  bound: BoundHit;
  /** Amount before the deduction, the deduction, the share of others' deductions, the final amount (yuan). */
  before_deduction: number;
  deduction: number;
  redistribution: number;
  amount: number;
  previous: number | null;
  change: number | null;
  /** change ÷ previous, null without a previous allocation. */
  change_ratio: number | null;
  /** Why in words: the reason a county takes no part or gets 0, a deduction, a bound reached. */
  note: string | null;
  /** Two-level allocation: the county's city. */
  city_code?: string | null;
}

export interface AllocationResult {
  pool: number;
  unit: number;
  total: number;
  eligible_count: number;
  counties: CountyAllocation[];
  warnings: string[];
  /** Two-level allocation: the cities' rows (the first level), each city's amount split over its counties. */
  level?: "county" | "city";
  cities?: CountyAllocation[];
}

export class AllocationError extends Error {
  override name = "AllocationError";
}

/** A constraint that cannot hold: which one, what it needs, what there is, what is missing (yuan). */
export interface Infeasibility {
  constraint: string;
  required: number;
  available: number;
  missing: number;
  message: string;
}

/** Floors, caps or change limits that cannot all hold: nothing is allocated, each problem is named. */
export class AllocationInfeasibleError extends AllocationError {
  override name = "AllocationInfeasibleError";
  constructor(readonly problems: Infeasibility[]) {
    super(`约束无法同时满足，未分配：${problems.map((p) => p.message).join("；")}`);
  }
}

// ---------------------------------------------------------------- exact rationals
/** An exact rational n/d, d > 0, in lowest terms. */
export interface Q {
  n: bigint;
  d: bigint;
}
const abs = (a: bigint) => (a < 0n ? -a : a);
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a);
  b = abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}
export function q(n: bigint, d: bigint = 1n): Q {
  if (d === 0n) throw new AllocationError("内部错误：除数为 0");
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}
const ZERO = q(0n);
const ONE = q(1n);
export const add = (a: Q, b: Q): Q => (a.d === b.d ? q(a.n + b.n, a.d) : q(a.n * b.d + b.n * a.d, a.d * b.d));
export const sub = (a: Q, b: Q): Q => add(a, { n: -b.n, d: b.d });
export const mul = (a: Q, b: Q): Q => q(a.n * b.n, a.d * b.d);
export const div = (a: Q, b: Q): Q => q(a.n * b.d, a.d * b.n);
export const cmp = (a: Q, b: Q): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
export const floorQ = (a: Q): bigint => (a.n >= 0n ? a.n / a.d : -((-a.n + a.d - 1n) / a.d));
export const ceilQ = (a: Q): bigint => -floorQ({ n: -a.n, d: a.d });
/** Round half away from zero. */
export const roundQ = (a: Q): bigint => (a.n >= 0n ? floorQ(add(a, q(1n, 2n))) : -floorQ(add({ n: -a.n, d: a.d }, q(1n, 2n))));
const sumQ = (xs: Iterable<Q>): Q => {
  let s = ZERO;
  for (const x of xs) s = add(s, x);
  return s;
};
const int = (n: bigint | number): Q => q(BigInt(n));

/** The exact decimal a number prints as: 0.4 → 2/5, 1e-7 → 1/10000000. */
export function fromNumber(x: number): Q {
  if (!Number.isFinite(x)) throw new AllocationError(`不是有限数值：${x}`);
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(String(x));
  if (!m) throw new AllocationError(`无法读取数值：${x}`);
  const frac = m[3] ?? "";
  let n = BigInt(m[2]! + frac);
  let d = 10n ** BigInt(frac.length);
  const e = Number(m[4] ?? 0);
  if (e > 0) n *= 10n ** BigInt(e);
  if (e < 0) d *= 10n ** BigInt(-e);
  return q(m[1] ? -n : n, d);
}

/** A double close to the rational, for display only. */
export function toNumber(a: Q): number {
  const scale = 10n ** 18n;
  const scaled = (a.n * scale) / a.d;
  return Number(scaled) / 1e18;
}

/** The rational as a decimal with `digits` places (half away from zero); trailing zeros kept. */
export function toDecimal(a: Q, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const v = roundQ(mul(a, q(scale)));
  const neg = v < 0n;
  const s = abs(v).toString().padStart(digits + 1, "0");
  const body = digits > 0 ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return neg ? `-${body}` : body;
}

// ---------------------------------------------------------------- number words
/** A number as people write it: 1.1, not 1.0999999999999999. */
export function plainNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(12)));
}
/** Yuan with thousands separators: 1,234,567 元. */
export function yuanText(x: number | bigint): string {
  const s = abs(BigInt(x)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${BigInt(x) < 0n ? "-" : ""}${s} 元`;
}
const percentText = (x: number) => `${plainNumber(Number((x * 100).toFixed(2)))}%`;

const byCode = (a: { code: string }, b: { code: string }) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

function checkConfig(config: AllocationConfig): void {
  if (!Number.isSafeInteger(config.unit) || config.unit < 1) throw new AllocationError(`分配单位须为不小于 1 的整数元，当前为 ${plainNumber(config.unit)}`);
  for (const f of FACTORS) {
    const w = config.weights[f];
    if (typeof w !== "number" || !Number.isFinite(w)) throw new AllocationError(`${FACTOR_LABELS[f]}权重须为数值`);
    if (w < 0) throw new AllocationError(`${FACTOR_LABELS[f]}权重不能为负数（当前为 ${plainNumber(w)}）`);
  }
  const sum = sumQ(FACTORS.map((f) => fromNumber(config.weights[f])));
  if (cmp(sum, ONE) !== 0) throw new AllocationError(`三项因素权重之和须为 1（当前为 ${plainNumber(toNumber(sum))}）`);
  if (!Number.isFinite(config.qualifyingLine)) throw new AllocationError("合格线须为数值");
  for (const [b, label] of [
    [config.floor, "保底"],
    [config.cap, "封顶"],
  ] as const) {
    if (!b) continue;
    const v = b.kind === "absolute" ? b.amount : b.multiple;
    if (!Number.isFinite(v) || v < 0) throw new AllocationError(`${label}值须为不小于 0 的数值（当前为 ${plainNumber(v)}）`);
    if (b.kind === "absolute" && (!Number.isSafeInteger(b.amount) || b.amount % config.unit !== 0))
      throw new AllocationError(`${label}金额须为分配单位（${yuanText(config.unit)}）的整数倍（当前为 ${plainNumber(b.amount)} 元）`);
  }
  if (config.changeCap && !(config.changeCap.ratio >= 0)) throw new AllocationError(`增减幅度上限不能为负数（当前为 ${plainNumber(config.changeCap.ratio * 100)}%）`);
  if (config.deduction) {
    if (!(config.deduction.limit >= 0)) throw new AllocationError(`结余率上限不能为负数（当前为 ${plainNumber(config.deduction.limit * 100)}%）`);
    if (!(config.deduction.rate > 0 && config.deduction.rate <= 1)) throw new AllocationError(`扣减比例须大于 0 且不超过 1（当前为 ${plainNumber(config.deduction.rate)}）`);
  }
}

/** Eligibility of one county and, when excluded, the reason in words finance staff use. */
export function exclusionReason(c: AllocationCountyInput, config: AllocationConfig): string | null {
  if (c.grade === null || c.composite === null) return "无考评结果，不参与分配";
  if (!config.eligibleGrades.includes(c.grade)) return `考评等级为${c.grade}，未达到分配资格（须为${config.eligibleGrades.join("、")}）`;
  if (c.need === null || !Number.isFinite(c.need) || c.need < 0) return "缺少救助需求数据（在保人数），不参与分配";
  if (c.fiscal === null || !Number.isFinite(c.fiscal) || c.fiscal < 0) return "缺少财力困难系数，不参与分配";
  return null;
}

// ---------------------------------------------------------------- one level of the rules
interface Item {
  code: string;
  name: string;
  reason: string | null;
  x: Record<FactorId, Q>;
  previous: number | null;
  /** balance and spent in yuan, exact. */
  rollover: { balance: Q; spent: Q } | null;
}

interface LevelOutcome {
  factorShare: Record<FactorId, Q[]>;
  share: Q[];
  factorAmount: bigint[];
  lower: (bigint | null)[];
  upper: (bigint | null)[];
  lowerKind: BoundHit[];
  upperKind: BoundHit[];
  before: bigint[];
  deduction: bigint[];
  redistribution: bigint[];
  amount: bigint[];
  excess: (Q | null)[];
  warnings: string[];
  problems: Infeasibility[];
  eligible: number;
}

const BOUND_WORDS: Record<Exclude<BoundHit, null | "deducted">, string> = { floor: "保底", cap: "封顶", change_floor: "降幅限制", change_cap: "增幅限制" };

/**
 * Allocate P units over `items` under the configuration (level words `w`, `scope` prefixing
 * messages, e.g. "呼和浩特市内"). Problems (infeasible bounds) are returned, not thrown.
 */
function allocateLevel(items: Item[], P: bigint, config: AllocationConfig, w: AllocationTerms, scope: string): LevelOutcome {
  const unit = BigInt(config.unit);
  const n = items.length;
  const eligible = items.map((_, i) => i).filter((i) => items[i]!.reason === null);
  const m = eligible.length;
  const warnings: string[] = [];
  const problems: Infeasibility[] = [];
  const zeros = () => new Array<bigint>(n).fill(0n);
  const out: LevelOutcome = {
    factorShare: { need: [], fiscal: [], performance: [] },
    share: new Array<Q>(n).fill(ZERO),
    factorAmount: zeros(),
    lower: new Array(n).fill(null),
    upper: new Array(n).fill(null),
    lowerKind: new Array(n).fill(null),
    upperKind: new Array(n).fill(null),
    before: zeros(),
    deduction: zeros(),
    redistribution: zeros(),
    amount: zeros(),
    excess: new Array(n).fill(null),
    warnings,
    problems,
    eligible: m,
  };
  for (const f of FACTORS) out.factorShare[f] = new Array<Q>(n).fill(ZERO);
  if (m === 0) return out;

  // Factor shares and the combined share.
  const weight = Object.fromEntries(FACTORS.map((f) => [f, fromNumber(config.weights[f])])) as Record<FactorId, Q>;
  for (const f of FACTORS) {
    const total = sumQ(eligible.map((i) => items[i]!.x[f]));
    if (total.n === 0n && weight[f].n !== 0n) warnings.push(`${scope}因素“${FACTOR_LABELS[f]}”在所有参与分配的${w.countyShort}均为 0，该因素按平均分配`);
    for (const i of eligible) out.factorShare[f][i] = total.n === 0n ? q(1n, BigInt(m)) : div(items[i]!.x[f], total);
  }
  for (const i of eligible) out.share[i] = sumQ(FACTORS.map((f) => mul(weight[f], out.factorShare[f][i]!)));

  // The factor amounts: the pool by share alone, whole units.
  const none = new Array<bigint | null>(n).fill(null);
  const noneLo = new Array<bigint>(n).fill(0n);
  const factor = integerise(eligible, fill(eligible, out.share, noneLo, none, q(P)), out.share, noneLo, none, P, items);
  for (const i of eligible) out.factorAmount[i] = factor.get(i)!;

  // Bounds in units: floors rounded down, caps rounded up.
  const equal = q(P, BigInt(m));
  const boundUnits = (b: Bound | null): Q | null =>
    b === null ? null : b.kind === "absolute" ? q(BigInt(b.amount), unit) : mul(fromNumber(b.multiple), equal);
  const floorU = boundUnits(config.floor);
  const capU = boundUnits(config.cap);
  const lo = new Array<bigint>(n).fill(0n);
  const hi = new Array<bigint | null>(n).fill(null);
  for (const i of eligible) {
    if (floorU !== null && floorQ(floorU) > 0n) [lo[i], out.lowerKind[i]] = [floorQ(floorU), "floor"];
    if (capU !== null) [hi[i], out.upperKind[i]] = [ceilQ(capU), "cap"];
    const prev = items[i]!.previous;
    if (config.changeCap && prev !== null && prev > 0) {
      const pu = q(BigInt(prev), unit);
      const r = fromNumber(config.changeCap.ratio);
      const cl = floorQ(mul(pu, sub(ONE, r)));
      const ch = ceilQ(mul(pu, add(ONE, r)));
      if (cl > lo[i]!) [lo[i], out.lowerKind[i]] = [cl, "change_floor"];
      if (hi[i] === null || ch < hi[i]!) [hi[i], out.upperKind[i]] = [ch, "change_cap"];
    }
    if (lo[i]! < 0n) lo[i] = 0n;
    if (hi[i] !== null && lo[i]! > hi[i]!) {
      const a = lo[i]! * unit;
      const b = hi[i]! * unit;
      problems.push({
        constraint: `${BOUND_WORDS[out.lowerKind[i] as keyof typeof BOUND_WORDS]}与${BOUND_WORDS[out.upperKind[i] as keyof typeof BOUND_WORDS]}`,
        required: Number(a),
        available: Number(b),
        missing: Number(a - b),
        message: `${scope}${items[i]!.name}（${items[i]!.code}）的${BOUND_WORDS[out.lowerKind[i] as keyof typeof BOUND_WORDS]} ${yuanText(a)}高于${BOUND_WORDS[out.upperKind[i] as keyof typeof BOUND_WORDS]} ${yuanText(b)}，相差 ${yuanText(a - b)}`,
      });
    }
  }
  const kinds = (list: BoundHit[], sel: number[]) => [...new Set(sel.map((i) => list[i]).filter((k): k is keyof typeof BOUND_WORDS => k !== null && k !== "deducted"))].map((k) => BOUND_WORDS[k]);
  const sumLo = eligible.reduce((a, i) => a + lo[i]!, 0n);
  if (sumLo > P) {
    const names = kinds(out.lowerKind, eligible.filter((i) => lo[i]! > 0n)).join("、");
    problems.push({
      constraint: names,
      required: Number(sumLo * unit),
      available: Number(P * unit),
      missing: Number((sumLo - P) * unit),
      message: `${scope}${names}：${m} 个参与分配的${w.countyShort}下限合计 ${yuanText(sumLo * unit)}，超过可分配资金 ${yuanText(P * unit)}，缺口 ${yuanText((sumLo - P) * unit)}`,
    });
  }
  if (eligible.every((i) => hi[i] !== null)) {
    const sumHi = eligible.reduce((a, i) => a + hi[i]!, 0n);
    if (sumHi < P) {
      const names = kinds(out.upperKind, eligible).join("、");
      problems.push({
        constraint: names,
        required: Number(P * unit),
        available: Number(sumHi * unit),
        missing: Number((P - sumHi) * unit),
        message: `${scope}${names}：${m} 个参与分配的${w.countyShort}上限合计 ${yuanText(sumHi * unit)}，不足可分配资金 ${yuanText(P * unit)}，尚有 ${yuanText((P - sumHi) * unit)}无法分配`,
      });
    }
  }
  for (const i of eligible) {
    out.lower[i] = lo[i]!;
    out.upper[i] = hi[i]!;
  }
  if (problems.length > 0) return out;

  // The whole pool under the bounds.
  const first = integerise(eligible, fill(eligible, out.share, lo, hi, q(P)), out.share, lo, hi, P, items);
  for (const i of eligible) out.before[i] = out.amount[i] = first.get(i)!;

  // Balance deduction: rate × (balance − limit × spent), at most the amount; shared out again.
  if (config.deduction) {
    const limit = fromNumber(config.deduction.limit);
    const rate = fromNumber(config.deduction.rate);
    const cut = new Map<number, bigint>();
    for (const i of eligible) {
      const r = items[i]!.rollover;
      if (!r) continue;
      const excess = sub(r.balance, mul(limit, r.spent));
      if (excess.n <= 0n) continue;
      const yuan = mul(rate, excess);
      out.excess[i] = yuan;
      const units = roundQ(div(yuan, q(unit)));
      const take = units < out.before[i]! ? units : out.before[i]!;
      if (take > 0n) cut.set(i, take);
    }
    const rest = eligible.filter((i) => !cut.has(i));
    if (cut.size > 0 && rest.length === 0) {
      warnings.push(`${scope}所有参与分配的${w.countyShort}均需扣减结余，扣减的资金无处再分配，本次未执行扣减`);
      for (const i of eligible) out.excess[i] = null;
    } else if (cut.size > 0) {
      let D = 0n;
      for (const [i, units] of cut) {
        out.deduction[i] = units;
        out.amount[i] = out.before[i]! - units;
        D += units;
      }
      // The deducted money goes to the others by share, within what their caps leave.
      const room = new Array<bigint | null>(n).fill(null);
      for (const i of rest) room[i] = hi[i] === null ? null : hi[i]! - out.before[i]!;
      if (rest.every((i) => room[i] !== null)) {
        const space = rest.reduce((a, i) => a + room[i]!, 0n);
        if (space < D) {
          const names = kinds(out.upperKind, rest).join("、");
          problems.push({
            constraint: names,
            required: Number(D * unit),
            available: Number(space * unit),
            missing: Number((D - space) * unit),
            message: `${scope}${names}：结余扣减 ${yuanText(D * unit)}需再分配，其余${w.countyShort}距上限只剩 ${yuanText(space * unit)}，尚有 ${yuanText((D - space) * unit)}无法分配`,
          });
          return out;
        }
      }
      const zero = new Array<bigint>(n).fill(0n);
      const again = integerise(rest, fill(rest, out.share, zero, room, q(D)), out.share, zero, room, D, items);
      for (const i of rest) {
        out.redistribution[i] = again.get(i)!;
        out.amount[i] = out.before[i]! + out.redistribution[i]!;
      }
    }
  }
  return out;
}

/**
 * Share R over `items` in proportion to `share` within [lower, upper] (upper null: none):
 * counties beyond a bound are fixed at it and the rest is shared again, until stable. Each
 * round fixes the side that carries more (over caps or under floors), which is always right
 * for the final solution, so this ends within items.length + 1 rounds. Exact.
 */
function fill(items: number[], share: Q[], lower: bigint[], upper: (bigint | null)[], R: Q): Map<number, Q> {
  const out = new Map<number, Q>();
  let free = [...items];
  for (let round = 0; round <= items.length + 1 && free.length > 0; round++) {
    const rest = sub(R, sumQ(out.values()));
    const S = sumQ(free.map((i) => share[i]!));
    const a = new Map<number, Q>();
    for (const i of free) a.set(i, S.n > 0n ? div(mul(rest, share[i]!), S) : q(rest.n, rest.d * BigInt(free.length)));
    let excess = ZERO;
    let deficit = ZERO;
    for (const i of free) {
      const v = a.get(i)!;
      const hi = upper[i];
      if (hi !== null && hi !== undefined && cmp(v, int(hi)) > 0) excess = add(excess, sub(v, int(hi)));
      if (cmp(v, int(lower[i]!)) < 0) deficit = add(deficit, sub(int(lower[i]!), v));
    }
    if (excess.n === 0n && deficit.n === 0n) {
      for (const i of free) out.set(i, a.get(i)!);
      free = [];
      break;
    }
    const c = cmp(excess, deficit);
    const next: number[] = [];
    for (const i of free) {
      const v = a.get(i)!;
      const hi = upper[i];
      if (c >= 0 && hi !== null && hi !== undefined && cmp(v, int(hi)) > 0) out.set(i, int(hi));
      else if (c <= 0 && cmp(v, int(lower[i]!)) < 0) out.set(i, int(lower[i]!));
      else next.push(i);
    }
    free = next;
  }
  return out;
}

/**
 * Whole units by largest remainder: round every amount down, then hand the units left over
 * to the largest remainders (ties: larger share, then lower code), never past a bound.
 */
function integerise(items: number[], real: Map<number, Q>, share: Q[], lower: bigint[], upper: (bigint | null)[], P: bigint, counties: { code: string }[]): Map<number, bigint> {
  const out = new Map<number, bigint>();
  const rem = new Map<number, Q>();
  let sum = 0n;
  for (const i of items) {
    const v = real.get(i) ?? ZERO;
    let f = floorQ(v);
    if (f < lower[i]!) f = lower[i]!;
    const hi = upper[i];
    if (hi !== null && hi !== undefined && f > hi) f = hi;
    out.set(i, f);
    rem.set(i, sub(v, int(f)));
    sum += f;
  }
  let left = P - sum;
  const order = (dir: 1 | -1) =>
    [...items].sort((a, b) => {
      const d = dir * cmp(rem.get(b)!, rem.get(a)!);
      if (d !== 0) return d;
      const s = dir * cmp(share[b]!, share[a]!);
      if (s !== 0) return s;
      return dir * (counties[a]!.code < counties[b]!.code ? -1 : 1);
    });
  while (left > 0n) {
    const cands = order(1).filter((i) => upper[i] === null || upper[i] === undefined || out.get(i)! < upper[i]!);
    if (cands.length === 0) throw new AllocationError("内部错误：剩余金额无法分配");
    for (const i of cands) {
      if (left === 0n) break;
      out.set(i, out.get(i)! + 1n);
      rem.set(i, sub(rem.get(i)!, ONE));
      left--;
    }
  }
  while (left < 0n) {
    const cands = order(-1).filter((i) => out.get(i)! > lower[i]!);
    if (cands.length === 0) throw new AllocationError("内部错误：超出的金额无法收回");
    for (const i of cands) {
      if (left === 0n) break;
      out.set(i, out.get(i)! - 1n);
      rem.set(i, add(rem.get(i)!, ONE));
      left++;
    }
  }
  return out;
}

// ---------------------------------------------------------------- rows
function performanceOf(composite: number | null, line: number): Q {
  if (composite === null) return ZERO;
  const v = sub(fromNumber(composite), fromNumber(line));
  return v.n > 0n ? v : ZERO;
}

function countyItem(c: AllocationCountyInput, config: AllocationConfig): Item {
  const reason = exclusionReason(c, config);
  return {
    code: c.code,
    name: c.name,
    reason,
    x: {
      need: reason === null ? fromNumber(c.need!) : ZERO,
      fiscal: reason === null ? fromNumber(c.fiscal!) : ZERO,
      performance: performanceOf(c.composite, config.qualifyingLine),
    },
    previous: c.previous,
    rollover:
      c.rollover && Number.isFinite(c.rollover.balance) && Number.isFinite(c.rollover.spent)
        ? { balance: fromNumber(c.rollover.balance), spent: fromNumber(c.rollover.spent) }
        : null,
  };
}

function noteOf(o: LevelOutcome, i: number, item: Item, config: AllocationConfig, unitYuan: bigint, amount: bigint, ratio: number | null): string | null {
  if (item.reason !== null) return item.reason;
  const parts: string[] = [];
  if (o.deduction[i]! > 0n && config.deduction) {
    const limit = percentText(config.deduction.limit);
    const r = ratio === null ? "" : `结余率 ${percentText(ratio)} `;
    const whole = o.deduction[i]! === o.before[i]!;
    parts.push(
      whole
        ? `结余率超限全额扣减：${r}超过上限 ${limit}，应扣 ${yuanText(roundQ(o.excess[i]!))}，扣减前金额 ${yuanText(o.before[i]! * unitYuan)}全部扣减`
        : `结余率超限扣减：${r}超过上限 ${limit}，扣减 ${yuanText(o.deduction[i]! * unitYuan)}`,
    );
  }
  const adj = o.before[i]! - o.factorAmount[i]!;
  if (adj > 0n && o.lowerKind[i] && o.before[i]! <= o.lower[i]!) parts.push(`按${BOUND_WORDS[o.lowerKind[i] as keyof typeof BOUND_WORDS]}补足至 ${yuanText(o.before[i]! * unitYuan)}`);
  if (adj < 0n && o.upperKind[i] && o.upper[i] !== null && o.before[i]! >= o.upper[i]!) parts.push(`按${BOUND_WORDS[o.upperKind[i] as keyof typeof BOUND_WORDS]}压减至 ${yuanText(o.before[i]! * unitYuan)}`);
  if (amount === 0n && parts.length === 0) {
    if (o.share[i]!.n === 0n) parts.push("各项因素值均为 0（份额为 0），分配金额为 0");
    else parts.push("按份额测算不足一个分配单位，分配金额为 0");
  }
  return parts.length ? parts.join("；") : null;
}

function rowsOf(items: Item[], inputs: (AllocationCountyInput | null)[], o: LevelOutcome, P: bigint, config: AllocationConfig): CountyAllocation[] {
  const unit = BigInt(config.unit);
  return items.map((it, i) => {
    const c = inputs[i];
    const eligible = it.reason === null;
    const amount = o.amount[i]!;
    const amt = Number(amount * unit);
    const prev = it.previous;
    let bound: BoundHit = null;
    if (eligible) {
      if (o.deduction[i]! > 0n) bound = "deducted";
      else if (o.upper[i] !== null && o.before[i]! >= o.upper[i]! && o.upperKind[i]) bound = o.upperKind[i]!;
      else if (o.lower[i]! !== null && o.lower[i]! > 0n && o.before[i]! <= o.lower[i]! && o.lowerKind[i]) bound = o.lowerKind[i]!;
    }
    const ratio = c?.rollover?.ratio ?? null;
    return {
      code: it.code,
      name: it.name,
      grade: c ? c.grade : null,
      composite: c ? c.composite : null,
      eligible,
      excluded_reason: it.reason,
      need: c ? c.need : toNumber(it.x.need),
      fiscal: c ? c.fiscal : toNumber(it.x.fiscal),
      performance: c && c.composite === null ? null : toNumber(it.x.performance),
      rollover_ratio: ratio,
      rollover_balance: c?.rollover?.balance ?? null,
      rollover_spent: c?.rollover?.spent ?? null,
      need_share: toNumber(o.factorShare.need[i]!),
      fiscal_share: toNumber(o.factorShare.fiscal[i]!),
      performance_share: toNumber(o.factorShare.performance[i]!),
      share: toNumber(o.share[i]!),
      target: eligible ? toNumber(mul(q(P * unit), o.share[i]!)) : 0,
      factor_amount: Number(o.factorAmount[i]! * unit),
      bound_adjustment: Number((o.before[i]! - o.factorAmount[i]!) * unit),
      lower: eligible && o.lower[i] !== null && o.lower[i]! > 0n ? Number(o.lower[i]! * unit) : null,
      upper: eligible && o.upper[i] !== null ? Number(o.upper[i]! * unit) : null,
      bound,
      before_deduction: Number(o.before[i]! * unit),
      deduction: Number(o.deduction[i]! * unit),
      redistribution: Number(o.redistribution[i]! * unit),
      amount: amt,
      previous: prev,
      change: prev === null ? null : amt - prev,
      change_ratio: prev === null || prev === 0 ? null : (amt - prev) / prev,
      note: noteOf(o, i, it, config, unit, amount, ratio),
      ...(c && c.city_code !== undefined ? { city_code: c.city_code } : {}),
    };
  });
}

function checkInput(input: AllocationInput, config: AllocationConfig): void {
  checkConfig(config);
  const { pool } = input;
  if (typeof pool !== "number" || !Number.isSafeInteger(pool) || pool <= 0) throw new AllocationError(`资金总额须为正的整数元（当前为 ${pool === null || pool === undefined || Number.isNaN(pool) ? "空" : plainNumber(pool)}）`);
  if (pool % config.unit !== 0) throw new AllocationError(`资金总额 ${yuanText(pool)}不是分配单位 ${yuanText(config.unit)}的整数倍`);
  const codes = new Set<string>();
  for (const c of input.counties) {
    if (codes.has(c.code)) throw new AllocationError(`区划 ${c.code} 重复出现`);
    codes.add(c.code);
  }
}

/** Allocate `input.pool` over the counties. Throws AllocationError (in Chinese) for an impossible request. */
export function allocate(input: AllocationInput, config: AllocationConfig, terms: AllocationTerms = DEFAULT_WORDS): AllocationResult {
  checkInput(input, config);
  const counties = [...input.counties].sort(byCode);
  const items = counties.map((c) => countyItem(c, config));
  const P = BigInt(input.pool / config.unit);
  if (!items.some((it) => it.reason === null)) throw new AllocationError(`没有符合分配资格的${terms.countyShort}，资金无法分配`);
  const o = allocateLevel(items, P, config, terms, "");
  if (o.problems.length > 0) throw new AllocationInfeasibleError(o.problems);
  const rows = rowsOf(items, counties, o, P, config);
  return finish(input.pool, config, rows, o.eligible, o.warnings, "county");
}

function finish(pool: number, config: AllocationConfig, rows: CountyAllocation[], eligible: number, warnings: string[], level: "county" | "city", cities?: CountyAllocation[]): AllocationResult {
  const total = rows.reduce((a, r) => a + r.amount, 0);
  if (total !== pool) throw new AllocationError(`内部错误：分配合计 ${yuanText(total)}不等于资金总额 ${yuanText(pool)}`);
  for (const r of [...rows, ...(cities ?? [])])
    if (r.factor_amount + r.bound_adjustment !== r.before_deduction || r.before_deduction - r.deduction + r.redistribution !== r.amount)
      throw new AllocationError(`内部错误：${r.name}（${r.code}）的金额不平衡`);
  return { pool, unit: config.unit, total, eligible_count: eligible, counties: rows, warnings, level, ...(cities ? { cities } : {}) };
}

export interface CityInput {
  code: string;
  name: string;
  /** The city's own composite score and grade (mart_score, level city). */
  composite: number | null;
  grade: string | null;
}

/**
 * Two-level allocation: the pool over the cities by the same factors — need and fiscal
 * difficulty as the sums over their eligible counties, performance from the city's own
 * composite (max(0, composite − line)) — with no bounds or deduction at that level; then
 * each city's amount over its counties by the full rules (floors, caps, change limits and
 * the balance deduction apply within the city). Both levels exact to the unit.
 */
export function allocateTwoLevel(input: AllocationInput & { cities: CityInput[] }, config: AllocationConfig, terms: AllocationTerms = DEFAULT_WORDS): AllocationResult {
  checkInput(input, config);
  const counties = [...input.counties].sort(byCode);
  const P = BigInt(input.pool / config.unit);
  const countyItems = counties.map((c) => countyItem(c, config));
  const cityOf = (c: AllocationCountyInput) => c.city_code ?? c.code.slice(0, 4);
  const known = new Map([...input.cities].map((c) => [c.code, c]));
  const cityCodes = [...new Set([...input.cities.map((c) => c.code), ...counties.map(cityOf)])].sort();
  const members = new Map(cityCodes.map((code) => [code, counties.map((_, i) => i).filter((i) => cityOf(counties[i]!) === code)]));
  const cityItems: Item[] = cityCodes.map((code) => {
    const idx = members.get(code)!;
    const ok = idx.filter((i) => countyItems[i]!.reason === null);
    const city = known.get(code);
    const prevs = idx.map((i) => counties[i]!.previous).filter((p): p is number => p !== null);
    return {
      code,
      name: city?.name ?? code,
      reason: ok.length === 0 ? `下辖${terms.countyShort}均未参与分配` : null,
      x: {
        need: sumQ(ok.map((i) => countyItems[i]!.x.need)),
        fiscal: sumQ(ok.map((i) => countyItems[i]!.x.fiscal)),
        performance: performanceOf(city?.composite ?? null, config.qualifyingLine),
      },
      previous: prevs.length ? prevs.reduce((a, b) => a + b, 0) : null,
      rollover: null,
    };
  });
  if (!cityItems.some((it) => it.reason === null)) throw new AllocationError(`没有符合分配资格的${terms.countyShort}，资金无法分配`);
  const plain: AllocationConfig = { ...config, floor: null, cap: null, changeCap: null, deduction: null };
  const top = allocateLevel(cityItems, P, plain, terms, `${terms.city}级：`);
  const problems = [...top.problems];
  const warnings = [...top.warnings];
  const rows: CountyAllocation[] = new Array(counties.length);
  let eligible = 0;
  cityCodes.forEach((code, ci) => {
    const idx = members.get(code)!;
    const sub = idx.map((i) => countyItems[i]!);
    const cityP = top.amount[ci]!;
    const name = cityItems[ci]!.name;
    const o = allocateLevel(sub, cityP, config, terms, `${name}：`);
    problems.push(...o.problems);
    warnings.push(...o.warnings);
    eligible += o.eligible;
    const r = rowsOf(sub, idx.map((i) => counties[i]!), o, cityP, config);
    idx.forEach((i, k) => (rows[i] = { ...r[k]!, city_code: code }));
  });
  if (problems.length > 0) throw new AllocationInfeasibleError(problems);
  const cityRows = rowsOf(cityItems, cityCodes.map(() => null), top, P, plain).map((r) => {
    const city = known.get(r.code);
    return { ...r, grade: city?.grade ?? null, composite: city?.composite ?? null, performance: city?.composite == null ? null : r.performance };
  });
  return finish(input.pool, config, rows, eligible, warnings, "city", cityRows);
}
