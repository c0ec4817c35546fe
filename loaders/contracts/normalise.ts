// Normalisation of one cell by field kind (../shared/spec/extracts.md, common
// rules). Each parser returns the canonical value or an `Invalid` with the
// reason; they never throw on bad data, since bad data is the normal case.

/** A cell as a reader hands it over: CSV gives strings, XLSX numbers/dates/booleans too. */
export type Cell = string | number | boolean | Date | null | undefined;

export class Invalid {
  constructor(readonly reason: string) {}
}

export const isInvalid = (v: unknown): v is Invalid => v instanceof Invalid;

/** Canonical values: strings for text/id/region/enum/month/date ('YYYY-MM-DD') and exact decimals, numbers for ints, booleans. */
export type Canonical = string | number | boolean | null;

/** Warnings raised while normalising (e.g. a 15-digit ID upgraded), reported per delivery. */
export type WarnFn = (code: string, message: string) => void;

const FULL_WIDTH = /[\uFF01-\uFF5E\u3000]/;

/** Full-width ASCII (digits, letters, punctuation, ideographic space) to half-width. */
export function toHalfWidth(s: string): string {
  if (!FULL_WIDTH.test(s)) return s;
  return s.replace(/[\uFF01-\uFF5E\u3000]/g, (c) =>
    c === "\u3000" ? " " : String.fromCharCode(c.charCodeAt(0) - 0xfee0),
  );
}

/** Cell texts that mean "no value": spreadsheet error values and a database's NULL. */
export const EMPTY_MARKERS: readonly string[] = ["#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "NULL", "null"];
const EMPTY = new Set(EMPTY_MARKERS);

/** The trimmed text of a cell, or null when empty (or a marker of no value such as #N/A). */
export function cellText(cell: Cell): string | null {
  if (cell == null) return null;
  if (typeof cell === "string") {
    const t = cell.trim();
    return t === "" || EMPTY.has(t) ? null : t;
  }
  if (typeof cell === "number") return Number.isFinite(cell) ? numberText(cell) : null;
  if (typeof cell === "boolean") return cell ? "true" : "false";
  return isoDate(cell);
}

/** A number as plain decimal text (no exponent) for integers up to 2^53. */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  return String(n);
}

// ---------- dates ----------

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function validYmd(y: number, m: number, d: number): boolean {
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1) return false;
  const max = m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!;
  return d <= max;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function ymd(y: number, m: number, d: number): string {
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

function isoDate(d: Date): string {
  return ymd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/** Excel serial day number (1900 date system; serials ≥ 61 as Excel counts them) → ISO date. */
export function excelSerialToDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 61 || serial > 120000) return null;
  const d = new Date(EXCEL_EPOCH_MS + Math.floor(serial) * 86400000);
  return isoDate(d);
}

const RE_DATE_SEP = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const RE_ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const RE_DATE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const RE_DATE_CN = /^(\d{4})年(\d{1,2})月(\d{1,2})日$/;
const RE_SERIAL = /^\d{2,6}(?:\.\d+)?$/;

/** `2026-06-03`, `2026/6/3`, `20260603`, `2026年6月3日`, XLSX date cells and Excel serial numbers. */
export function parseDate(cell: Cell): string | null | Invalid {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return new Invalid("not a valid date");
    const y = cell.getUTCFullYear();
    if (y < 1900 || y > 2199) return new Invalid(`date out of range: ${isoDate(cell)}`);
    return isoDate(cell);
  }
  if (typeof cell === "number") {
    if (Number.isInteger(cell) && cell >= 19000101 && cell <= 21991231) return parseDate(String(cell));
    return excelSerialToDate(cell) ?? new Invalid(`not a date: ${cell}`);
  }
  if (typeof cell === "string" && cell.length === 10 && RE_ISO_DATE.test(cell)) {
    const y = +cell.slice(0, 4), mo = +cell.slice(5, 7), d = +cell.slice(8, 10);
    return validYmd(y, mo, d) ? cell : new Invalid(`not a valid calendar date: ${cell}`);
  }
  let s = cellText(cell);
  if (s === null) return null;
  s = toHalfWidth(s).replace(/\s+/g, " ");
  let m = RE_DATE_SEP.exec(s) ?? RE_DATE_COMPACT.exec(s) ?? RE_DATE_CN.exec(s.replace(/ /g, ""));
  if (m) {
    const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
    // a time after the date must be a time of day too (25:61 is not)
    if (m[4] !== undefined && (+m[4] > 23 || +m[5]! > 59 || (m[6] !== undefined && +m[6] > 59))) return new Invalid(`not a valid time of day: ${s}`);
    return validYmd(y, mo, d) ? ymd(y, mo, d) : new Invalid(`not a valid calendar date: ${s}`);
  }
  if (RE_SERIAL.test(s)) {
    const serial = Number(s);
    const iso = serial >= 20000 && serial <= 80000 ? excelSerialToDate(serial) : null;
    if (iso) return iso;
  }
  return new Invalid(`not a date (expected 2026-06-03, 2026/6/3, 20260603 or 2026年6月3日): ${s}`);
}

