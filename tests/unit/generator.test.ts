// Building blocks of the demo generator: random streams, ID numbers, the working-day
// calendar, value styles and the XLSX writer.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { addMonths, addWorkdays, dayOf, isoDate, isWorkday, monthIndex, monthKey, workdaysBetween } from "../../data/generator/calendar.js";
import { reviewInterval } from "../../data/generator/county.js";
import { layoutOf } from "../../data/generator/extracts.js";
import { corruptCheckDigit, idCheckDigit, IdPool, isValidId, personName } from "../../data/generator/people.js";
import { buildProvince, guideline } from "../../data/generator/province.js";
import { Rng } from "../../data/generator/random.js";
import { formatBool, formatDate, formatMonth, impossibleDate, openWriter } from "../../data/generator/writers.js";
import { parseDate } from "../../data/generator/verify.js";
import { headerNames, normaliseHeader, extractDef } from "../../loaders/contracts/dictionary.js";

describe("random streams", () => {
  it("repeat for the same seed and label, and differ otherwise", () => {
    const draw = (seed: number, label: string) => Array.from({ length: 5 }, ((r) => () => r.next())(Rng.of(seed, label)));
    expect(draw(1, "county:150102")).toEqual(draw(1, "county:150102"));
    expect(draw(1, "county:150102")).not.toEqual(draw(2, "county:150102"));
    expect(draw(1, "county:150102")).not.toEqual(draw(1, "county:150103"));
  });

  it("draw integers in range and Poisson counts with the right mean", () => {
    const r = new Rng(7);
    for (let i = 0; i < 1000; i++) {
      const n = r.int(3, 9);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(9);
    }
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += r.poisson(4);
    expect(sum / 4000).toBeGreaterThan(3.8);
    expect(sum / 4000).toBeLessThan(4.2);
  });
});

describe("resident ID numbers", () => {
  it("compute the ISO 7064 MOD 11-2 check character", () => {
    expect(idCheckDigit("11010519491231002")).toBe("X"); // the standard's own example
    expect(isValidId("11010519491231002X")).toBe(true);
    expect(isValidId("110105194912310021")).toBe(false);
    expect(isValidId("110105194902300021".slice(0, 17) + idCheckDigit("11010519490230002"))).toBe(false); // 30 February
  });

  it("are unique, valid, carry the county and the sex", () => {
    const pool = new IdPool(new Rng(3));
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const male = i % 2 === 0;
      const id = pool.issue("150102", dayOf(1960, 5, 17) + (i % 5), male);
      expect(isValidId(id)).toBe(true);
      expect(id.slice(0, 6)).toBe("150102");
      expect(Number(id[16]) % 2).toBe(male ? 1 : 0);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });

  it("can be spoiled on purpose (planted bad rows)", () => {
    const id = "11010519491231002X";
    expect(isValidId(corruptCheckDigit(id))).toBe(false);
    expect(corruptCheckDigit(id).slice(0, 17)).toBe(id.slice(0, 17));
  });

  it("go with plausible names", () => {
    const r = new Rng(5);
    for (let i = 0; i < 200; i++) expect(personName(r, i % 2 === 0, 0.2)).toMatch(/^[\p{Script=Han}]{2,6}$/u);
  });
});

describe("calendar", () => {
  it("follows the official calendar: holidays off, 调休 Saturdays on", () => {
    expect(isWorkday(dayOf(2026, 2, 16))).toBe(false); // Spring Festival
    expect(isWorkday(dayOf(2026, 2, 14))).toBe(true); // a Saturday made a working day
    expect(isWorkday(dayOf(2026, 3, 7))).toBe(false); // an ordinary Saturday
  });

  it("counts working days after A up to and including B", () => {
    expect(workdaysBetween(dayOf(2026, 3, 2), dayOf(2026, 3, 2))).toBe(0);
    expect(workdaysBetween(dayOf(2026, 3, 2), dayOf(2026, 3, 9))).toBe(5);
    expect(addWorkdays(dayOf(2026, 3, 2), 5)).toBe(dayOf(2026, 3, 9));
    expect(workdaysBetween(dayOf(2025, 9, 30), dayOf(2025, 10, 9))).toBe(1); // National Day week
  });

  it("adds months with the day clamped, and keys months", () => {
    expect(isoDate(addMonths(dayOf(2026, 1, 31), 1))).toBe("2026-02-28");
    expect(monthKey(monthIndex("2026-06") + 7)).toBe("2027-01");
  });
});

