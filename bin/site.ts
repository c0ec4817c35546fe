// Building the static site: offline, atomically, and without redoing loader work.
//
// - Offline: Framework resolves every `npm:` specifier its own client runtime names
//   (react-dom for JSX, d3, arquero … for the implicit globals) by asking the public
//   registry for a version, unless a version folder exists in its cache
//   (`.observablehq/cache/_npm/<name>@<version>`). We seed those folders from the
//   versions installed in node_modules (a pinned version for the few we do not
//   install: they are only named in lazy imports our pages never run), and the build
//   process runs with `fetch` disabled, so any lookup fails the build on any machine.
// - Atomic: Framework builds into a fresh folder next to `dist/`; `dist/` is replaced
//   by renames only once the build succeeded, so a failed build keeps the last site.
// - Incremental: Framework's module cache is kept between builds. Its loader outputs
//   are kept while the site's data version (warehouse lineage and mart versions, and
//   the code the loaders run) is unchanged, and dropped when it changes — Framework's
//   build reuses stale loader outputs (it compares only the loader file's mtime).
// - Fast: Framework runs one process per loader output, one after another (600 of them
//   for the demo province, ~0.1 s each). The build fills Framework's loader cache first:
//   the two batches (site files, self-evaluation forms) once each and the page-level
//   loaders, side by side on every core; Framework then finds every output fresh.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { basename, delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Framework's own folder in node_modules. */
export function frameworkDir(): string {
  return dirname(require.resolve("@observablehq/framework/package.json"));
}

/**
 * Versions for the packages Framework's client runtime names but we do not install.
 * They appear only in lazy imports of implicit libraries (JSX, Leaflet, Mapbox …) that
 * no page of ours uses; the build needs a version to write the import, never the file.
 */
export const UNINSTALLED_NPM_PINS: Readonly<Record<string, string>> = {
  react: "19.2.0",
  "react-dom": "19.2.0",
  d3: "7.9.0",
  "d3-dsv": "3.0.1",
  lodash: "4.17.21",
  leaflet: "1.9.4",
  "mapbox-gl": "3.15.0",
  echarts: "6.0.0",
  mermaid: "11.12.0",
  katex: "0.16.22",
  jszip: "3.10.1",
  "sql.js": "1.13.0",
  "parquet-wasm": "0.6.1",
  "vega-lite-api": "5.0.0",
  "@viz-js/viz": "3.16.0",
  "@uwdata/vgplot": "0.18.0",
  "@observablehq/inputs": "0.12.0",
  "@observablehq/duckdb": "0.1.0",
  "@observablehq/sample-datasets": "1.0.1",
};

/** Package names of every `npm:` specifier in Framework's client runtime. */
export function clientNpmNames(dir = join(frameworkDir(), "dist", "client")): string[] {
  const names = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts)$/.test(e.name)) {
        for (const m of readFileSync(p, "utf8").matchAll(/["'`]npm:((?:@[\w.-]+\/)?[\w.-]+)/g)) names.add(m[1]!);
      }
    }
  };
  walk(dir);
  return [...names].sort();
}

/** The version of `name` installed for the project: the nearest node_modules/<name> upwards, as Node resolves it. */
function installedVersion(name: string, projectRoot: string): string | undefined {
  for (let dir = resolve(projectRoot); ; dir = dirname(dir)) {
    const path = join(dir, "node_modules", name, "package.json");
    if (existsSync(path)) return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Give Framework a local version for every package its client runtime names, so it never
 * asks the registry. Returns the seeded `name@version` list. A name with neither an
 * installed version nor a pin is an error naming it (a Framework upgrade added one).
 */
export function seedNpmVersions(srcRoot: string, projectRoot = process.cwd(), names = clientNpmNames()): string[] {
  const npmDir = join(srcRoot, ".observablehq", "cache", "_npm");
  const seeded: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    if (name === "@duckdb/duckdb-wasm") continue; // Framework pins its own version: no lookup
    const version = installedVersion(name, projectRoot) ?? UNINSTALLED_NPM_PINS[name];
    if (!version) {
      unknown.push(name);
      continue;
    }
    const existing = existsSync(join(npmDir, dirname(name))) ? readdirSync(join(npmDir, dirname(name))) : [];
    // keep whatever version folder is there for this name (Framework picks the highest)
    const prefix = `${basename(name)}@`;
    for (const entry of existing) if (entry.startsWith(prefix) && entry !== `${prefix}${version}`) rmSync(join(npmDir, dirname(name), entry), { recursive: true, force: true });
    mkdirSync(join(npmDir, `${name}@${version}`), { recursive: true });
    seeded.push(`${name}@${version}`);
  }
  if (unknown.length > 0) {
    throw new Error(
      `Framework's client names npm packages with no local version: ${unknown.join(", ")} — install them or add a pin to UNINSTALLED_NPM_PINS in bin/site.ts`,
    );
  }
  return seeded;
}

/** Files whose content decides what the data loaders write (hashed into the data version). */
function* codeFiles(projectRoot: string, srcRoot: string): Generator<string> {
  const walk = function* (dir: string, keep: (name: string) => boolean): Generator<string> {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) yield* walk(p, keep);
      else if (keep(e.name)) yield p;
    }
  };
  // src/: loaders (double extension) and the shared modules they import; not the pages
  yield* walk(srcRoot, (n) => /\.(ts|js|json|mjs)$/.test(n) && !n.endsWith(".md"));
  for (const dir of ["metrics", "loaders"]) yield* walk(join(projectRoot, dir), (n) => /\.(ts|js|json)$/.test(n));
  for (const f of ["package-lock.json", "data/holidays.json"]) if (existsSync(join(projectRoot, f))) yield join(projectRoot, f);
}

