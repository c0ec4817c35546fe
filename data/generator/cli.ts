// `jiuzhu demo`: generate the demo province's extracts (deterministic).
import type { Command } from "commander";
import { DEFAULT_OPTIONS } from "./defaults.js";
import type { DemoOptions, DemoSummary } from "./index.js";

/**
 * Generate with progress on stderr as ingest shows it: a bar on a terminal, a plain
 * line every few seconds when piped (counties, files, rows, rows/s, time left).
 */
export async function generateWithProgress(options: Omit<DemoOptions, "log" | "onCounty">): Promise<DemoSummary> {
  const [{ createMeter }, { generateDemo }] = await Promise.all([import("../../loaders/progress.js"), import("./index.js")]);
  let meter: ReturnType<typeof createMeter> | null = null;
  const started = performance.now();
  try {
    return await generateDemo({
      ...options,
      log: (line) => (meter ? meter.log(line) : process.stderr.write(`${line}\n`)),
      onCounty: (done, total, files, rows) => {
        meter ??= createMeter("demo", total);
        const s = Math.max(0.001, (performance.now() - started) / 1000);
        meter.update(done, `${done}/${total} counties | ${files} files | ${rows.toLocaleString("en")} rows | ${Math.round(rows / s).toLocaleString("en")} rows/s`);
      },
    });
  } finally {
    (meter as { stop(): void } | null)?.stop();
  }
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("generate the demo province's extracts and their ground truth (deterministic)")
    .requiredOption("--out <dir>", "output folder")
    .option("--province <code>", "2-digit province code", DEFAULT_OPTIONS.province)
    .option("--from <month>", "first month (YYYY-MM)", DEFAULT_OPTIONS.from)
    .option("--to <month>", "last month (YYYY-MM)", DEFAULT_OPTIONS.to)
    .option("--scale <share>", "share of the real caseload (1 = a full province)", String(DEFAULT_OPTIONS.scale))
    .option("--seed <n>", "random seed", String(DEFAULT_OPTIONS.seed))
    .option("--counties <codes>", "only these counties (comma-separated 6-digit codes), for quick runs")
    .action(async (opts: { out: string; province: string; from: string; to: string; scale: string; seed: string; counties?: string }) => {
      const scale = Number(opts.scale);
      const seed = Number(opts.seed);
      const summary = await generateWithProgress({
        out: opts.out,
        province: opts.province,
        from: opts.from,
        to: opts.to,
        scale,
        seed,
        ...(opts.counties ? { counties: opts.counties.split(",").map((c) => c.trim()) } : {}),
      });
      const rows = Object.entries(summary.rows)
        .map(([type, n]) => `${type} ${n}`)
        .join(", ");
      process.stdout.write(
        `${summary.provinceName}: ${summary.counties} counties, ${summary.files} files, ${(summary.bytes / 1e6).toFixed(1)} MB in ${summary.seconds} s\n` +
          `rows: ${rows}\nground truth: ${summary.ledger}\n`,
      );
    });
}
