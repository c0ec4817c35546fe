// Which region a ledger file covers, from its name (never a month read as a code) or its rows.
import { describe, expect, it } from "vitest";
import { ledgerScope, regionTokens } from "../../metrics/indicators/sources.js";
import { REGIONS } from "./metrics-fixtures.js";

const regions = REGIONS.map((r) => ({ code: r.code, name: r.name, level: r.level }));

describe("ledger scope", () => {
  it("reads a city or province code (or its 6-digit form, or its name) from the file name", () => {
    expect(ledgerScope("complaints_1501_2026-02.csv", [], regions)).toBe("1501");
    expect(ledgerScope("投诉举报_150100_2026-11.xlsx", [], regions)).toBe("1501");
    expect(ledgerScope("data/in/applications_15_2026-06.csv", [], regions)).toBe("15");
    expect(ledgerScope("surveys_150000_2026年6月.csv", [], regions)).toBe("15");
    expect(ledgerScope("呼和浩特市_投诉_2026-06.csv", [], regions)).toBe("1501");
  });
  it("never reads a month as a code", () => {
    expect(regionTokens("complaints_2026-11.csv")).toEqual(["complaints"]);
    expect(regionTokens("complaints_202611.csv")).toEqual(["complaints"]);
    expect(regionTokens("complaints_2026年11月.csv")).toEqual(["complaints"]);
    expect(ledgerScope("complaints_2026-15.csv", [], regions)).toBeNull(); // not a city, not a month
  });
  it("a code-less file covers the smallest region holding its rows' counties", () => {
    expect(ledgerScope("complaints_2026-11.csv", ["150102", "150103"], regions)).toBe("1501");
    expect(ledgerScope("complaints_2026-11.csv", ["150102", "150202"], regions)).toBe("15");
    expect(ledgerScope("complaints_2026-11.csv", [], regions)).toBeNull();
  });
});
