// `npm run bench [-- --scale 1 --months 12 --only generator,ingest,indicators]`:
// each benchmark runs in its own process (so its peak memory is its own) and
// reports ratios against a reference measured in the same run where one exists
// (ingest against DuckDB's bare read_csv of the same files; the overview page
// against a light page of the same site, which needs `npm run build` first).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};

const scale = arg("scale", "1");
const months = Number(arg("months", "12"));
const only = new Set(arg("only", "cli,generator,ingest,indicators,site").split(","));
const to = `2025-${String(months).padStart(2, "0")}`;
const work = join(tmpdir(), "jiuzhu-bench");
const demo = join(work, `demo-s${scale}-2025-01-${to}`);
mkdirSync(work, { recursive: true });

function bench(file: string, args: string[]): void {
  process.stderr.write(`\n== ${file} ${args.join(" ")}\n`);
  const result = spawnSync(process.execPath, ["--import", "tsx", join("tests/bench", file), ...args], {
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`${file} failed (exit ${result.status})`);
}

if (only.has("cli")) bench("cli.bench.ts", ["--runs", "15"]);
if (only.has("generator") || (only.has("ingest") && !existsSync(join(demo, "ground_truth.json")))) {
  bench("generator.bench.ts", ["--scale", scale, "--from", "2025-01", "--to", to, "--out", demo]);
}
if (only.has("ingest")) bench("ingest.bench.ts", [demo]);
if (only.has("indicators")) bench("indicators.bench.ts", ["--scale", scale, "--months", "18"]);
if (only.has("site")) bench("site.bench.ts", ["--runs", "5"]);
