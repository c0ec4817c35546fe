// The contract of each extract type, compiled from the one dictionary: a parser
// per field (kind, range, enum labels), the cross-field rules of the spec, and
// a zod schema built from both. Ingestion runs the compiled contract; the zod
// schema is the same contract for callers that validate an object (and the
// tests check that both agree).
import { z } from "zod";
import { EXTRACTS, extractDef, normaliseHeader, type ExtractType, type FieldDef } from "./dictionary.js";
import {
  Invalid,
  moneyToCents,
  parseBool,
  parseCounty,
  parseDate,
  parseDecimal,
  parseId,
  parseInt32,
  parseMoney,
  parseMonth,
  parseRegion,
  cellText,
  parseText,
  toHalfWidth,
  type Canonical,
  type Cell,
  type RegionLookup,
  type WarnFn,
} from "./normalise.js";

export interface ContractContext {
  regions: RegionLookup;
  /** The delivery date (YYYY-MM-DD) of the row being checked: no birth date after it. */
  asOf?: () => string | null;
}

export type FieldParser = (cell: Cell, warn?: WarnFn) => Canonical | Invalid;

/** Key used to match enum values: trimmed, half-width, case-folded. */
function enumKey(s: string): string {
  return normaliseHeader(toHalfWidth(s));
}

/** Enum lookup of a field: normalised keys and exact spellings → canonical code. */
export function enumMap(field: FieldDef): Map<string, string> {
  const map = new Map<string, string>();
  for (const v of field.values ?? []) {
    for (const name of [v.code, v.label, ...(v.aliases ?? [])]) {
      map.set(enumKey(name), v.code);
      if (!map.has(name)) map.set(name, v.code); // exact spelling: no normalising on the common path
    }
  }
  return map;
}

/** Spellings of an enum field taken as they are, with the code the parser gives each. */
export function enumExactSpellings(field: FieldDef): [string, string][] {
  const map = enumMap(field);
  const out: [string, string][] = [];
  for (const v of field.values ?? []) for (const name of [v.code, v.label, ...(v.aliases ?? [])]) out.push([name, map.get(name)!]);
  return out;
}

/** The parser of one field: kind, range, enum values; an empty cell is null (or invalid when required). */
export function fieldParser(field: FieldDef, ctx: ContractContext): FieldParser {
  const base = kindParser(field, ctx);
  if (field.nullable) return base;
  return (cell, warn) => {
    const v = base(cell, warn);
    return v === null ? new Invalid("required value missing") : v;
  };
}

function kindParser(field: FieldDef, ctx: ContractContext): FieldParser {
  switch (field.kind) {
    case "text":
      return (cell) => parseText(cell);
    case "int":
      return (cell) => parseInt32(cell, field.min, field.max);
    case "decimal":
      return (cell) => parseDecimal(cell, field.min, field.max);
    case "money":
      return (cell) => parseMoney(cell, field.min, field.max);
    case "date":
      return (cell) => parseDate(cell);
    case "month":
      return (cell) => parseMonth(cell);
    case "bool":
      return (cell) => parseBool(cell);
    case "id":
      return (cell, warn) => parseId(cell, warn, ctx.asOf?.());
    case "region":
      return (cell) => parseRegion(cell, ctx.regions);
    case "county":
      return (cell) => parseCounty(cell, ctx.regions);
    case "enum": {
      const map = enumMap(field);
      const allowed = (field.values ?? []).map((v) => v.label).join("/");
      return (cell) => {
        const s = cellText(cell);
        if (s === null) return null;
        const code = map.get(s) ?? map.get(enumKey(s));
        return code ?? new Invalid(`unknown value (expected ${allowed}): ${s}`);
      };
    }
  }
}

/** A row in canonical form, by field name. */
export type CanonicalRow = Record<string, Canonical>;

export interface RuleIssue {
  column: string;
  reason: string;
}

export type RowRule = (row: CanonicalRow) => RuleIssue | null;

const DIBAO = new Set(["urban_dibao", "rural_dibao"]);
const DIBAO_CATEGORIES = new Set(["A", "B", "C"]);
const TEKUN_CATEGORIES = new Set(["full_self_care", "partial_care", "full_care"]);

const notBefore =
  (later: string, earlier: string): RowRule =>
  (r) => {
    const a = r[later], b = r[earlier];
    if (typeof a === "string" && typeof b === "string" && a < b) return { column: later, reason: `${later} ${a} is before ${earlier} ${b}` };
    return null;
  };

