// The CLI layers name the warehouse's default path without loading DuckDB (so that
// `--help` and a refused argument answer at once): each copy must be loaders/db's.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_DB } from "../../loaders/db.js";
import { DEFAULT_OPTIONS as GENERATOR_DEFAULTS } from "../../data/generator/index.js";
import { DEFAULT_OPTIONS } from "../../data/generator/defaults.js";

describe("CLI defaults kept apart from the heavy modules", () => {
  for (const file of ["bin/pipeline.ts", "metrics/scorecard/cli.ts", "metrics/indicators/cli.ts"]) {
    it(`${file}: the default --db is loaders/db's`, () => {
      const m = /const DEFAULT_DB = "([^"]+)";/.exec(readFileSync(file, "utf8"));
      expect(m?.[1]).toBe(DEFAULT_DB);
    });
  }
  it("the generator's defaults are the CLI's", () => {
    expect(GENERATOR_DEFAULTS).toBe(DEFAULT_OPTIONS);
  });
});