// ---------- months ----------

const RE_MONTH_SEP = /^(\d{4})[-/.](\d{1,2})$/;
const RE_ISO_MONTH = /^\d{4}-\d{2}$/;
const RE_MONTH_COMPACT = /^(\d{4})(\d{2})$/;
const RE_MONTH_CN = /^(\d{4})年(\d{1,2})月?$/;

/** `2026-06`, `202606`, `2026年6月` (also `2026/6`); an XLSX date cell gives its month. */
export function parseMonth(cell: Cell): string | null | Invalid {
  if (cell instanceof Date) {
    if (Number.isNaN(cell.getTime())) return new Invalid("not a valid month");
    return isoDate(cell).slice(0, 7);
  }
  if (typeof cell === "string" && cell.length === 7 && RE_ISO_MONTH.test(cell)) {
    const mo = +cell.slice(5, 7), y = +cell.slice(0, 4);
    if (y >= 1900 && y <= 2199 && mo >= 1 && mo <= 12) return cell;
  }
  let s = cellText(cell);
  if (s === null) return null;
  s = toHalfWidth(s).replace(/\s+/g, "");
  const m = RE_MONTH_SEP.exec(s) ?? RE_MONTH_COMPACT.exec(s) ?? RE_MONTH_CN.exec(s);
  if (m) {
    const y = +m[1]!, mo = +m[2]!;
    if (y >= 1900 && y <= 2199 && mo >= 1 && mo <= 12) return `${y}-${pad2(mo)}`;
  }
  return new Invalid(`not a month (expected 2026-06, 202606 or 2026年6月): ${s}`);
}

/** A reporting window: `2026-06`, `2026-Q2`, `2026-H1` or `2026`. */
export function parseWindow(text: string): string | null {
  const s = toHalfWidth(text.trim()).toUpperCase();
  if (/^\d{4}$/.test(s)) return s;
  if (/^\d{4}-Q[1-4]$/.test(s) || /^\d{4}-H[12]$/.test(s)) return s;
  const m = parseMonth(s);
  return typeof m === "string" ? m : null;
}

// ---------- numbers ----------

/** Integer cents of a canonical money string (`-12.30` → -1230). Exact: no float arithmetic. */
export function moneyToCents(s: string): number {
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [int, frac = ""] = body.split(".");
  const cents = Number(int) * 100 + Number((frac + "00").slice(0, 2));
  return neg ? -cents : cents;
}

function centsToMoney(cents: number): string {
  const neg = cents < 0;
  const a = Math.abs(cents);
  const s = `${Math.floor(a / 100)}.${pad2(a % 100)}`;
  return neg ? `-${s}` : s;
}

const RE_MONEY = /^(-?)(\d+)(?:\.(\d*))?$/;
const RE_MONEY_PLAIN = /^\d{1,15}(?:\.\d{1,2})?$/;
const RE_MONEY_CANONICAL = /^(?:0|[1-9]\d{0,14})\.\d{2}$/;

/** Yuan with at most 2 decimals; `¥`, thousands separators and a trailing 元 allowed. Canonical `1234.50`. */
export function parseMoney(cell: Cell, min?: number, max?: number): string | null | Invalid {
  let cents: number;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return new Invalid(`not an amount: ${cell}`);
    const scaled = cell * 100;
    const rounded = Math.round(scaled);
    // a binary float from a spreadsheet: accept it only if it is a whole number of cents
    if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled))) return new Invalid(`more than 2 decimals: ${cell}`);
    cents = rounded;
  } else if (typeof cell === "string" && RE_MONEY_PLAIN.test(cell)) {
    // the common case: plain digits with at most 2 decimals
    const dot = cell.indexOf(".");
    cents = dot < 0 ? Number(cell) * 100 : Number(cell.slice(0, dot)) * 100 + Number((cell.slice(dot + 1) + "00").slice(0, 2));
    // already canonical (no leading zero, two decimals): keep the string, skip the range formatting
    if (RE_MONEY_CANONICAL.test(cell) && (min === undefined || cents >= Math.round(min * 100)) && (max === undefined || cents <= Math.round(max * 100))) {
      return cell;
    }
  } else {
    let s = cellText(cell);
    if (s === null) return null;
    s = toHalfWidth(s).replace(/[\s,，]/g, "").replace(/^[¥￥]/, "").replace(/元$/, "").replace(/^(-?)[¥￥]/, "$1");
    const m = RE_MONEY.exec(s);
    if (!m) return new Invalid(`not an amount in yuan: ${cellText(cell)}`);
    const frac = m[3] ?? "";
    if (frac.length > 2) return new Invalid(`more than 2 decimals: ${cellText(cell)}`);
    if (m[2]!.length > 15) return new Invalid(`amount too large: ${cellText(cell)}`);
    cents = Number(m[2]) * 100 + Number((frac + "00").slice(0, 2));
    if (m[1] === "-") cents = -cents;
  }
  if (min !== undefined && cents < Math.round(min * 100)) return new Invalid(`amount below ${min}: ${centsToMoney(cents)}`);
  if (max !== undefined && cents > Math.round(max * 100)) return new Invalid(`amount above ${max}: ${centsToMoney(cents)}`);
  return centsToMoney(cents === 0 ? 0 : cents);
}

