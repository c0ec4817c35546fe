import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXTRACT_TYPES } from "../../loaders/contracts/dictionary.js";
import { assertCatalogue, CATALOGUE, indicatorDef, INDICATOR_IDS } from "../../metrics/catalogue/index.js";
import { CONFIG, TARGETS } from "../../metrics/config.js";

describe("indicator catalogue", () => {
  it("defines exactly the spec's ids, once each", () => {
    expect(CATALOGUE.map((d) => d.id).sort()).toEqual([...INDICATOR_IDS].sort());
    expect(() => assertCatalogue([...CATALOGUE, CATALOGUE[0]!])).toThrow(/duplicate id process.median_days/);
    expect(() => assertCatalogue(CATALOGUE.slice(1))).toThrow(/missing process.median_days/);
    expect(() => assertCatalogue([...CATALOGUE, { ...CATALOGUE[0]!, id: "process.other" as never }])).toThrow(/not an indicator of the spec/);
    expect(() => assertCatalogue([{ ...CATALOGUE[0]!, definition_zh: " " }, ...CATALOGUE.slice(1)])).toThrow(/process.median_days lacks its Chinese definition/);
  });
  it("every definition is complete and its target comes from the configuration", () => {
    for (const d of CATALOGUE) {
      expect(d.name.zh, d.id).toMatch(/[\u4e00-\u9fff]/);
      expect(d.name.en.length, d.id).toBeGreaterThan(3);
      expect(d.definition.length, d.id).toBeGreaterThan(20);
      expect(d.definition_zh, d.id).toMatch(/^[^a-z]*[\u4e00-\u9fff][^a-z]*。$/);
      expect(d.formula_zh, d.id).toMatch(/[\u4e00-\u9fff]/);
      expect(d.target, d.id).toBe(TARGETS[d.id]);
      expect(d.id.startsWith(`${d.family}.`)).toBe(true);
      for (const x of [...d.extracts, ...d.required]) expect(EXTRACT_TYPES, d.id).toContain(x);
      for (const x of d.required) expect(d.extracts, d.id).toContain(x);
    }
    expect(indicatorDef("process.on_time_rate").definition).toContain(`${CONFIG.decisionLimitDays.dibao} working days`);
    expect(indicatorDef("process.on_time_rate").definition_zh).toContain(`${CONFIG.decisionLimitDays.dibao}个工作日`);
    expect(() => indicatorDef("nope")).toThrow(/unknown indicator/);
  });
  it("family files are browser-safe (no node imports)", () => {
    const dir = fileURLToPath(new URL("../../metrics/catalogue", import.meta.url));
    for (const f of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(text, f).not.toMatch(/from\s+["']node:/);
      expect(text, f).not.toMatch(/from\s+["'](fs|path|os|crypto)["']/);
    }
    expect(readFileSync(join(dir, "../config.ts"), "utf8")).not.toMatch(/from\s+["']node:/);
  });
});
