// The `jiuzhu` command line: each layer registers its own subcommands.
import { Command, CommanderError } from "commander";
import { registerDemo } from "../data/generator/cli.js";
import { registerIngest } from "../loaders/cli.js";
import { registerBulletinReport } from "../metrics/bulletin/cli.js";
import { registerMetrics } from "../metrics/cli.js";
import { registerPipeline } from "./pipeline.js";

export function buildProgram(): Command {
  const program = new Command("jiuzhu")
    .description("Jiuzhu 救助 — performance evaluation of social-assistance programmes")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerIngest(program);
  registerBulletinReport(program.commands.find((c) => c.name() === "report")!);
  registerMetrics(program);
  registerPipeline(program);
  return program;
}

/** Run the CLI; returns the exit code. Errors print one clear line to stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // A subcommand may finish its output and still report failure (e.g. refused files);
    // the code is returned, not left behind for the next in-process run.
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`jiuzhu: ${message}\n`);
    if (process.env.JIUZHU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