describe("delivery styles", () => {
  it("write dates, months and booleans as counties do, and impossible dates in the same style", () => {
    const d = dayOf(2026, 6, 3);
    expect(["iso", "slash", "compact", "chinese"].map((s) => formatDate(d, s as "iso"))).toEqual(["2026-06-03", "2026/6/3", "20260603", "2026年6月3日"]);
    for (const s of ["iso", "slash", "compact", "chinese"] as const) {
      expect(parseDate(formatDate(d, s))).toBe(d);
      expect(typeof parseDate(impossibleDate(2026, s, 0))).toBe("symbol");
      expect(typeof parseDate(impossibleDate(2026, s, 1))).toBe("symbol");
    }
    expect(formatMonth(monthIndex("2026-06"), "chinese")).toBe("2026年6月");
    expect(formatMonth(monthIndex("2026-06"), "compact")).toBe("202606");
    expect([formatBool(true, "shifou"), formatBool(false, "yn"), formatBool(true, "10")]).toEqual(["是", "N", "1"]);
  });

  it("use headers the dictionary recognises, labels or national aliases", () => {
    for (const aliases of [false, true]) {
      for (const type of ["roster", "payments", "applications", "funds", "county_profile"] as const) {
        const layout = layoutOf(type, aliases);
        layout.columns.forEach((c, i) => {
          const field = extractDef(type).fields[i]!;
          expect(headerNames(field), `${type}.${field.name}`).toContain(normaliseHeader(c.header));
        });
      }
    }
    expect(layoutOf("roster", true).columns.map((c) => c.header)).toContain("保障人口数");
  });

  it("write XLSX that exceljs reads back: inline strings, numbers, date cells, money", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-xlsx-"));
    const file = join(dir, "t.xlsx");
    const style = { format: "xlsx", dates: "iso", bools: "shifou", months: "iso", thousands: false, aliases: false } as const;
    const w = openWriter(file, "在保对象花名册", [
      { header: "姓名", kind: "text" },
      { header: "批准日期", kind: "date" },
      { header: "月保障金额", kind: "money" },
      { header: "是否备案", kind: "bool" },
      { header: "统计月份", kind: "month" },
    ], style);
    await w.write(["刘䶮 & <x>", { day: dayOf(2026, 6, 3) }, 1234.5, true, { month: monthIndex("2026-06") }]);
    await w.write([null, { raw: "2026-02-30" }, 0, false, { month: monthIndex("2026-07") }]);
    await w.close();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("在保对象花名册");
    expect(ws.getRow(1).values).toEqual([undefined, "姓名", "批准日期", "月保障金额", "是否备案", "统计月份"]);
    const row = ws.getRow(2);
    expect(row.getCell(1).value).toBe("刘䶮 & <x>");
    expect(row.getCell(2).value).toEqual(new Date(Date.UTC(2026, 5, 3)));
    expect(row.getCell(3).value).toBe(1234.5);
    expect(row.getCell(4).value).toBe("是");
    expect(ws.getRow(3).getCell(2).value).toBe("2026-02-30");
    // byte-identical when written again
    const again = join(dir, "u.xlsx");
    const w2 = openWriter(again, "在保对象花名册", [{ header: "a", kind: "text" }], style);
    await w2.write(["x"]);
    await w2.close();
    const w3 = openWriter(join(dir, "v.xlsx"), "在保对象花名册", [{ header: "a", kind: "text" }], style);
    await w3.write(["x"]);
    await w3.close();
    expect(readFileSync(again)).toEqual(readFileSync(join(dir, "v.xlsx")));
  });

  it("encode GB18030 with four-byte characters intact", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jiuzhu-gb-"));
    const file = join(dir, "t.csv");
    const style = { format: "csv-gb18030", dates: "slash", bools: "yn", months: "iso", thousands: true, aliases: false } as const;
    const w = openWriter(file, "x", [{ header: "姓名", kind: "text" }, { header: "金额", kind: "money" }, { header: "日期", kind: "date" }], style);
    await w.write(["刘䶮𬌗", 12345.6, { day: dayOf(2026, 6, 3) }]);
    await w.close();
    expect(new TextDecoder("gb18030").decode(readFileSync(file))).toBe('姓名,金额,日期\r\n刘䶮𬌗,"12,345.60",2026/6/3\r\n');
  });
});

describe("the province", () => {
  it("has every county of Inner Mongolia, real villages, and spread-out quality", async () => {
    const p = await buildProvince("15", 1, 0.05, monthIndex("2025-01"), monthIndex("2026-06"));
    expect(p.name).toBe("内蒙古自治区");
    expect(p.counties.length).toBe(108);
    expect(p.counties.reduce((s, c) => s + c.villages.length, 0)).toBe(14592);
    const qualities = new Set(p.counties.map((c) => c.quality));
    expect([...qualities].sort()).toEqual(["fair", "good", "poor"]);
    const persons = p.counties.reduce((s, c) => s + c.targetPersons.urban_dibao + c.targetPersons.rural_dibao + c.targetPersons.tekun, 0);
    // at scale 1 a little over a million covered persons: 2–5 % of the population
    expect(persons / p.population).toBeGreaterThan(0.02);
    expect(persons / p.population).toBeLessThan(0.05);
    for (const s of p.standards) {
      if (s.program === "urban_dibao") expect(s.standard).toBeGreaterThanOrEqual(700);
      if (s.program === "rural_dibao") expect(s.standard).toBeLessThanOrEqual(760);
    }
    expect(guideline("urban_dibao", 2026)).toBeGreaterThan(guideline("urban_dibao", 2025));
  });

  it("reviews by the spec's intervals", () => {
    expect(reviewInterval("urban_dibao", "C")).toBe(1);
    expect(reviewInterval("rural_dibao", "C")).toBe(3);
    expect(reviewInterval("rural_dibao", "B")).toBe(6);
    expect(reviewInterval("urban_dibao", "A")).toBe(12);
    expect(reviewInterval("tekun", "full_care")).toBe(12);
  });
});