const RE_INT = /^[+-]?\d+$/;
const RE_DIGITS = /^\d{1,9}$/;

export function parseInt32(cell: Cell, min?: number, max?: number): number | null | Invalid {
  let n: number;
  if (typeof cell === "number") {
    if (!Number.isInteger(cell)) return new Invalid(`not a whole number: ${cell}`);
    n = cell;
  } else if (typeof cell === "string" && RE_DIGITS.test(cell)) {
    n = Number(cell);
  } else {
    let s = cellText(cell);
    if (s === null) return null;
    s = toHalfWidth(s).replace(/[,，\s]/g, "").replace(/\.0+$/, "");
    if (!RE_INT.test(s)) return new Invalid(`not a whole number: ${cellText(cell)}`);
    n = Number(s);
  }
  if (Math.abs(n) > 2147483647) return new Invalid(`number too large: ${n}`);
  if (min !== undefined && n < min) return new Invalid(`below ${min}: ${n}`);
  if (max !== undefined && n > max) return new Invalid(`above ${max}: ${n}`);
  return n;
}

const RE_DECIMAL = /^(-?)(\d+)(?:\.(\d*))?$/;

/** Exact decimal with at most 4 places (DECIMAL(9,4)), canonical text. */
export function parseDecimal(cell: Cell, min?: number, max?: number): string | null | Invalid {
  let s: string | null;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return new Invalid(`not a number: ${cell}`);
    s = String(Math.round(cell * 1e4) / 1e4 === cell ? cell : cell);
    if (/e/i.test(s)) s = cell.toFixed(10).replace(/0+$/, "").replace(/\.$/, "");
  } else {
    s = cellText(cell);
    if (s === null) return null;
    s = toHalfWidth(s).replace(/[,，\s]/g, "");
  }
  const m = RE_DECIMAL.exec(s);
  if (!m) return new Invalid(`not a number: ${s}`);
  const frac = (m[3] ?? "").replace(/0+$/, "");
  if (frac.length > 4) return new Invalid(`more than 4 decimals: ${s}`);
  if (m[2]!.length > 5) return new Invalid(`number too large: ${s}`);
  const canonical = `${m[1]}${Number(m[2])}${frac ? `.${frac}` : ""}`;
  const value = Number(canonical);
  if (min !== undefined && value < min) return new Invalid(`below ${min}: ${s}`);
  if (max !== undefined && value > max) return new Invalid(`above ${max}: ${s}`);
  return canonical === "-0" ? "0" : canonical;
}

// ---------- booleans ----------

const TRUE_WORDS = new Set(["是", "y", "yes", "1", "true", "t", "√", "✓", "✔", "有"]);
const FALSE_WORDS = new Set(["否", "n", "no", "0", "false", "f", "×", "✗", "✘", "x", "无"]);

/** Exact spellings of yes/no taken without normalising (the set-based fast path uses them too). */
export const BOOL_EXACT = new Map<string, boolean>([
  ...[...TRUE_WORDS].flatMap((w) => [[w, true], [w.toUpperCase(), true]] as [string, boolean][]),
  ...[...FALSE_WORDS].flatMap((w) => [[w, false], [w.toUpperCase(), false]] as [string, boolean][]),
]);

