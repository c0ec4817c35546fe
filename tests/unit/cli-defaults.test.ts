// The CLI layers name the warehouse's default path without loading DuckDB (so that
// `--help` and a refused argument answer at once): every command's default --db is loaders/db's.
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../bin/cli.js";
import { DEFAULT_DB } from "../../loaders/db.js";
import { DEFAULT_OPTIONS as GENERATOR_DEFAULTS } from "../../data/generator/index.js";
import { DEFAULT_OPTIONS } from "../../data/generator/defaults.js";

describe("CLI defaults kept apart from the heavy modules", () => {
  for (const name of ["pipeline", "score", "allocate", "indicators", "cases"]) {
    it(`${name}: the default --db is loaders/db's`, async () => {
      const program = await buildProgram(["node", "jiuzhu", name]);
      const command = program.commands.find((c) => c.name() === name)!;
      expect(command.options.find((o) => o.long === "--db")?.defaultValue).toBe(DEFAULT_DB);
    });
  }
  it("the generator's defaults are the CLI's", () => {
    expect(GENERATOR_DEFAULTS).toBe(DEFAULT_OPTIONS);
  });
});
