// `jiuzhu ingest` and `jiuzhu report loads|rejects`.
import type { Command } from "commander";

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description("load extract files into the warehouse")
    .option("--db <path>", "warehouse file", "data/warehouse.duckdb")
    .argument("<paths...>", "files or folders")
    .action(() => {
      throw new Error("ingest: not implemented yet");
    });
}