/** Queries whose rows identify what the warehouse holds; a missing table contributes nothing. */
const VERSION_QUERIES: readonly [string, string][] = [
  ["meta_delivery", "SELECT delivery_id, content_hash, status, superseded_by, rows_loaded, rows_rejected FROM meta_delivery ORDER BY delivery_id"],
  ["meta_indicator_window", 'SELECT "window", data_version FROM meta_indicator_window ORDER BY 1'],
  ["mart_score", "SELECT config_version, count(*) AS n, max(computed_at) AS at FROM mart_score GROUP BY 1 ORDER BY 1"],
  ["meta_allocation", "SELECT count(*) AS n, max(run_id) AS last FROM meta_allocation"],
  ["mart_quality", "SELECT count(*) AS n FROM mart_quality"],
];

/**
 * The site's data version: a hash of the warehouse's lineage and mart versions and of the
 * code the data loaders run. Equal versions mean equal loader outputs.
 */
export async function siteDataVersion(db: string, projectRoot = process.cwd(), srcRoot = join(projectRoot, "src")): Promise<string> {
  const h = createHash("sha256").update("jiuzhu-site-data-v1\n");
  if (existsSync(db)) {
    const { Warehouse } = await import("../loaders/db.js");
    const wh = await Warehouse.open(db, { readOnly: true });
    try {
      const tables = new Set(
        (await wh.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables")).map((r) => r.t),
      );
      for (const [table, sql] of VERSION_QUERIES) {
        if (!tables.has(table)) continue;
        let rows: unknown[];
        try {
          rows = await wh.query(sql);
        } catch {
          rows = await wh.query(`SELECT count(*) AS n FROM ${table}`); // a column this query names is gone
        }
        h.update(`${table}\n`).update(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
      }
    } finally {
      wh.close();
    }
  } else {
    h.update("no warehouse\n");
  }
  for (const f of codeFiles(projectRoot, srcRoot)) h.update(relative(projectRoot, f)).update(new Uint8Array(readFileSync(f)));
  return h.digest("hex").slice(0, 24);
}

const STAMP = ".jiuzhu-data-version";
/** Cache folders that hold Framework's modules (kept across data versions). */
const MODULE_CACHE = new Set(["_npm", "_node", "_jsr", "_observablehq", "_duckdb", "_import"]);

/**
 * Drop the loader outputs of Framework's cache when the data version changed; keep the
 * module cache. Returns whether outputs were dropped.
 */
export function invalidateLoaderCache(srcRoot: string, version: string): boolean {
  const cache = join(srcRoot, ".observablehq", "cache");
  const stamp = join(cache, STAMP);
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === version) return false;
  if (existsSync(cache)) {
    for (const entry of readdirSync(cache)) {
      if (MODULE_CACHE.has(entry) || entry === STAMP) continue;
      rmSync(join(cache, entry), { recursive: true, force: true });
    }
  }
  mkdirSync(cache, { recursive: true });
  writeFileSync(stamp, `${version}\n`);
  return true;
}

/** Loaders of the site that take no parameters (`name.ext.ts|js`, not under a `_` folder or file). */
export function plainLoaders(srcRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith(".") || e.name.startsWith("_") || e.name.includes("[")) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^[^.]+\.[a-z0-9]+\.(ts|js)$/.test(e.name)) found.push(p);
    }
  };
  walk(srcRoot);
  return found;
}