/** Cross-field rules of the spec, per extract type. */
export const ROW_RULES: Record<ExtractType, readonly RowRule[]> = {
  regions: [],
  county_profile: [],
  standards: [],
  applications: [
    notBefore("accepted_on", "applied_on"),
    notBefore("decided_on", "applied_on"),
    notBefore("publicity_to", "publicity_from"),
    (r) => (r.decision !== "pending" && r.accepted_on === null ? { column: "accepted_on", reason: "accepted_on required unless the application is pending" } : null),
    (r) => (r.decision !== "pending" && r.decided_on === null ? { column: "decided_on", reason: "decided_on required unless the application is pending" } : null),
    (r) => (r.decision === "pending" && r.decided_on !== null ? { column: "decided_on", reason: "decided_on must be empty while the application is pending" } : null),
  ],
  roster: [
    (r) =>
      typeof r.covered_size === "number" && typeof r.household_size === "number" && r.covered_size > r.household_size
        ? { column: "covered_size", reason: `covered_size ${r.covered_size} above household_size ${r.household_size}` }
        : null,
    (r) => {
      const p = r.program as string, c = r.category as string;
      if (DIBAO.has(p) && !DIBAO_CATEGORIES.has(c)) return { column: "category", reason: `category ${c} is not a 低保 category (A/B/C)` };
      if (p === "tekun" && !TEKUN_CATEGORIES.has(c)) return { column: "category", reason: `category ${c} is not a 特困 category (全自理/半护理/全护理)` };
      return null;
    },
    (r) => (r.care_mode != null && r.program !== "tekun" ? { column: "care_mode", reason: "care_mode applies to 特困 only" } : null),
  ],
  payments: [(r) => (r.proxy === true && r.proxy_id === null ? { column: "proxy_id", reason: "proxy_id required when proxy" } : null)],
  funds: [
    (r) => {
      if (typeof r.spent !== "string" || typeof r.carried_in !== "string" || typeof r.received !== "string") return null;
      return moneyToCents(r.spent) > moneyToCents(r.carried_in) + moneyToCents(r.received)
        ? { column: "spent", reason: `spent ${r.spent} above carried_in + received (${r.carried_in} + ${r.received})` }
        : null;
    },
  ],
  complaints: [notBefore("closed_on", "received_on")],
  surveys: [],
  inspections: [
    (r) =>
      typeof r.cases_wrong === "number" && typeof r.cases_checked === "number" && r.cases_wrong > r.cases_checked
        ? { column: "cases_wrong", reason: `cases_wrong ${r.cases_wrong} above cases_checked ${r.cases_checked}` }
        : null,
  ],
};

/** Household-level roster fields: every row of a household must agree on them. */
export const HOUSEHOLD_FIELDS = ["household_size", "covered_size", "per_capita_income", "monthly_benefit"] as const;

export interface CompiledContract {
  type: ExtractType;
  fields: readonly FieldDef[];
  parsers: readonly FieldParser[];
  rules: readonly RowRule[];
  names: readonly string[];
  scratch: CanonicalRow;
}

export function compileContract(type: ExtractType, ctx: ContractContext): CompiledContract {
  const def = extractDef(type);
  const names = def.fields.map((f) => f.name);
  const scratch: CanonicalRow = Object.fromEntries(names.map((n) => [n, null]));
  return { type, fields: def.fields, parsers: def.fields.map((f) => fieldParser(f, ctx)), rules: ROW_RULES[type], names, scratch };
}

export interface FieldIssue {
  /** Field index in the contract. */
  field: number;
  reason: string;
}

/**
 * Validate one row of cells (in contract field order). Fills `out` with the
 * canonical values; returns the issues (empty when the row is valid).
 */
export function validateCells(
  contract: CompiledContract,
  cells: readonly Cell[],
  out: Canonical[],
  warn?: WarnFn,
): FieldIssue[] {
  let issues: FieldIssue[] | null = null;
  const { parsers } = contract;
  for (let i = 0; i < parsers.length; i++) {
    const v = parsers[i]!(cells[i], warn);
    if (v instanceof Invalid) {
      (issues ??= []).push({ field: i, reason: v.reason });
      out[i] = null;
    } else out[i] = v;
  }
  if (issues) return issues;
  if (contract.rules.length > 0) {
    // one scratch object per contract, refilled per row (same shape, no garbage)
    const row = contract.scratch;
    const names = contract.names;
    for (let i = 0; i < names.length; i++) row[names[i]!] = out[i]!;
    for (const rule of contract.rules) {
      const issue = rule(row);
      if (issue) {
        (issues ??= []).push({ field: contract.fields.findIndex((f) => f.name === issue.column), reason: issue.reason });
      }
    }
  }
  return issues ?? NO_ISSUES;
}

const NO_ISSUES: FieldIssue[] = [];

/**
 * The zod contract of an extract type: an object of raw cells keyed by
 * canonical field name → the canonical row, with the same parsers and rules.
 */
export function zodContract(type: ExtractType, ctx: ContractContext) {
  const def = extractDef(type);
  const shape: Record<string, z.ZodType<Canonical>> = {};
  for (const field of def.fields) {
    const parse = fieldParser(field, ctx);
    shape[field.name] = z.any().transform((cell: Cell, zctx): Canonical => {
      const v = parse(cell);
      if (v instanceof Invalid) {
        zctx.addIssue({ code: "custom", message: v.reason, input: cell });
        return z.NEVER;
      }
      return v;
    });
  }
  const rules = ROW_RULES[type];
  return z.object(shape).superRefine((row, zctx) => {
    for (const rule of rules) {
      const issue = rule(row as CanonicalRow);
      if (issue) zctx.addIssue({ code: "custom", message: issue.reason, path: [issue.column] });
    }
  });
}

/** The zod contracts of every extract type. */
export function zodContracts(ctx: ContractContext): Record<ExtractType, ReturnType<typeof zodContract>> {
  return Object.fromEntries(EXTRACTS.map((e) => [e.type, zodContract(e.type, ctx)])) as Record<
    ExtractType,
    ReturnType<typeof zodContract>
  >;
}
