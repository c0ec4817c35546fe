import { describe, expect, it } from "vitest";
import { addMonths, monthRange, parseWindow, windowsCovering, windowsOfMonth } from "../../metrics/windows.js";

describe("reporting windows", () => {
  it("parses months, quarters, halves and years", () => {
    expect(parseWindow("2026-06")).toMatchObject({ kind: "month", firstMonth: "2026-06", lastMonth: "2026-06", firstDay: "2026-06-01", lastDay: "2026-06-30" });
    expect(parseWindow("2026-Q2")).toMatchObject({ kind: "quarter", firstMonth: "2026-04", lastMonth: "2026-06", lastDay: "2026-06-30" });
    expect(parseWindow("2026-h2")).toMatchObject({ id: "2026-H2", kind: "half", firstMonth: "2026-07", lastDay: "2026-12-31" });
    expect(parseWindow("2028")).toMatchObject({ kind: "year", firstDay: "2028-01-01", lastDay: "2028-12-31" });
    expect(parseWindow("2028-02").lastDay).toBe("2028-02-29");
    expect(parseWindow("2026-Q1").months).toEqual(["2026-01", "2026-02", "2026-03"]);
  });
  it("refuses anything else", () => {
    for (const bad of ["2026-13", "2026-Q5", "2026-H3", "26-06", "2026/06", ""]) expect(() => parseWindow(bad)).toThrow(/not a reporting window/);
  });
  it("finds the windows a month belongs to and those covering a range across years", () => {
    expect(windowsOfMonth("2026-07")).toEqual(["2026-07", "2026-Q3", "2026-H2", "2026"]);
    expect(addMonths("2025-12", 1)).toBe("2026-01");
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(monthRange("2025-11", "2026-02")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(windowsCovering(monthRange("2025-12", "2026-01")).map((w) => w.id)).toEqual([
      "2025-12",
      "2026-01",
      "2025-Q4",
      "2026-Q1",
      "2025-H2",
      "2026-H1",
      "2025",
      "2026",
    ]);
  });
});
