// Set-based validation: the SQL that checks every cell of a file at once. For
// each field kind an expression gives the canonical typed value of the cell
// forms the parsers of `contracts/normalise.ts` take as they are (ISO and
// compact dates through try_strptime, plain money and integers, exact yes/no
// and enum spellings, ID check digit and birth date, region codes by a join
// with dim_region), and a flag saying whether the cell passed. A row whose every
// cell and every cross-field rule passes is valid; every other row goes to the
// contract in JavaScript (`validateCells`), which accepts the rarer forms and
// words every reject. So the fast path may only accept what the contract
// accepts, with the same value; it never writes a reason itself.
import { quoteIdent, quoteLiteral } from "./db.js";
import { enumExactSpellings } from "./contracts/contracts.js";
import type { ExtractType, FieldDef } from "./contracts/dictionary.js";
import { BOOL_EXACT, EMPTY_MARKERS } from "./contracts/normalise.js";
import { sqlTypeOf } from "./contracts/sql.js";

/** Characters JavaScript's String#trim removes, as an RE2 class. */
export const WS = "[\\t\\n\\x0B\\f\\r \\x{00A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}]";

/**
 * Cells of typed formats (XLSX numbers, dates, booleans) travel as text with a
 * tag, so the contract sees them as they were: `\u0001n:` number, `\u0001d:`
 * date (ISO timestamp), `\u0001b:` boolean, `\u0001s:` a string that itself
 * began with \u0001.
 */
export const TAG = "\u0001";

/** Longest cell taken (characters); a longer one rejects its row, never the file. */
export const MAX_CELL = 10_000;

/** A cell whose bytes were not in its file's encoding (`\u0001E:<encoding>`): its row is rejected. */
export class BadBytes {
  constructor(readonly encoding: string) {}
}

/** A cell too long to be any field's value: only its length travels. */
export class LongCell {
  constructor(readonly length: number) {}
}

export function tagCell(cell: unknown): string | null {
  if (cell == null || cell === "") return null;
  if (typeof cell === "string" && cell.length > MAX_CELL) return `${TAG}L:${cell.length}`;
  if (typeof cell === "string") return cell.charCodeAt(0) === 1 && !cell.startsWith(`${TAG}E:`) ? `${TAG}s:${cell}` : cell;
  if (typeof cell === "number") return `${TAG}n:${String(cell)}`;
  if (typeof cell === "boolean") return `${TAG}b:${cell}`;
  if (cell instanceof Date) return `${TAG}d:${Number.isNaN(cell.getTime()) ? "NaN" : cell.toISOString()}`;
  return String(cell);
}

export function untagCell(s: string | null): string | number | boolean | Date | LongCell | BadBytes | null {
  if (s === null) return s;
  if (s.charCodeAt(0) !== 1) return s.length > MAX_CELL ? new LongCell(s.length) : s;
  const body = s.slice(3);
  switch (s[1]) {
    case "n":
      return Number(body);
    case "b":
      return body === "true";
    case "L":
      return new LongCell(Number(body));
    case "E":
      return new BadBytes(body);
    case "d":
      return new Date(body === "NaN" ? Number.NaN : body);
    default:
      return body;
  }
}

const lit = quoteLiteral;
const tagged = (c: string, t: string) => `starts_with(${c}, chr(1) || '${t}:')`;

/** JavaScript's cellText of a raw (tagged) cell: trimmed, empty → NULL; numbers, dates, booleans as text. */
export function cellTextSql(c: string): string {
  return `CASE WHEN ${c} IS NULL THEN NULL
    WHEN ${tagged(c, "n")} THEN CASE WHEN substr(${c}, 4) IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE substr(${c}, 4) END
    WHEN ${tagged(c, "b")} THEN substr(${c}, 4)
    WHEN ${tagged(c, "d")} THEN substr(${c}, 4, 10)
    ELSE nullif(regexp_replace(CASE WHEN ${tagged(c, "s")} THEN substr(${c}, 4) ELSE ${c} END, ${lit(`^${WS}+|${WS}+$`)}, '', 'g'), '') END`;
}

/** A reject's value as stored: the cell's text, cut at 500 characters. */
export function rejectValueSql(c: string): string {
  const t = cellTextSql(c);
  return `(SELECT CASE WHEN length(t) > 500 THEN left(t, 500) || '…' ELSE t END FROM (SELECT ${t} AS t))`;
}

/**
 * TRUE when `expr` is none of the given SQL constants: a CASE, not `NOT IN (…)`,
 * which DuckDB plans as a join per list (costly per row in a wide check).
 */
function noneOf(expr: string, values: readonly string[]): string {
  return `(CASE ${expr} ${values.map((v) => `WHEN ${v} THEN FALSE`).join(" ")} ELSE TRUE END)`;
}

/** Code points String#trim removes. */
const TRIMMED = [32, 9, 10, 11, 12, 13, 160, 5760, ...Array.from({ length: 11 }, (_, i) => 8192 + i), 8232, 8233, 8239, 8287, 12288, 65279];