/** Run a command with stdout into `target` (written whole, then renamed in place). */
function runTo(label: string, args: string[], target: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise<void>((ok, fail) => {
    const temp = target ? `${target}.${process.pid}` : undefined;
    if (temp) mkdirSync(dirname(temp), { recursive: true });
    const out = temp ? createWriteStream(temp) : undefined;
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", out ? "pipe" : "ignore", "inherit"] });
    if (out) child.stdout!.pipe(out);
    child.on("error", fail);
    child.on("close", (code, signal) => {
      const done = (): void => {
        if (code === 0 && temp && target) renameSync(temp, target);
        if (code !== 0 && temp) rmSync(temp, { force: true });
        if (code === 0) ok();
        else fail(new Error(`${label} exited ${code ?? signal}`));
      };
      if (out && !out.closed) out.once("close", done).end();
      else done();
    });
  });
}

/** Run tasks with at most `width` at a time; the first failure is thrown once all have settled. */
async function pool(tasks: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  if (errors.length > 0) throw errors[0];
}

/** Copy every file under `from` to `to`, keeping the relative paths. Returns the count. */
function copyTree(from: string, to: string): number {
  let n = 0;
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) n += copyTree(src, dst);
    else {
      mkdirSync(to, { recursive: true });
      copyFileSync(src, `${dst}.${process.pid}`);
      renameSync(`${dst}.${process.pid}`, dst);
      n++;
    }
  }
  return n;
}

/**
 * Fill Framework's loader cache for this data version, so the build runs no loader: the
 * site and self-evaluation batches (each one process, in the shared batch cache the
 * parameterised loaders read) and every plain loader, `width` at a time. Outputs already
 * in the cache are kept (same data version). Returns how many files were put in place.
 */
