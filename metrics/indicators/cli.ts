// `jiuzhu indicators` and `jiuzhu cases`.
import type { Command } from "commander";

export function registerIndicatorCommands(program: Command): void {
  for (const name of ["indicators", "cases"]) {
    program
      .command(name)
      .option("--db <path>", "warehouse file", "data/warehouse.duckdb")
      .action(() => {
        throw new Error(`${name}: not implemented yet`);
      });
  }
}
