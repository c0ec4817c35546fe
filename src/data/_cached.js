// The parameterised loaders (region, indicator, bulletin pages) read their file from
// one batch computation (_batch.ts), cached in the temp folder under a key of the
// warehouse (path, size, mtime) and of the code it runs (src/data/_*, metrics/,
// loaders/, src/components/*.ts) — so 180 pages cost one
// pass over the warehouse instead of 180 TypeScript processes, and a changed
// warehouse is never served stale.
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync} from "node:fs";
import {createRequire} from "node:module";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const db = resolve(process.env.JIUZHU_DB ?? "data/warehouse.duckdb");

/** A cache folder's name from a key (20 hex digits are plenty). */
const shortKey = (key) => key.slice(0, 20);

function cacheKey() {
  // The pipeline passes the site's data version (bin/site.ts): warehouse lineage, mart
  // versions and the loaders' code. Run by hand, key on the warehouse file and the code.
  if (process.env.JIUZHU_SITE_DATA_VERSION) return shortKey(process.env.JIUZHU_SITE_DATA_VERSION);
  const h = createHash("sha256").update(db);
  if (existsSync(db)) {
    const s = statSync(db);
    h.update(`${s.size}:${s.mtimeMs}`);
  }
  for (const f of readdirSync(here).filter((f) => f.startsWith("_")).sort()) h.update(f).update(readFileSync(join(here, f)));
  // the metric and loader code the batch imports (catalogue labels, scorecard rules …)
  // and the browser-safe site modules the loaders import too (legend sets, control charts)
  for (const dir of ["metrics", "loaders", "src/components"]) for (const f of walk(resolve(here, "../..", dir))) h.update(f).update(readFileSync(f));
  return shortKey(h.digest("hex"));
}

function* walk(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (/\.(ts|json)$/.test(e.name)) yield path;
  }
}

/**
 * The output folder of a batch script, run once per cache key (`tsx script OUT_DIR`) by
 * whoever needs it first; the others find the folder. `name` names the cache folder.
 * (The site build, bin/site.ts, runs the batches itself into the same folders, see batchPath.)
 */
function batchDir(name, script) {
  const dir = batchPath(name);
  if (!existsSync(dir)) {
    const work = `${dir}.${process.pid}`;
    const tsx = createRequire(import.meta.url).resolve("tsx/cli");
    const run = spawnSync(process.execPath, [tsx, script, work], {stdio: ["ignore", "inherit", "inherit"], env: {...process.env, JIUZHU_DB: db}});
    if (run.status !== 0) {
      rmSync(work, {recursive: true, force: true});
      throw new Error(`${name} batch failed (exit ${run.status})`);
    }
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, {recursive: true, force: true}); // another loader finished first
    }
  }
  return dir;
}

/**
 * Where the output folder of batch `name` is (or will be): under the site's data version
 * `version` when given (what the pipeline passes the loaders), else this process's cache key.
 */
export function batchPath(name, version) {
  return join(tmpdir(), name, version ? shortKey(version) : cacheKey());
}

/** The bytes of `relative` from the output folder of a batch script (see batchDir). */
export function batchOutput(name, script, relative) {
  const file = join(batchDir(name, script), relative);
  if (!existsSync(file)) throw new Error(`no ${relative} in the ${name} batch (not in the warehouse)`);
  return readFileSync(file);
}

/** The site batch: every region, case list, indicator and bulletin file (_batch.ts). */
export const SITE_BATCH = {name: "jiuzhu-site", script: join(here, "_batch.ts")};

/** The bytes of `relative` (e.g. "region/150102.json") from the site batch (_batch.ts). */
export function batchFile(relative) {
  return batchOutput(SITE_BATCH.name, SITE_BATCH.script, relative);
}

/** Write the batch file to stdout (the loader's output). */
export function emitBatchFile(relative) {
  process.stdout.write(batchFile(relative));
}
