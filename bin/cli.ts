// The `jiuzhu` command line: each layer registers its own subcommands. Only the layer
// of the command being run is loaded, so `jiuzhu --help` and a refused argument answer
// at once; the top-level help lists every command from the table below.
import { Command, CommanderError } from "commander";

interface Layer {
  /** Commands the layer registers, with the one-line summary shown by `jiuzhu --help`. */
  commands: Record<string, string>;
  register(program: Command): Promise<void>;
}

const LAYERS: Layer[] = [
  {
    commands: { demo: "generate the demo province's extracts and their ground truth (deterministic)" },
    register: async (p) => (await import("../data/generator/cli.js")).registerDemo(p),
  },
  {
    commands: {
      ingest: "load extract files (CSV, XLSX, Parquet) into the warehouse",
      report: "reports: loads, rejects and the documents built from the marts",
    },
    register: async (p) => {
      (await import("../loaders/cli.js")).registerIngest(p);
      const report = p.commands.find((c) => c.name() === "report")!;
      (await import("../metrics/indicators/freshness-cli.js")).registerFreshnessReport(report);
      (await import("../metrics/selfeval/cli.js")).registerSelfEvaluationReport(report);
      (await import("../metrics/bulletin/cli.js")).registerBulletinReport(report);
    },
  },
  {
    commands: {
      indicators: "indicator values for a window (computed first when missing)",
      cases: "the case list behind a problem count (personal data masked)",
      score: "score counties or cities for a window: composite, grade, rank",
      allocate: "以奖代补 allocation of a pool over the counties by the factor method",
    },
    register: async (p) => (await import("../metrics/cli.js")).registerMetrics(p),
  },
  {
    commands: { pipeline: "run the whole job on the demo province: generate (if absent), ingest, compute, build, serve" },
    register: async (p) => (await import("./pipeline.js")).registerPipeline(p),
  },
  {
    commands: { serve: "serve a built site folder (default dist/) on localhost" },
    register: async (p) => registerServe(p),
  },
];

function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve a built site folder on localhost (any plain static server works as well)")
    .argument("[dir]", "site folder", "dist")
    .option("--port <n>", "port (0 picks a free one)", (v) => Number.parseInt(v, 10), 3000)
    .action(async (dir: string, opts: { port: number }) => {
      const { existsSync } = await import("node:fs");
      const { join } = await import("node:path");
      if (!existsSync(join(dir, "index.html"))) throw new Error(`${dir} holds no built site (no index.html); run npm run build first`);
      const { serveStatic } = await import("./serve.js");
      const server = await serveStatic(dir, opts.port);
      process.stdout.write(`Jiuzhu is served at ${server.url} from ${dir} (Ctrl-C to stop)\n`);
      await new Promise<void>((ok) => {
        process.once("SIGINT", () => void server.close().then(ok));
        process.once("SIGTERM", () => void server.close().then(ok));
      });
    });
}

/** The program with the layers `argv` needs: the named command's layer, or every summary for help. */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("jiuzhu")
    .description("Jiuzhu 救助 — performance evaluation of social-assistance programmes")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError()
    .exitOverride();
  const name = argv.slice(2).find((a) => !a.startsWith("-"));
  const layer = LAYERS.find((l) => name !== undefined && name in l.commands);
  if (layer) {
    await layer.register(program);
  } else {
    // help, --version or an unknown command: summaries only (commander suggests the nearest name)
    for (const l of LAYERS) for (const [command, summary] of Object.entries(l.commands)) program.command(command).description(summary);
  }
  return program;
}

/** Every layer registered: what the CLI can do in full (contract tests). */
export async function buildFullProgram(): Promise<Command> {
  const program = new Command("jiuzhu").exitOverride();
  for (const l of LAYERS) await l.register(program);
  return program;
}

/** Run the CLI; returns the exit code. Errors print one clear line to stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
