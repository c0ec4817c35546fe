// The indicator catalogue: one definition per indicator of ../shared/spec/indicators.md,
// one file per family. Browser-safe (the site shows the definitions; the scorecard
// validates against them). Asserts at load time that it defines exactly INDICATOR_IDS, once each.
import { ACCURACY } from "./accuracy.js";
import { BUDGET } from "./budget.js";
import { COMPLAINTS } from "./complaints.js";
import { COVERAGE } from "./coverage.js";
import { FUNDS } from "./funds.js";
import { INDICATOR_IDS, type IndicatorId } from "./ids.js";
import { INTEGRITY } from "./integrity.js";
import { PROCESS } from "./process.js";
import { REPORTING } from "./reporting.js";
import { SATISFACTION } from "./satisfaction.js";
import { SUPERVISION } from "./supervision.js";
import type { IndicatorDef } from "./types.js";

export type { IndicatorDef, Family, Unit, Direction, Aggregation, WindowRule } from "./types.js";
export { INDICATOR_IDS, isIndicatorId, type IndicatorId } from "./ids.js";

export const CATALOGUE: readonly IndicatorDef[] = [
  ...PROCESS,
  ...COVERAGE,
  ...ACCURACY,
  ...INTEGRITY,
  ...FUNDS,
  ...BUDGET,
  ...SATISFACTION,
  ...COMPLAINTS,
  ...SUPERVISION,
  ...REPORTING,
];

/** Throws unless `defs` defines every id of `ids` exactly once and nothing else. */
export function assertCatalogue(defs: readonly IndicatorDef[], ids: readonly string[] = INDICATOR_IDS): void {
  const seen = new Set<string>();
  for (const def of defs) {
    if (seen.has(def.id)) throw new Error(`indicator catalogue: duplicate id ${def.id}`);
    seen.add(def.id);
    if (!ids.includes(def.id)) throw new Error(`indicator catalogue: ${def.id} is not an indicator of the spec`);
    if (!def.id.startsWith(`${def.family}.`)) throw new Error(`indicator catalogue: ${def.id} filed under family ${def.family}`);
    if (!def.definition_zh.trim() || !def.formula_zh.trim()) throw new Error(`indicator catalogue: ${def.id} lacks its Chinese definition or formula`);
  }
  const missing = ids.filter((id) => !seen.has(id));
  if (missing.length) throw new Error(`indicator catalogue: missing ${missing.join(", ")}`);
}

assertCatalogue(CATALOGUE);

const BY_ID = new Map<string, IndicatorDef>(CATALOGUE.map((d) => [d.id, d]));

export function indicatorDef(id: IndicatorId | string): IndicatorDef {
  const def = BY_ID.get(id);
  if (!def) throw new Error(`unknown indicator: ${id} (known: ${INDICATOR_IDS.join(", ")})`);
  return def;
}