/** 是/否, Y/N, 1/0, true/false, √/×. */
export function parseBool(cell: Cell): boolean | null | Invalid {
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "number") {
    if (cell === 1) return true;
    if (cell === 0) return false;
    return new Invalid(`not yes/no: ${cell}`);
  }
  if (typeof cell === "string") {
    const direct = BOOL_EXACT.get(cell);
    if (direct !== undefined) return direct;
  }
  const s = cellText(cell);
  if (s === null) return null;
  const k = toHalfWidth(s).toLowerCase();
  if (TRUE_WORDS.has(k)) return true;
  if (FALSE_WORDS.has(k)) return false;
  return new Invalid(`not yes/no (expected 是/否, Y/N, 1/0, true/false, √/×): ${s}`);
}

// ---------- resident ID numbers ----------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

const RE_ID18 = /^\d{17}[\dX]$/;
const RE_ID15 = /^\d{15}$/;

/**
 * An 18-character resident ID: check digit and birth date valid; full-width
 * digits and lower-case x normalised; a 15-digit legacy ID upgraded with a warning.
 */
export function parseId(cell: Cell, warn?: WarnFn, asOf?: string | null): string | null | Invalid {
  if (typeof cell === "number") return new Invalid(`ID number stored as a number (digits lost): ${cellText(cell)}`);
  let s = cellText(cell);
  if (s === null) return null;
  if (!(s.length === 18 && RE_ID18.test(s))) s = toHalfWidth(s).replace(/\s+/g, "").toUpperCase();
  let upgraded = false;
  if (RE_ID15.test(s)) {
    const first17 = `${s.slice(0, 6)}19${s.slice(6)}`;
    s = first17 + idCheckChar(first17);
    upgraded = true;
  }
  if (!RE_ID18.test(s)) return new Invalid(`not an 18-character ID number: ${maskedForReason(s)}`);
  const y = +s.slice(6, 10), m = +s.slice(10, 12), d = +s.slice(12, 14);
  if (!validYmd(y, m, d)) return new Invalid(`ID number with an invalid birth date: ${maskedForReason(s)}`);
  if (asOf && ymd(y, m, d) > asOf) return new Invalid(`ID number with a birth date after the delivery date ${asOf}: ${maskedForReason(s)}`);
  if (idCheckChar(s) !== s[17]) return new Invalid(`ID number check digit wrong: ${maskedForReason(s)}`);
  if (upgraded) warn?.("id15", `15-digit ID number upgraded to 18 digits`);
  return s;
}

function maskedForReason(s: string): string {
  return s.length >= 12 ? `${s.slice(0, 6)}…${s.slice(-4)} (${s.length} characters)` : `${s.length} characters`;
}

/** Control characters no value holds (C0 but tab and line ends, and DEL). */
const RE_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Free text: trimmed; a control character (NUL, BEL, …) refuses it. */
export function parseText(cell: Cell): string | null | Invalid {
  const s = cellText(cell);
  if (s === null) return null;
  const c = RE_CONTROL.exec(s);
  if (c) return new Invalid(`control character U+${c[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")} in the value`);
  return s;
}

// ---------- region codes ----------

/** Lookup of division codes (the region dimension). */
export interface RegionLookup {
  has(code: string): boolean;
  isCounty(code: string): boolean;
}

const RE_REGION = /^(\d{6}|\d{9}|\d{12})$/;

/** 12-, 9- or 6-digit division code that exists; zero-padded forms of shorter codes are shortened. */
export function parseRegion(cell: Cell, regions: RegionLookup): string | null | Invalid {
  let s = cellText(cell);
  if (s === null) return null;
  s = toHalfWidth(s).replace(/\s+/g, "");
  if (!RE_REGION.test(s)) return new Invalid(`not a 6-, 9- or 12-digit division code: ${s}`);
  if (regions.has(s)) return s;
  if (s.length === 12 && s.endsWith("000")) {
    if (regions.has(s.slice(0, 9))) return s.slice(0, 9);
    if (s.endsWith("000000") && regions.isCounty(s.slice(0, 6))) return s.slice(0, 6);
  }
  if (s.length === 9 && s.endsWith("000") && regions.isCounty(s.slice(0, 6))) return s.slice(0, 6);
  return new Invalid(`division code not in the region table: ${s}`);
}

/** A 6-digit county code that exists (zero-padded 9/12-digit forms accepted). */
export function parseCounty(cell: Cell, regions: RegionLookup): string | null | Invalid {
  let s = cellText(cell);
  if (s === null) return null;
  s = toHalfWidth(s).replace(/\s+/g, "");
  if (/^\d{6}(000|000000)$/.test(s)) s = s.slice(0, 6);
  if (!/^\d{6}$/.test(s)) return new Invalid(`not a 6-digit county code: ${s}`);
  if (!regions.isCounty(s)) return new Invalid(`county code not in the region table: ${s}`);
  return s;
}
