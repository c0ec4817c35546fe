// `jiuzhu score` and `jiuzhu allocate`.
import type { Command } from "commander";

export function registerScoreCommands(program: Command): void {
  for (const name of ["score", "allocate"]) {
    program
      .command(name)
      .option("--db <path>", "warehouse file", "data/warehouse.duckdb")
      .action(() => {
        throw new Error(`${name}: not implemented yet`);
      });
  }
}
