// Demo generator benchmark: time, peak memory and output size of one run (the
// default: the whole province at scale 0.05 for 18 months). `tests/bench/run.bench.ts`
// calls benchGenerator(); `npx tsx tests/bench/generator.bench.ts [--scale 1]` runs it
// alone. Peak memory of a separate process is best read with `/usr/bin/time -v`;
// here it is the process's own maximum resident set size.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { generateDemo } from "../../data/generator/index.js";

export interface BenchGeneratorOptions {
  scale?: number;
  from?: string;
  to?: string;
  province?: string;
  /** Output folder (default: a temp folder, deleted afterwards). */
  out?: string;
  log?: (line: string) => void;
}

export interface BenchGeneratorFigures {
  scale: number;
  from: string;
  to: string;
  counties: number;
  files: number;
  rows: number;
  rosterRowsPerMonth: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMB: number;
  rowsByType: Record<string, number>;
}

export async function benchGenerator(opts: BenchGeneratorOptions = {}): Promise<BenchGeneratorFigures> {
  const scale = opts.scale ?? 0.05;
  const from = opts.from ?? "2025-01";
  const to = opts.to ?? "2026-06";
  const out = opts.out ?? mkdtempSync(join(tmpdir(), "jiuzhu-bench-demo-"));
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  try {
    const t0 = performance.now();
    const s = await generateDemo({ out, scale, from, to, province: opts.province ?? "15", ...(opts.log ? { log: opts.log } : {}) });
    const seconds = (performance.now() - t0) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    const rows = Object.values(s.rows).reduce((a, n) => a + n, 0);
    const months = Number(to.slice(0, 4)) * 12 + Number(to.slice(5)) - (Number(from.slice(0, 4)) * 12 + Number(from.slice(5))) + 1;
    return {
      scale,
      from,
      to,
      counties: s.counties,
      files: s.files,
      rows,
      rosterRowsPerMonth: Math.round((s.rows.roster ?? 0) / months),
      megabytes: Math.round(s.bytes / 1e5) / 10,
      seconds: Math.round(seconds * 10) / 10,
      rowsPerSecond: Math.round(rows / seconds),
      peakRssMB: Math.round(peak / 1e6),
      rowsByType: { ...s.rows } as Record<string, number>,
    };
  } finally {
    clearInterval(timer);
    if (!opts.out) rmSync(out, { recursive: true, force: true });
  }
}

export function formatGeneratorFigures(f: BenchGeneratorFigures): string {
  return [
    `demo generator, scale ${f.scale}, ${f.from}…${f.to}, ${f.counties} counties`,
    `  ${f.files} files, ${f.rows} rows (roster ${f.rosterRowsPerMonth} a month), ${f.megabytes} MB`,
    `  ${f.seconds} s, ${f.rowsPerSecond} rows/s, peak RSS ${f.peakRssMB} MB`,
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const figures = await benchGenerator({
    scale: Number(arg("scale") ?? 0.05),
    from: arg("from") ?? "2025-01",
    to: arg("to") ?? "2026-06",
    ...(arg("out") ? { out: arg("out")! } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${formatGeneratorFigures(figures)}\n`);
}
