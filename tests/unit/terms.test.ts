import { describe, expect, it } from "vitest";
import { DEFAULT_TERMS, levelName, levelTerms } from "../../metrics/terms.js";

describe("level terms", () => {
  it("Inner Mongolia names its levels 盟市 and 旗县（市、区）, from any of its codes", () => {
    expect(levelName("city", "1502")).toBe("盟市");
    expect(levelName("county", "150102")).toBe("旗县（市、区）");
    expect(levelName("province", "15")).toBe("全区");
    expect(levelTerms("150102").countyShort).toBe("旗县");
  });
  it("a province without its own setting uses the default words", () => {
    expect(levelTerms("410102")).toEqual(DEFAULT_TERMS);
    expect(levelName("city", "41")).toBe("地市");
    expect(levelName("county", null)).toBe("县（市、区）");
  });
});
