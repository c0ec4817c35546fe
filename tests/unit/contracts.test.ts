// The zod contract of each extract and the compiled contract used by ingestion
// are built from the same dictionary and parsers: they agree row by row.
import { describe, expect, it } from "vitest";
import { EXTRACT_TYPES, extractDef } from "../../loaders/contracts/dictionary.js";
import { compileContract, validateCells, zodContracts } from "../../loaders/contracts/contracts.js";
import type { Canonical, Cell, RegionLookup } from "../../loaders/contracts/normalise.js";
import { maskId, maskName } from "../../loaders/contracts/mask.js";
import { COUNTY, PROFILE_COUNTIES, TOWNSHIP, VILLAGE, VILLAGE_2, validRows } from "../fixtures/extracts/make.js";

const known = new Set([COUNTY, "150103", TOWNSHIP, VILLAGE, VILLAGE_2, ...PROFILE_COUNTIES, "150103001001"]);
const regions: RegionLookup = { has: (c) => known.has(c), isCounty: (c) => c.length === 6 && known.has(c) };
const ctx = { regions };
const zods = zodContracts(ctx);

function compiled(type: (typeof EXTRACT_TYPES)[number], row: Record<string, Cell>) {
  const c = compileContract(type, ctx);
  const out: Canonical[] = [];
  const issues = validateCells(c, c.fields.map((f) => row[f.name] ?? null), out);
  return { issues: issues.map((i) => ({ column: c.fields[i.field]?.name, reason: i.reason })), value: Object.fromEntries(c.fields.map((f, i) => [f.name, out[i]])) };
}

describe("one contract per extract type", () => {
  it("exists for every type of the dictionary", () => {
    expect(Object.keys(zods).sort()).toEqual([...EXTRACT_TYPES].sort());
  });

  for (const type of EXTRACT_TYPES) {
    it(`${type}: zod and compiled contracts agree on valid and broken rows`, () => {
      const rows = validRows(type, 4) as Record<string, Cell>[];
      const broken = rows.map((r, i) => {
        const field = extractDef(type).fields[(i * 3) % extractDef(type).fields.length]!;
        return { ...r, [field.name]: field.nullable ? "！！bad" : null };
      });
      for (const row of [...rows, ...broken]) {
        const z = zods[type].safeParse(row);
        const c = compiled(type, row);
        expect(z.success).toBe(c.issues.length === 0);
        if (z.success) expect(z.data).toEqual(c.value);
        else expect(z.error.issues.map((i) => ({ column: String(i.path[0]), reason: i.message }))).toEqual(c.issues);
      }
    });
  }

  it("canonical values: enum codes, ISO dates, exact money, booleans", () => {
    const [row] = validRows("roster", 1) as Record<string, Cell>[];
    const z = zods.roster.parse(row);
    expect(z).toMatchObject({
      period: "2025-01",
      program: "urban_dibao",
      relation: "head",
      category: "A",
      monthly_benefit: "1079.00",
      per_capita_income: "320.50",
      approved_on: "2024-03-05",
      last_review_on: "2024-12-01",
      cadre_relative: false,
      care_mode: null,
    });
  });

  it("a 低保 row with a 特困 category is rejected", () => {
    const [row] = validRows("roster", 1) as Record<string, Cell>[];
    const r = zods.roster.safeParse({ ...row, category: "全护理" });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/not a 低保 category/);
  });
});

describe("masking", () => {
  it("keeps the first 6 and last 4 characters of an ID", () => {
    expect(maskId("150102199001011234")).toBe("150102********1234");
    expect(maskId("15010219900101123X")).toBe("150102********123X");
    expect(maskId(null)).toBe("");
  });
  it("keeps the family name", () => {
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskName("李")).toBe("*");
    expect(maskName("")).toBe("");
  });
});
