// `jiuzhu indicators`, `cases`, `score`, `allocate`.
import type { Command } from "commander";

export function registerMetrics(program: Command): void {
  for (const name of ["indicators", "cases", "score", "allocate"]) {
    program
      .command(name)
      .option("--db <path>", "warehouse file", "data/warehouse.duckdb")
      .action(() => {
        throw new Error(`${name}: not implemented yet`);
      });
  }
}
