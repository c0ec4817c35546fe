// The set-based fast path may only take what the contract takes, with the same
// value: every cell form it accepts is run through the contract's parser too.
// And it must take the common forms, or ingestion falls back to JavaScript.
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fieldParser } from "../../loaders/contracts/contracts.js";
import type { FieldDef, FieldKind } from "../../loaders/contracts/dictionary.js";
import { extractDef } from "../../loaders/contracts/dictionary.js";
import { Invalid, type Cell } from "../../loaders/contracts/normalise.js";
import { quoteLiteral } from "../../loaders/db.js";
import { ROW_RULES_SQL, fastField, tagCell, untagCell } from "../../loaders/setbased.js";
import { ROW_RULES, } from "../../loaders/contracts/contracts.js";
import { idCheckChar } from "../../loaders/contracts/normalise.js";
import { makeId } from "../fixtures/extracts/make.js";

/** IDs whose check character is X. */
const X_IDS = Array.from({ length: 40 }, (_, i) => `15010219900101${String(i).padStart(3, "0")}`)
  .filter((s) => idCheckChar(s) === "X")
  .map((s) => `${s}X`);

let inst: DuckDBInstance;
let conn: Awaited<ReturnType<DuckDBInstance["connect"]>>;
const KNOWN = ["150102", "150102001", "150102001001", "150103"];
const regions = { has: (c: string) => KNOWN.includes(c), isCounty: (c: string) => c.length === 6 && KNOWN.includes(c) };

beforeAll(async () => {
  inst = await DuckDBInstance.create(":memory:");
  conn = await inst.connect();
  await conn.run(`CREATE TABLE known AS SELECT unnest([${KNOWN.map(quoteLiteral).join(", ")}]) AS code`);
});
afterAll(() => {
  conn.closeSync();
  inst.closeSync();
});

/** The fast path's value (as text) and whether it took each cell. */
async function fast(field: FieldDef, cells: (string | null)[]): Promise<{ ok: boolean; value: string | null }[]> {
  const region = field.kind === "region" || field.kind === "county" ? { known: "code" } : undefined;
  const ff = fastField(field, "c", region);
  const values = cells.map((c, i) => `(${i}, ${c === null ? "NULL" : quoteLiteral(c)})`).join(", ");
  const r = await conn.runAndReadAll(
    `SELECT i, CAST(v AS VARCHAR) AS v, ${ff.ok("v")} AS ok FROM (
       SELECT *, ${ff.value} AS v FROM (
         SELECT *${ff.pre.map(([a, e]) => `, ${e} AS ${a}`).join("")} FROM (VALUES ${values}) t(i, c) ${region ? "LEFT JOIN known k ON k.code = c" : ""})) ORDER BY i`,
  );
  return (r.getRowObjectsJS() as { v: string | null; ok: boolean }[]).map((x) => ({ ok: x.ok, value: x.v }));
}

const field = (kind: FieldKind, extra: Partial<FieldDef> = {}): FieldDef => ({ name: "x", label: "x", kind, required: true, nullable: true, ...extra });

const CASES: [FieldDef, Cell[], Cell[]][] = [
  // field, cells the fast path must take, cells it may leave to the contract
  [field("text"), ["张三", "a b", "HH001"], [" 张三", "张三 ", "张三\u3000", "\t", "\u0001x", "a\u00a0", "#N/A", "NULL", "#VALUE!", "张\u0007三", "a\u007fb"]],
  [field("int", { min: 1, max: 10 }), ["1", "10", 5], ["0", "11", "2.5", "+3", " 3", "1,0", 2.5, "3.0"]],
  [field("decimal", { min: 0, max: 1 }), ["0.35", "1", "0", "0.1234"], ["1.5", "-0.1", "0.12345", "0.123450", ".5", "1e-2"]],
  [field("money", { min: 0.01 }), ["1200.00", "0.01", "12", "1,079.00", "12.5", 1200.5, 12], ["0", "0.00", "12.345", "¥12", "12元", "-1", "1,07.00", 0.1 + 0.2, Number.NaN]],
  [
    field("date"),
    ["2026-06-03", "20260603", "2026/6/3", "2026年6月3日", "2024-02-29", new Date(Date.UTC(2026, 5, 3))],
    ["2025-02-29", "20250230", "2026/13/1", "1899-12-31", "2200-01-01", "45000", 45000, 20260603, "2026-6-3", "2026.06.03", " 2026-06-03"],
  ],
  [field("month"), ["2026-06", "202606", "2026年6月", "2026年06月", "2026年6", "2026-6", "2026/6", new Date(Date.UTC(2026, 5, 3))], ["2026-13", "202613", "2026年13月", "1899-01", "2026-00", " 2026-06", "2026.6"]],
  [field("bool"), ["是", "否", "Y", "n", "1", "0", "true", "√", "×", true, false, 1, 0], ["也许", "2", "TRUE ", 2]],
  [field("id"), [makeId("150102", "19900101", 1), makeId("150102", "20000229", 7), makeId("150103", "19551231", 3), ...X_IDS], ["150102198001010011", "150102198013010010", "15010219800101001x", "150102800101001", "１５０１０２１９８００１０１００１X", 150102198001010000, "150102199002300010"]],
  [field("region"), ["150102", "150102001", "150102001001"], ["150102000000", "150102001000", "150199", "991234", "1501"]],
  [field("county"), ["150102", "150103"], ["150102000", "150102000000", "150102001", "1501"]],
  [field("enum", { values: [{ code: "a", label: "甲", aliases: ["A类"] }, { code: "b", label: "乙" }] }), ["甲", "乙", "a", "A类"], ["丙", " 甲", "a类"]],
];

