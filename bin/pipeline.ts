// `jiuzhu pipeline`: the whole job on the demo province —
// generate (if absent) → ingest → compute → build the site → serve it.
import type { Command } from "commander";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, resolve } from "node:path";
import { generateDemo } from "../data/generator/index.js";
import { DEFAULT_DB, withWarehouse } from "../loaders/db.js";
import { ingestPaths } from "../loaders/ingest.js";
import { computeIndicators } from "../metrics/indicators/compute.js";
import { computeScores } from "../metrics/scorecard/compute.js";
import { serveStatic } from "./serve.js";

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

/** Build the Framework site into `dist/`, after clearing the loader cache (it only notices loader files). */
export async function buildSite(db: string): Promise<void> {
  rmSync("src/.observablehq/cache", { recursive: true, force: true });
  const require = createRequire(import.meta.url);
  const cli = join(dirname(require.resolve("@observablehq/framework/package.json")), "dist/bin/observable.js");
  await new Promise<void>((ok, fail) => {
    const child = spawn(process.execPath, [cli, "build"], {
      stdio: ["ignore", "inherit", "inherit"],
      // Framework runs TypeScript data loaders with `tsx` from PATH.
      env: {
        ...process.env,
        PATH: [resolve("node_modules/.bin"), process.env.PATH].join(delimiter),
        JIUZHU_DB: resolve(db),
        OBSERVABLE_TELEMETRY_DISABLE: "true",
      },
    });
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? ok() : fail(new Error(`site build failed (observable build exited ${code})`))));
  });
  setDocumentLanguage("dist");
}

/** Framework writes a bare `<html>`; screen readers and CJK font selection need `lang="zh-CN"` in the file itself. */
export function setDocumentLanguage(dir: string): number {
  let changed = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) changed += setDocumentLanguage(file);
    if (!entry.isFile() || !entry.name.endsWith(".html")) continue;
    const html = readFileSync(file, "utf8");
    const fixed = html.replace(/<html(?![^>]*\blang=)([^>]*)>/i, '<html lang="zh-CN"$1>');
    if (fixed !== html) {
      writeFileSync(file, fixed);
      changed++;
    }
  }
  return changed;
}

export async function runPipeline(options: PipelineOptions): Promise<void> {
  if (!existsSync(join(options.demo, "ground_truth.json"))) {
    await timed(`generating the demo province into ${options.demo}`, () => generateDemo({ out: options.demo }));
  } else {
    log(`demo extracts found in ${options.demo} (delete the folder to regenerate)`);
  }
  await timed("ingesting", () => ingestPaths(options.db, [options.demo], { progress: process.stderr.isTTY }));
  await timed("computing indicators and scores", () =>
    withWarehouse(options.db, async (wh) => {
      await computeIndicators(wh);
      await computeScores(wh);
    }),
  );
  if (!options.build) return;
  await timed("building the site", () => buildSite(options.db));
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