export async function prefillLoaderCache(
  srcRoot: string,
  projectRoot: string,
  db: string,
  dataVersion: string,
  width = Math.max(2, availableParallelism()),
): Promise<number> {
  const cache = join(srcRoot, ".observablehq", "cache");
  // the site's own modules, from the project (the compiled CLI mirrors only bin/, loaders/, metrics/)
  const fromSite = (path: string): string => pathToFileURL(join(srcRoot, path)).href;
  let batchDirOf = (_name: string): string => "";
  const batches: { name: string; script: string; under: string; parts: number }[] = [];
  if (existsSync(join(srcRoot, "data", "_cached.js"))) {
    const { SITE_BATCH, batchPath } = (await import(fromSite("data/_cached.js"))) as typeof import("../src/data/_cached.js");
    batchDirOf = (name) => batchPath(name, dataVersion);
    // the site batch is the longest: in two shares (src/data/_batch.ts PART/PARTS)
    batches.push({ ...SITE_BATCH, under: ".", parts: 2 });
    if (existsSync(join(srcRoot, "selfeval", "_cache.js"))) {
      const { SELFEVAL_BATCH } = (await import(fromSite("selfeval/_cache.js"))) as typeof import("../src/selfeval/_cache.js");
      batches.push({ ...SELFEVAL_BATCH, under: "selfeval", parts: 1 });
    }
  }
  const tsx = require.resolve("tsx/cli");
  const env = { ...process.env, JIUZHU_DB: db, JIUZHU_SITE_DATA_VERSION: dataVersion };
  let placed = 0;
  // A batch in `parts` shares (processes side by side) into one work folder, put in place once all are done.
  const batch = (b: { name: string; script: string; under: string; parts: number }): (() => Promise<void>)[] => {
    const dir = batchDirOf(b.name);
    if (existsSync(dir)) return [async () => void (placed += copyTree(dir, join(cache, b.under)))];
    const work = `${dir}.${process.pid}`;
    rmSync(work, { recursive: true, force: true });
    let left = b.parts;
    let failed = false;
    return Array.from({ length: b.parts }, (_, k) => async (): Promise<void> => {
      const args = [tsx, b.script, work, ...(b.parts > 1 ? [`${k}/${b.parts}`] : [])];
      try {
        await runTo(relative(projectRoot, b.script), args, undefined, env, projectRoot);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        left--;
        if (left === 0 && failed) rmSync(work, { recursive: true, force: true });
      }
      if (left > 0 || failed) return;
      try {
        renameSync(work, dir);
      } catch {
        rmSync(work, { recursive: true, force: true }); // a loader run by hand finished first
      }
      placed += copyTree(dir, join(cache, b.under));
    });
  };
  const loaders = plainLoaders(srcRoot)
    .map((loader) => ({ loader, target: join(cache, relative(srcRoot, loader).replace(/\.(ts|js)$/, "")) }))
    .filter(({ target }) => !existsSync(target))
    .map(({ loader, target }) => async (): Promise<void> => {
      await runTo(relative(projectRoot, loader), loader.endsWith(".ts") ? [tsx, relative(projectRoot, loader)] : [relative(projectRoot, loader)], target, env, projectRoot);
      placed++;
    });
  // the batches first: they are the longest
  await pool([...batches.flatMap(batch), ...loaders], width);
  return placed;
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

/**
 * Put a finished build in place of `out` by renames: the old site stays until the new
 * one is complete, and comes back if the swap fails half-way.
 */
export function replaceDir(built: string, out: string): void {
  const old = `${out}.old-${process.pid}`;
  const hadOld = existsSync(out);
  if (hadOld) renameSync(out, old);
  try {
    renameSync(built, out);
  } catch (error) {
    if (hadOld) renameSync(old, out);
    throw error;
  }
  if (hadOld) rmSync(old, { recursive: true, force: true });
}

export interface SiteBuildOptions {
  /** Warehouse the data loaders read. */
  db: string;
  /** Framework config file (default: observablehq.config.ts in the project). */
  config?: string;
  /** Framework source root of that config (default: src). */
  root?: string;
  /** Where the finished site goes (default: dist). */
  out?: string;
  /** Project root (node_modules, metrics/, loaders/). */
  projectRoot?: string;
  /** Report one line of progress. */
  log?: (message: string) => void;
  /** Seed Framework's npm versions from node_modules (default true; false only to prove the guard). */
  seed?: boolean;
}

export interface SiteBuildResult {
  out: string;
  dataVersion: string;
  /** True when the loader outputs were dropped and recomputed. */
  dataChanged: boolean;
  seconds: number;
}

/** Build the site offline into a temporary folder, then swap it in for `out`. */
export async function buildSite(options: SiteBuildOptions): Promise<SiteBuildResult> {
  const started = performance.now();
  const projectRoot = resolve(options.projectRoot ?? process.cwd());
  const config = resolve(projectRoot, options.config ?? "observablehq.config.ts");
  const root = resolve(projectRoot, options.root ?? "src");
  const out = resolve(projectRoot, options.out ?? "dist");
  const log = options.log ?? (() => {});
  const db = resolve(projectRoot, options.db);

  if (options.seed !== false) seedNpmVersions(root, projectRoot);
  const dataVersion = await siteDataVersion(db, projectRoot, root);
  const dataChanged = invalidateLoaderCache(root, dataVersion);
  log(dataChanged ? `data version ${dataVersion}: loader outputs recomputed` : `data version ${dataVersion} unchanged: loader outputs reused`);
  const prefillStarted = performance.now();
  try {
    const placed = await prefillLoaderCache(root, projectRoot, db, dataVersion);
    log(`loader outputs: ${placed} computed in ${((performance.now() - prefillStarted) / 1000).toFixed(1)} s`);
  } catch (error) {
    throw new Error(`site build failed: a data loader failed (${error instanceof Error ? error.message : String(error)}); ${relative(projectRoot, out) || out} is unchanged`);
  }

  const building = join(dirname(out), `.${basename(out)}.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  const cli = join(frameworkDir(), "dist", "bin", "observable.js");
  const guard = pathToFileURL(join(here, "offline-guard.mjs")).href;
  try {
    await new Promise<void>((ok, fail) => {
      const child = spawn(process.execPath, ["--import", "tsx/esm", "--import", guard, cli, "build", "--config", config], {
        cwd: projectRoot,
        stdio: ["ignore", "inherit", "inherit"],
        env: {
          ...process.env,
          // Framework runs TypeScript data loaders with `tsx` from PATH.
          PATH: [join(projectRoot, "node_modules", ".bin"), process.env.PATH].join(delimiter),
          JIUZHU_DB: db,
          JIUZHU_SITE_OUT: building,
          JIUZHU_SITE_DATA_VERSION: dataVersion,
          OBSERVABLE_TELEMETRY_DISABLE: "true",
        },
      });
      child.on("error", fail);
      child.on("exit", (code, signal) =>
        code === 0 ? ok() : fail(new Error(`site build failed (observable build exited ${code ?? signal}); ${relative(projectRoot, out) || out} is unchanged`)),
      );
    });
    if (!existsSync(join(building, "index.html"))) throw new Error(`site build wrote no index.html; ${out} is unchanged`);
    setDocumentLanguage(building);
    replaceDir(building, out);
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { out, dataVersion, dataChanged, seconds: (performance.now() - started) / 1000 };
}