describe("the set-based fast path", () => {
  for (const [f, must, may] of CASES) {
    it(`${f.kind}: takes only what the contract takes, with the same value`, async () => {
      const parse = fieldParser(f, { regions });
      const all = [...must, ...may, null];
      const got = await fast(f, all.map((c) => tagCell(c)));
      all.forEach((cell, i) => {
        const g = got[i]!;
        const back = untagCell(tagCell(cell));
        const js = parse(back as Cell);
        if (g.ok) {
          expect(js, `${String(cell)} taken by the fast path but refused by the contract`).not.toBeInstanceOf(Invalid);
          expect(g.value === null ? null : normalise(f.kind, g.value), `value of ${String(cell)}`).toBe(js === null ? null : normalise(f.kind, String(js)));
        }
        if (i < must.length) expect(g.ok, `${String(cell)} should take the fast path`).toBe(true);
      });
    });
  }

  it("id: takes no ID number born after the delivery date, as the contract does", async () => {
    const f = field("id");
    const cells = [makeId("150102", "20000229", 1), makeId("150102", "20000301", 2), makeId("150102", "19991231", 3), makeId("150102", "20010101", 4)];
    const ff = fastField(f, "c", undefined, { asOf: "DATE '2000-02-29'" });
    const r = await conn.runAndReadAll(
      `SELECT ${ff.ok("v")} AS ok FROM (SELECT *, ${ff.value} AS v FROM (SELECT *${ff.pre.map(([a, e]) => `, ${e} AS ${a}`).join("")}
         FROM (VALUES ${cells.map((c, i) => `(${i}, ${quoteLiteral(c)})`).join(", ")}) t(i, c))) ORDER BY i`,
    );
    const parse = fieldParser(f, { regions, asOf: () => "2000-02-29" });
    const contract = cells.map((c) => !(parse(c) instanceof Invalid));
    expect(contract).toEqual([true, false, true, false]);
    expect((r.getRowObjectsJS() as { ok: boolean }[]).map((x) => x.ok)).toEqual(contract);
  });

  it("has one SQL rule for each cross-field rule of the contract", () => {
    for (const type of Object.keys(ROW_RULES) as (keyof typeof ROW_RULES)[]) {
      expect(ROW_RULES_SQL[type].length, type).toBe(ROW_RULES[type].length);
      expect(extractDef(type).type).toBe(type);
    }
  });

  it("tags typed cells losslessly", () => {
    for (const c of ["x", "\u0001x", 1.5, 1e-7, 12345678901234567890, true, false, new Date(Date.UTC(2026, 0, 2, 3, 4, 5))]) {
      const back = untagCell(tagCell(c));
      if (c instanceof Date) expect((back as Date).getTime()).toBe(c.getTime());
      else expect(back).toBe(c);
    }
    expect(tagCell("")).toBeNull();
  });
});

/** Values compared as the table stores them: money and decimals by value, dates as ISO text. */
function normalise(kind: FieldKind, v: string): string {
  if (kind === "money" || kind === "decimal") return String(Number(v));
  if (kind === "date") return v.slice(0, 10);
  return v;
}
