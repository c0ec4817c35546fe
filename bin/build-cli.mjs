// Compiles the CLI's TypeScript (bin/, loaders/, metrics/, data/generator/) to JavaScript
// in node_modules/.cache/jiuzhu-cli/, a mirror of the project where every other file is a
// symlink to the original — so paths taken relative to a module (package.json,
// data/holidays.json, default configs) resolve as they do from the sources, and edits
// to data files are seen at once. Run at install (`prepare`) and by the launcher
// whenever a source is newer than the mirror. Plain JavaScript: it runs before anything
// is compiled.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUT = join(ROOT, "node_modules", ".cache", "jiuzhu-cli");
const STAMP = ".sources.json";

/** Source folders compiled into the mirror; files (not folders) linked beside them. */
const DIRS = ["bin", "loaders", "metrics", "data/generator"];
const LINKED = ["package.json", "data/holidays.json", "data/maps"];

/** Every file of the compiled folders: [path relative to ROOT, mtime, size]. */
function sources(root = ROOT) {
  const files = [];
  const walk = (rel) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith(".") || e.name === "node_modules") continue;
      const path = join(rel, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile() || e.isSymbolicLink()) {
        const s = statSync(join(root, path));
        files.push([path, s.mtimeMs, s.size]);
      }
    }
  };
  for (const dir of DIRS) if (existsSync(join(root, dir))) walk(dir);
  return files;
}

const fingerprint = (files) => createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 16);

function link(target, path) {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(relative(dirname(path), target), path);
}

/**
 * The compiled CLI for the sources as they are now: `OUT/<fingerprint>/`, compiled first
 * if missing. Each version has its own folder, written to a temporary one and renamed into
 * place, so processes starting at once never see a half-written or replaced mirror.
 */
export async function ensureCli(root = ROOT, out = OUT) {
  const files = sources(root);
  const dir = join(out, fingerprint(files));
  if (existsSync(join(dir, STAMP))) return dir;
  const { transform } = await import("esbuild");
  const work = `${dir}.${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  await Promise.all(
    files.map(async ([path]) => {
      const source = join(root, path);
      if (path.endsWith(".ts") && !path.endsWith(".d.ts")) {
        const { code } = await transform(readFileSync(source, "utf8"), {
          loader: "ts",
          format: "esm",
          target: "node20.10", // import attributes (`with { type: "json" }`) need 20.10
          sourcefile: source,
          sourcemap: "inline",
        });
        const target = join(work, path.replace(/\.ts$/, ".js"));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, code);
      } else {
        link(source, join(work, path));
      }
    }),
  );
  for (const path of LINKED) if (existsSync(join(root, path))) link(join(root, path), join(work, path));
  writeFileSync(join(work, STAMP), JSON.stringify(files));
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another process compiled the same sources first
  }
  // earlier versions, unused for a day, go
  for (const e of readdirSync(out)) {
    const p = join(out, e);
    if (p !== dir && !e.includes(".") && Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true });
  }
  return dir;
}

// `node bin/build-cli.mjs` (the `prepare` script)
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const dir = await ensureCli();
  const n = sources().filter(([p]) => p.endsWith(".ts")).length;
  process.stderr.write(`jiuzhu: CLI compiled (${n} modules) into ${relative(ROOT, dir)} in ${Math.round(performance.now() - started)} ms\n`);
}
