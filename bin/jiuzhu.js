#!/usr/bin/env node
// Launcher: runs the CLI compiled to JavaScript (bin/build-cli.mjs: at install, and
// again whenever a source changed), so a command starts without transpiling.
// Falls back to running the TypeScript through tsx if compiling is not possible.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureCli } from "./build-cli.mjs";

let cli;
try {
  cli = await import(pathToFileURL(join(await ensureCli(), "bin", "cli.js")).href);
} catch (error) {
  if (process.env.JIUZHU_DEBUG) process.stderr.write(`jiuzhu: running from TypeScript (${error?.message ?? error})\n`);
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import("./cli.ts");
}
process.exitCode = await cli.main(process.argv);