/** A code point that is neither a control character, a space nor any other character String#trim removes. */
function plainEnd(cp: string): string {
  return `(${cp} > 32 AND ${noneOf(cp, ["127", "160", "5760", "8232", "8233", "8239", "8287", "12288", "65279"])} AND ${cp} NOT BETWEEN 8192 AND 8202)`;
}

export interface FastField {
  /**
   * Helper columns computed once per row in a projection below `value`
   * (alias, expression over the raw cell), so `value` does not repeat them.
   */
  pre: [string, string][];
  /** Typed canonical value, NULL when the cell is empty or the fast path does not take it. */
  value: string;
  /** Over the value's column `v`: TRUE when the fast path took the cell (or it is empty and may be). */
  ok: (v: string) => string;
}

/** Lookup tables the region kinds join with (all codes of the provinces seen; all counties). */
export interface RegionJoin {
  /** SQL of a column that is non-NULL when the cell's code is a known division. */
  known: string;
}

/**
 * The fast-path expressions of one field over the raw cell `c` (VARCHAR, tagged);
 * `region` is the joined lookup column for region and county kinds; `asOf` a
 * DATE expression, the delivery date no birth date in an ID number may follow.
 * The value is computed once; the check reads it.
 */
export function fastField(field: FieldDef, c: string, region?: RegionJoin, opts: { helper?: string; asOf?: string } = {}): FastField {
  const helper = opts.helper ?? `${c}__`;
  const pre: [string, string][] = [];
  const num = `(CASE WHEN ${tagged(c, "n")} THEN substr(${c}, 4) ELSE ${c} END)`;
  let value: string;
  let range: (v: string) => string = () => "TRUE";
  const bounds = (v: string, cast: (n: number) => string) =>
    [field.min !== undefined ? `${v} >= ${cast(field.min)}` : null, field.max !== undefined ? `${v} <= ${cast(field.max)}` : null].filter(Boolean).join(" AND ") || "TRUE";
  switch (field.kind) {
    case "text":
      // neither end blank as String#trim sees it (nor a control character, nor the tag): integer tests, no regex
      // nor a marker of no value (#N/A, NULL…), nor a control character inside
      value = `CASE WHEN length(${c}) <= ${MAX_CELL} AND ${plainEnd(`ascii(${c})`)} AND NOT (${TRIMMED.map((e) => `ends_with(${c}, chr(${e}))`).join(" OR ")})
        AND ${noneOf(c, EMPTY_MARKERS.map(lit))} AND NOT regexp_matches(${c}, '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]') THEN ${c} END`;
      break;
    case "int":
      value = `CASE WHEN regexp_full_match(${num}, '\\d{1,9}') THEN CAST(${num} AS INTEGER) END`;
      range = (v) => bounds(v, (n) => String(n));
      break;
    case "decimal":
      value = `CASE WHEN regexp_full_match(${num}, '-?\\d{1,5}(\\.\\d{1,4})?') THEN CAST(${num} AS DECIMAL(9,4)) END`;
      range = (v) => bounds(v, (n) => `CAST(${lit(String(n))} AS DECIMAL(18,4))`);
      break;
    case "money":
      value = `CASE WHEN regexp_full_match(${num}, '\\d{1,15}(\\.\\d{1,2})?') THEN CAST(${num} AS DECIMAL(18,2))
        WHEN regexp_full_match(${c}, '\\d{1,3}(,\\d{3}){1,4}(\\.\\d{1,2})?') THEN CAST(replace(${c}, ',', '') AS DECIMAL(18,2)) END`;
      range = (v) => bounds(v, (n) => `CAST(${lit(n.toFixed(2))} AS DECIMAL(18,2))`);
      break;
    case "date":
      // DuckDB's own date cast checks the calendar (2025-02-30 is NULL); the regex says which form it is
      value = `CASE
        WHEN regexp_full_match(${c}, '\\d{8}') THEN try_cast(concat(${c}[1:4], '-', ${c}[5:6], '-', ${c}[7:8]) AS DATE)
        WHEN regexp_full_match(${c}, '\\d{4}-\\d{2}-\\d{2}') THEN try_cast(${c} AS DATE)
        WHEN regexp_full_match(${c}, '\\d{4}/\\d{1,2}/\\d{1,2}') THEN try_cast(replace(${c}, '/', '-') AS DATE)
        WHEN regexp_full_match(${c}, '\\d{4}年\\d{1,2}月\\d{1,2}日') THEN try_cast(regexp_replace(${c}, '^(\\d{4})年(\\d{1,2})月(\\d{1,2})日$', '\\1-\\2-\\3') AS DATE)
        WHEN ${tagged(c, "d")} AND regexp_full_match(substr(${c}, 4, 10), '\\d{4}-\\d{2}-\\d{2}') THEN try_cast(substr(${c}, 4, 10) AS DATE)
      END`;
      range = (v) => `year(${v}) BETWEEN 1900 AND 2199`;
      break;
    case "month":
      value = `CASE
        WHEN regexp_full_match(${c}, '\\d{4}(0[1-9]|1[0-2])') THEN left(${c}, 4) || '-' || right(${c}, 2)
        WHEN regexp_full_match(${c}, '\\d{4}-(0[1-9]|1[0-2])') THEN ${c}
        WHEN regexp_full_match(${c}, '\\d{4}年(0?[1-9]|1[0-2])月?') THEN left(${c}, 4) || '-' || lpad(regexp_extract(${c}, '年(\\d+)', 1), 2, '0')
        WHEN regexp_full_match(${c}, '\\d{4}[-/.]([1-9])') THEN left(${c}, 4) || '-0' || right(${c}, 1)
        WHEN ${tagged(c, "d")} AND regexp_full_match(substr(${c}, 4, 7), '\\d{4}-\\d{2}') THEN substr(${c}, 4, 7)
      END`;
      range = (v) => `(left(${v}, 4) BETWEEN '1900' AND '2199' OR ${tagged(c, "d")})`;
      break;
    case "bool": {
      const yes = [...BOOL_EXACT].filter(([, v]) => v).map(([k]) => lit(k));
      const no = [...BOOL_EXACT].filter(([, v]) => !v).map(([k]) => lit(k));
      yes.push(`chr(1) || 'b:true'`, `chr(1) || 'n:1'`);
      no.push(`chr(1) || 'b:false'`, `chr(1) || 'n:0'`);
      value = `CASE ${c} ${yes.map((y) => `WHEN ${y} THEN TRUE`).join(" ")} ${no.map((n) => `WHEN ${n} THEN FALSE`).join(" ")} END`;
      break;
    }
    case "id": {
      // check digit by integer arithmetic on the 17 digits, cast once (a helper projection, not once
      // per digit); the birth date cast once too, for its calendar check and the delivery date
      const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
      const n = `${helper}n`, born = `${helper}d`;
      pre.push(
        [n, `CASE WHEN regexp_full_match(${c}, '\\d{17}[\\dX]') THEN CAST(${c}[1:17] AS BIGINT) END`],
        [born, `try_cast(concat(${c}[7:10], '-', ${c}[11:12], '-', ${c}[13:14]) AS DATE)`],
      );
      const digit = (i: number) => `((${n} // ${10 ** (16 - i)}) % 10)`;
      const sum = weights.map((w, i) => `${digit(i)} * ${w}`).join(" + ");
      value = `CASE WHEN ${n} IS NOT NULL AND year(${born}) BETWEEN 1900 AND 2199
        AND substr('10X98765432', CAST((${sum}) % 11 AS INTEGER) + 1, 1) = ${c}[18:18]${opts.asOf ? `
        AND ${born} <= ${opts.asOf}` : ""} THEN ${c} END`;
      break;
    }
    case "region":
      value = `CASE WHEN ${region!.known} IS NOT NULL AND regexp_full_match(${c}, '\\d{6}|\\d{9}|\\d{12}') THEN ${c} END`;
      break;
    case "county":
      value = `CASE WHEN ${region!.known} IS NOT NULL AND regexp_full_match(${c}, '\\d{6}') THEN ${c} END`;
      break;
    case "enum": {
      const whens = enumExactSpellings(field).map(([name, code]) => `WHEN ${lit(name)} THEN ${lit(code)}`);
      value = `CASE ${c} ${whens.join(" ")} END`;
      break;
    }
  }
  const nullable = field.nullable ? "TRUE" : "FALSE";
  return {
    pre,
    value: `CAST(${value} AS ${sqlTypeOf(field.kind)})`,
    ok: (v) => `(CASE WHEN ${c} IS NULL THEN ${nullable} ELSE ${v} IS NOT NULL AND coalesce(${range(v)}, FALSE) END)`,
  };
}

