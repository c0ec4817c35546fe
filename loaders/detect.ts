// What a file is: its extract type (--type, else file-name prefix, else header
// signature), the period and county its name carries, and which column holds
// which field.
import { basename, extname } from "node:path";
import { EXTRACTS, extractDef, headerNames, isExtractType, normaliseHeader, type ExtractType } from "./contracts/dictionary.js";
import type { RegionLookup } from "./contracts/normalise.js";

export interface NameInfo {
  type?: ExtractType;
  /** `YYYY-MM` when the name carries a month. */
  month?: string;
  /** `YYYY` when the name carries a year (or a month). */
  year?: string;
  county?: string;
}

const byPrefixLength = [...EXTRACTS].sort((a, b) => b.type.length - a.type.length);

/** Extract type named by a file-name prefix (`roster_2026-06_150102.csv`, `在保对象花名册_….xlsx`). */
export function typeFromFileName(file: string): ExtractType | undefined {
  const stem = basename(file, extname(file)).toLowerCase();
  for (const e of byPrefixLength) {
    for (const prefix of [e.type, e.label]) {
      if (stem === prefix || (stem.startsWith(prefix) && /^[_\-.\s]/.test(stem.slice(prefix.length)))) return e.type;
    }
  }
  return undefined;
}

/** Period, year and county tokens in a file name. */
export function parseFileName(file: string, regions?: RegionLookup): NameInfo {
  const stem = basename(file, extname(file));
  const info: NameInfo = {};
  const t = typeFromFileName(file);
  if (t) info.type = t;
  const tokens = stem.split(/[_\s.]+/);
  for (const tok of tokens) {
    let m: RegExpExecArray | null;
    if ((m = /^(\d{4})-(\d{1,2})$/.exec(tok)) || (m = /^(\d{4})年(\d{1,2})月$/.exec(tok))) {
      const mo = +m[2]!;
      if (mo >= 1 && mo <= 12 && !info.month) {
        info.month = `${m[1]}-${String(mo).padStart(2, "0")}`;
        info.year = m[1]!;
      }
    } else if (/^\d{6}$/.test(tok)) {
      const isCounty = regions ? regions.isCounty(tok) : !/^(19|20|21)\d{2}(0[1-9]|1[0-2])$/.test(tok);
      if (isCounty && !info.county) info.county = tok;
      else if (!isCounty && /^(19|20|21)\d{2}(0[1-9]|1[0-2])$/.test(tok) && !info.month) {
        info.month = `${tok.slice(0, 4)}-${tok.slice(4)}`;
        info.year = tok.slice(0, 4);
      }
    } else if ((m = /^(\d{4})年?$/.exec(tok)) && +m[1]! >= 1990 && +m[1]! <= 2199 && !info.year) {
      info.year = m[1]!;
    }
  }
  return info;
}

export interface HeaderMap {
  /** For each contract field, the column index in the file (-1 when absent). */
  columnOf: number[];
  missing: string[];
  unknown: string[];
  duplicates: string[];
}

const namesByType = new Map<ExtractType, Map<string, number>>();

function headerIndex(type: ExtractType): Map<string, number> {
  let m = namesByType.get(type);
  if (!m) {
    m = new Map();
    extractDef(type).fields.forEach((f, i) => {
      for (const n of headerNames(f)) if (!m!.has(n)) m!.set(n, i);
    });
    namesByType.set(type, m);
  }
  return m;
}

/** Match a file's header to the contract of `type`. */
export function mapHeader(type: ExtractType, header: readonly string[]): HeaderMap {
  const def = extractDef(type);
  const index = headerIndex(type);
  const columnOf = def.fields.map(() => -1);
  const unknown: string[] = [];
  const duplicates: string[] = [];
  header.forEach((h, col) => {
    const key = normaliseHeader(h);
    if (key === "") return;
    const field = index.get(key) ?? index.get(key.replace(/\([^()]*\)$/, ""));
    if (field === undefined) unknown.push(h);
    else if (columnOf[field] !== -1) duplicates.push(h);
    else columnOf[field] = col;
  });
  const missing = def.fields.filter((f, i) => f.required && columnOf[i] === -1).map((f) => `${f.label}(${f.name})`);
  return { columnOf, missing, unknown, duplicates };
}

export type TypeGuess = { type: ExtractType } | { error: string };

/** Extract type from the header alone: the one type whose required columns are all there. */
export function typeFromHeader(header: readonly string[]): TypeGuess {
  const fits: { type: ExtractType; matched: number }[] = [];
  let closest: { type: ExtractType; missing: string[]; matched: number } | null = null;
  for (const e of EXTRACTS) {
    const m = mapHeader(e.type, header);
    const matched = m.columnOf.filter((c) => c !== -1).length;
    if (m.missing.length === 0) fits.push({ type: e.type, matched });
    else if (matched > 0 && (!closest || matched > closest.matched || (matched === closest.matched && m.missing.length < closest.missing.length))) {
      closest = { type: e.type, missing: m.missing, matched };
    }
  }
  if (fits.length === 1) return { type: fits[0]!.type };
  if (fits.length > 1) {
    const best = Math.max(...fits.map((f) => f.matched));
    const top = fits.filter((f) => f.matched === best);
    if (top.length === 1) return { type: top[0]!.type };
    return { error: `ambiguous extract type: the header fits ${top.map((f) => f.type).join(", ")}; name it with --type` };
  }
  const hint = closest ? ` (closest: ${closest.type}, missing ${closest.missing.join(", ")})` : "";
  return { error: `unknown extract type: no --type, no known file-name prefix, and the header matches no extract${hint}` };
}

export function assertExtractType(value: string): ExtractType {
  if (!isExtractType(value)) {
    throw new Error(`unknown extract type ${value} (expected one of ${EXTRACTS.map((e) => e.type).join(", ")})`);
  }
  return value;
}

/** A sheet named after an extract (code or Chinese label). */
export function sheetNamesExtract(sheetName: string, type?: ExtractType): boolean {
  const key = normaliseHeader(sheetName);
  const candidates = type ? [extractDef(type)] : EXTRACTS;
  return candidates.some((e) => key === normaliseHeader(e.type) || key === normaliseHeader(e.label));
}
