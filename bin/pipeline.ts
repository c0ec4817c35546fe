// `jiuzhu pipeline`: the whole job on the demo province —
// generate (if absent) → ingest → compute → build the site → serve it.
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_DB } from "../loaders/defaults.js";

// The warehouse, the generator and the site build load when the pipeline runs, not
// when its options are read (a refused argument answers at once).

export interface PipelineOptions {
  db: string;
  demo: string;
  serve: boolean;
  port: number;
  build: boolean;
}

const log = (message: string) => process.stderr.write(`[jiuzhu] ${message}\n`);

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${label} …`);
  const result = await fn();
  log(`${label} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

export async function runPipeline(options: PipelineOptions): Promise<void> {
  const [{ generateWithProgress }, { withWarehouse }, { ingestPaths }, { computeIndicators }, { computeScores }, { serveStatic }, { buildSite }] = await Promise.all([
    import("../data/generator/cli.js"),
    import("../loaders/db.js"),
    import("../loaders/ingest.js"),
    import("../metrics/indicators/compute.js"),
    import("../metrics/scorecard/compute.js"),
    import("./serve.js"),
    import("./site.js"),
  ]);
  if (!existsSync(join(options.demo, "ground_truth.json"))) {
    await timed(`generating the demo province into ${options.demo}`, () => generateWithProgress({ out: options.demo }));
  } else {
    log(`demo extracts found in ${options.demo} (delete the folder to regenerate)`);
  }
  // progress as a bar on a terminal, a plain line every few seconds in a log; the files that need attention are counted, not listed
  const summary = await timed("ingesting", () => ingestPaths(options.db, [options.demo], { progress: true, fileLines: false }));
  log(
    `ingest: ${summary.files.length} file(s): ${summary.loaded} loaded, ${summary.unchanged} unchanged, ${summary.refused} refused; ` +
      `rows ${summary.rowsRead} read = ${summary.rowsLoaded} loaded + ${summary.rowsRejected} rejected` +
      (summary.rowsRejected > 0 || summary.refused > 0 ? `; what was rejected: npx jiuzhu report rejects --db ${options.db}` : ""),
  );
  await timed("computing indicators and scores", () =>
    withWarehouse(options.db, async (wh) => {
      await computeIndicators(wh);
      await computeScores(wh);
    }),
  );
  if (!options.build) return;
  await timed("building the site", () => buildSite({ db: options.db, log }));
  if (!options.serve) return;
  const server = await serveStatic("dist", options.port);
  process.stdout.write(`Jiuzhu is served at ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((ok) => {
    process.once("SIGINT", () => void server.close().then(ok));
    process.once("SIGTERM", () => void server.close().then(ok));
  });
}

export function registerPipeline(program: Command): void {
  program
    .command("pipeline")
    .description("run the whole job on the demo province: generate (if absent), ingest, compute, build, serve")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .option("--demo <dir>", "demo extract folder", "data/demo")
    .option("--no-build", "stop after computing the marts")
    .option("--serve", "serve the built site on localhost", false)
    .option("--port <n>", "port to serve on", (v) => Number.parseInt(v, 10), 3000)
    .action(async (opts: PipelineOptions) => {
      await runPipeline(opts);
    });
}
