// Numbers, money and windows the Chinese way: 万 and 亿, 元, 2026年第二季度.

const grouped = new Intl.NumberFormat("zh-CN", {maximumFractionDigits: 0});

type Num = number | null | undefined;

const missing = (v: Num): v is null | undefined => v === null || v === undefined || Number.isNaN(v);

/** A count: 8,765 · 12.3万 · 1.05亿. */
export function formatCount(v: Num): string {
  if (missing(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1e8) return `${trim((v / 1e8).toFixed(2))}亿`;
  if (a >= 1e4) return `${trim((v / 1e4).toFixed(a >= 1e6 ? 0 : 1))}万`;
  return Number.isInteger(v) ? grouped.format(v) : trim(v.toFixed(1));
}

/** Money in yuan, short: 3.25万元 · 1.2亿元. */
export function formatYuanShort(v: Num): string {
  return missing(v) ? "—" : `${formatCount(v)}元`;
}

/** Money in yuan, exact to the yuan (or fen when given): 1,234,567 元. */
export function formatYuan(v: Num, {fen = false}: {fen?: boolean} = {}): string {
  if (missing(v)) return "—";
  return `${new Intl.NumberFormat("zh-CN", {minimumFractionDigits: fen ? 2 : 0, maximumFractionDigits: fen ? 2 : 0}).format(v)} 元`;
}

/** A share 0–1 as a percentage: 95.3%. */
export function formatRate(v: Num, digits = 1): string {
  return missing(v) ? "—" : `${(v * 100).toFixed(digits)}%`;
}

/** A value in the unit of its indicator. */
export function formatValue(v: Num, unit?: string): string {
  if (missing(v)) return "—";
  switch (unit) {
    case "rate":
      return formatRate(v);
    case "days":
      return `${trim(v.toFixed(1))} 天`;
    case "pp":
      return `${trim(v.toFixed(1))} 个百分点`;
    case "per10k":
      return trim(v.toFixed(2));
    case "yuan":
      return formatYuanShort(v);
    default:
      return formatCount(v);
  }
}

/** A score 0–100 with one decimal. */
export function formatScore(v: Num): string {
  return missing(v) ? "—" : v.toFixed(1);
}

/** A signed change: +1.2 · −0.5 (the minus sign, not a hyphen). */
export function formatDelta(v: Num, digits = 1): string {
  if (missing(v)) return "—";
  const s = Math.abs(v).toFixed(digits);
  return v > 0 ? `+${s}` : v < 0 ? `−${s}` : s;
}

const QUARTER = ["一", "二", "三", "四"];

/** 2026-06 → 2026年6月 · 2026-Q2 → 2026年第二季度 · 2026-H1 → 2026年上半年 · 2026 → 2026年度. */
export function windowLabel(w: string | null | undefined): string {
  if (!w) return "—";
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-(\d{2})$/.exec(w))) return `${m[1]}年${Number(m[2])}月`;
  if ((m = /^(\d{4})-Q([1-4])$/.exec(w))) return `${m[1]}年第${QUARTER[Number(m[2]) - 1]!}季度`;
  if ((m = /^(\d{4})-H([12])$/.exec(w))) return `${m[1]}年${m[2] === "1" ? "上" : "下"}半年`;
  if ((m = /^(\d{4})$/.exec(w))) return `${m[1]}年度`;
  return w;
}

/** Short axis label: 2026-06 → 6月 (January shows its year: 26年1月). */
export function monthTick(w: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(w);
  if (!m) return windowLabel(w);
  return m[2] === "01" ? `${m[1]!.slice(2)}年1月` : `${Number(m[2])}月`;
}

export function windowKind(w: string): "month" | "quarter" | "half" | "year" | "other" {
  if (/^\d{4}-\d{2}$/.test(w)) return "month";
  if (/^\d{4}-Q[1-4]$/.test(w)) return "quarter";
  if (/^\d{4}-H[12]$/.test(w)) return "half";
  if (/^\d{4}$/.test(w)) return "year";
  return "other";
}

export const WINDOW_KIND_LABEL: Record<string, string> = {month: "月度", quarter: "季度", half: "半年", year: "年度"};

function trim(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