const col = quoteIdent;
const notBefore = (later: string, earlier: string) => `coalesce(NOT (${col(later)} < ${col(earlier)}), TRUE)`;

/**
 * The cross-field rules of `ROW_RULES` (contracts.ts) as SQL over the typed
 * values: TRUE only when the rule finds nothing (the contract words the rest).
 */
export const ROW_RULES_SQL: Record<ExtractType, readonly string[]> = {
  regions: [],
  county_profile: [],
  standards: [],
  applications: [
    notBefore("accepted_on", "applied_on"),
    notBefore("decided_on", "applied_on"),
    notBefore("publicity_to", "publicity_from"),
    `NOT (decision <> 'pending' AND accepted_on IS NULL)`,
    `NOT (decision <> 'pending' AND decided_on IS NULL)`,
    `NOT (decision = 'pending' AND decided_on IS NOT NULL)`,
  ],
  roster: [
    `coalesce(NOT (covered_size > household_size), TRUE)`,
    `CASE WHEN program IN ('urban_dibao', 'rural_dibao') THEN category IN ('A', 'B', 'C')
          WHEN program = 'tekun' THEN category IN ('full_self_care', 'partial_care', 'full_care') ELSE TRUE END`,
    `(care_mode IS NULL OR program = 'tekun')`,
  ],
  payments: [`NOT (proxy AND proxy_id IS NULL)`],
  funds: [`coalesce(NOT (spent > carried_in + received), TRUE)`],
  complaints: [notBefore("closed_on", "received_on")],
  surveys: [],
  inspections: [`coalesce(NOT (cases_wrong > cases_checked), TRUE)`],
};
