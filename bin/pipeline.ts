// `jiuzhu pipeline`: demo → ingest → compute → build → serve.
import type { Command } from "commander";

export function registerPipeline(program: Command): void {
  program
    .command("pipeline")
    .description("run the whole job on the demo province")
    .action(() => {
      throw new Error("pipeline: not implemented yet");
    });
}
