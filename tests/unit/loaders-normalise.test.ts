// Every normalisation of the extract contracts, cell by cell.
import { describe, expect, it } from "vitest";
import {
  Invalid,
  excelSerialToDate,
  idCheckChar,
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
  parseWindow,
  toHalfWidth,
  type RegionLookup,
} from "../../loaders/contracts/normalise.js";

const reason = (v: unknown) => (v instanceof Invalid ? v.reason : `valid: ${String(v)}`);

describe("dates", () => {
  it.each([
    ["2026-06-03", "2026-06-03"],
    ["2026/6/3", "2026-06-03"],
    ["2026.06.03", "2026-06-03"],
    ["20260603", "2026-06-03"],
    ["2026年6月3日", "2026-06-03"],
    ["２０２６－０６－０３", "2026-06-03"],
    [" 2026-06-03 00:00:00 ", "2026-06-03"],
    ["46176", "2026-06-03"], // Excel serial as text
    [46176, "2026-06-03"], // Excel serial as a number cell
    [20260603, "2026-06-03"],
    [new Date(Date.UTC(2026, 5, 3)), "2026-06-03"], // XLSX date cell
    ["2024-02-29", "2024-02-29"],
    ["", null],
    [null, null],
  ])("%s → %s", (input, expected) => {
    expect(parseDate(input)).toBe(expected);
  });

  it.each([
    ["2025-02-29", /not a valid calendar date/],
    ["2026-13-01", /not a valid calendar date/],
    ["03/06/2026", /not a date/],
    ["June 3", /not a date/],
    ["2026-06", /not a date/],
    ["1", /not a date/],
  ])("%s is rejected", (input, re) => {
    expect(reason(parseDate(input))).toMatch(re);
  });

  it("Excel serials follow the 1900 system", () => {
    expect(excelSerialToDate(61)).toBe("1900-03-01");
    expect(excelSerialToDate(45658)).toBe("2025-01-01");
    expect(excelSerialToDate(45658.75)).toBe("2025-01-01");
  });
});

describe("periods", () => {
  it.each([
    ["2026-06", "2026-06"],
    ["202606", "2026-06"],
    ["2026年6月", "2026-06"],
    ["2026/6", "2026-06"],
    [new Date(Date.UTC(2026, 5, 1)), "2026-06"],
  ])("%s → %s", (input, expected) => {
    expect(parseMonth(input)).toBe(expected);
  });
  it.each(["2026-13", "2026", "26-06", "2026-06-03", "六月"])("%s is rejected", (input) => {
    expect(reason(parseMonth(input))).toMatch(/not a month/);
  });
  it("reporting windows", () => {
    expect(parseWindow("2026-06")).toBe("2026-06");
    expect(parseWindow("2026-q2")).toBe("2026-Q2");
    expect(parseWindow("2026-H1")).toBe("2026-H1");
    expect(parseWindow("2026")).toBe("2026");
    expect(parseWindow("2026-Q5")).toBeNull();
  });
});

describe("money", () => {
  it.each([
    ["1234.5", "1234.50"],
    ["1,234.56", "1234.56"],
    ["¥1,234", "1234.00"],
    ["￥ 88.8", "88.80"],
    ["１２３．４５", "123.45"],
    ["0", "0.00"],
    ["100元", "100.00"],
    [1079, "1079.00"],
    [0.1 + 0.2, "0.30"], // a spreadsheet's binary float that is a whole number of cents
    [12345678901.23, "12345678901.23"],
  ])("%s → %s", (input, expected) => {
    expect(parseMoney(input)).toBe(expected);
  });
  it.each([
    ["12.345", /more than 2 decimals/],
    [12.345, /more than 2 decimals/],
    ["1.2.3", /not an amount/],
    ["abc", /not an amount/],
  ])("%s is rejected", (input, re) => {
    expect(reason(parseMoney(input))).toMatch(re);
  });
  it("ranges are checked in cents", () => {
    expect(reason(parseMoney("0.00", 0.01))).toMatch(/below 0.01/);
    expect(parseMoney("0.01", 0.01)).toBe("0.01");
    expect(reason(parseMoney("-5", 0))).toMatch(/below 0/);
  });
  it("cents are exact", () => {
    expect(moneyToCents("1234.56")).toBe(123456);
    expect(moneyToCents("-0.05")).toBe(-5);
    expect(moneyToCents("99999999999999.99")).toBe(9999999999999999);
  });
});

