// `jiuzhu demo`: generate the demo province's extracts.
import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("generate the demo province's extracts (deterministic)")
    .requiredOption("--out <dir>", "output folder")
    .action(() => {
      throw new Error("demo: not implemented yet");
    });
}
