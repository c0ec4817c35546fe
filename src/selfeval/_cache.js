// The self-evaluation forms of every county and city, computed once per warehouse and code
// version (one TypeScript process for all pages: metrics/selfeval/batch.ts) into the temp
// folder; each page's loader then copies its own file. A changed warehouse or changed
// metrics code gives a new key, so a form is never served stale.
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync} from "node:fs";
import {createRequire} from "node:module";
import {tmpdir} from "node:os";
import {dirname, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const db = resolve(process.env.JIUZHU_DB ?? "data/warehouse.duckdb");

function* walk(dir) {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (/\.(ts|json)$/.test(e.name)) yield path;
  }
}

function cacheKey() {
  // the site's data version when the pipeline builds (bin/site.ts), else the warehouse file and the code
  if (process.env.JIUZHU_SITE_DATA_VERSION) return process.env.JIUZHU_SITE_DATA_VERSION.slice(0, 20);
  const h = createHash("sha256").update(db);
  if (existsSync(db)) {
    const s = statSync(db);
    h.update(`${s.size}:${s.mtimeMs}`);
  }
  for (const dir of ["metrics", "loaders"]) for (const f of walk(join(root, dir))) h.update(f).update(readFileSync(f));
  return h.digest("hex").slice(0, 20);
}

/** The bytes of the form `<code>.<ext>` (ext xlsx or docx). */
export function selfEvalFile(code, ext) {
  const dir = join(tmpdir(), "jiuzhu-selfeval", cacheKey());
  if (!existsSync(dir)) {
    const work = `${dir}.${process.pid}`;
    const tsx = createRequire(import.meta.url).resolve("tsx/cli");
    const run = spawnSync(process.execPath, [tsx, join(root, "metrics/selfeval/batch.ts"), work], {stdio: ["ignore", "inherit", "inherit"], env: {...process.env, JIUZHU_DB: db}});
    if (run.status !== 0) {
      rmSync(work, {recursive: true, force: true});
      throw new Error(`self-evaluation batch failed (exit ${run.status})`);
    }
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, {recursive: true, force: true}); // another loader finished first
    }
  }
  const file = join(dir, `${code}.${ext}`);
  if (!existsSync(file)) throw new Error(`no self-evaluation form for ${code} (no figures of the latest complete year)`);
  return readFileSync(file);
}