describe("numbers", () => {
  it("integers", () => {
    expect(parseInt32("12")).toBe(12);
    expect(parseInt32("1,234")).toBe(1234);
    expect(parseInt32("3.0")).toBe(3);
    expect(parseInt32(4)).toBe(4);
    expect(reason(parseInt32("2.5"))).toMatch(/not a whole number/);
    expect(reason(parseInt32(2.5))).toMatch(/not a whole number/);
    expect(reason(parseInt32("0", 1))).toMatch(/below 1/);
    expect(reason(parseInt32("9", 0, 5))).toMatch(/above 5/);
  });
  it("decimals (0–1 coefficients)", () => {
    expect(parseDecimal("0.35")).toBe("0.35");
    expect(parseDecimal(0.35)).toBe("0.35");
    expect(parseDecimal("1.0000")).toBe("1");
    expect(reason(parseDecimal("1.2", 0, 1))).toMatch(/above 1/);
    expect(reason(parseDecimal("0.123456"))).toMatch(/more than 4 decimals/);
  });
});

describe("booleans", () => {
  it.each([
    ["是", true], ["否", false], ["Y", true], ["n", false], ["1", true], ["0", false],
    ["true", true], ["FALSE", false], ["√", true], ["×", false], [true, true], [0, false],
  ] as const)("%s → %s", (input, expected) => {
    expect(parseBool(input)).toBe(expected);
  });
  it("anything else is rejected", () => {
    expect(reason(parseBool("也许"))).toMatch(/not yes\/no/);
    expect(reason(parseBool(2))).toMatch(/not yes\/no/);
    expect(parseBool("")).toBeNull();
  });
});

describe("ID numbers", () => {
  const valid = "11010519491231002X";
  it("ISO 7064 MOD 11-2 check character", () => {
    expect(idCheckChar("11010519491231002")).toBe("X");
    expect(parseId(valid)).toBe(valid);
  });
  it("full-width digits and lower-case x are normalised", () => {
    expect(parseId(toHalfWidth("１１０１０５１９４９１２３１００２x").replace("x", "x"))).toBe(valid);
    expect(parseId("１１０１０５１９４９１２３１００２ｘ")).toBe(valid);
    expect(parseId("11010519491231002x")).toBe(valid);
  });
  it("a 15-digit ID is upgraded to 18 with a warning", () => {
    const warnings: string[] = [];
    expect(parseId("110105491231002", (c) => warnings.push(c))).toBe(valid);
    expect(warnings).toEqual(["id15"]);
  });
  it.each([
    ["110105194912310021", /check digit wrong/],
    ["110105194902300028", /invalid birth date/],
    ["11010519491231002", /not an 18-character ID/],
    ["1101051949123100AX", /not an 18-character ID/],
  ])("%s is rejected", (input, re) => {
    expect(reason(parseId(input))).toMatch(re);
  });
  it("an ID stored as a number cell has lost digits", () => {
    expect(reason(parseId(110105194912310020))).toMatch(/stored as a number/);
  });
  it("reasons never repeat the whole ID", () => {
    expect(reason(parseId("110105194912310021"))).not.toContain("110105194912310021");
  });
});

describe("region codes", () => {
  const regions: RegionLookup = {
    has: (c) => ["150102", "150102001", "150102001001", "1501", "15"].includes(c),
    isCounty: (c) => c === "150102",
  };
  it("12-, 9- and 6-digit codes that exist", () => {
    expect(parseRegion("150102001001", regions)).toBe("150102001001");
    expect(parseRegion("150102001", regions)).toBe("150102001");
    expect(parseRegion(" 150102 ", regions)).toBe("150102");
    expect(parseRegion(150102001001, regions)).toBe("150102001001");
  });
  it("zero-padded codes are shortened to the division they name", () => {
    expect(parseRegion("150102001000", regions)).toBe("150102001");
    expect(parseRegion("150102000000", regions)).toBe("150102");
  });
  it("unknown or malformed codes are rejected", () => {
    expect(reason(parseRegion("150102999999", regions))).toMatch(/not in the region table/);
    expect(reason(parseRegion("1501", regions))).toMatch(/not a 6-, 9- or 12-digit/);
    expect(reason(parseCounty("150103", regions))).toMatch(/county code not in the region table/);
    expect(parseCounty("150102000000", regions)).toBe("150102");
  });
});
