// `jiuzhu ingest` and `jiuzhu report loads|rejects`.
// Top-level imports stay light (commander, the dictionary's names): the
// implementation loads when a subcommand runs, so `jiuzhu --help` starts at once.
import { existsSync } from "node:fs";
import { Option, type Command } from "commander";
import { EXTRACT_TYPES } from "./contracts/dictionary.js";
import { DEFAULT_DB } from "./defaults.js";
import type { ReportFormat } from "./report.js";

const dbDefault = () => process.env.JIUZHU_DB ?? DEFAULT_DB;

export function registerIngest(program: Command): void {
  program
    .command("ingest")
    .description("load extract files (CSV, XLSX, Parquet) into the warehouse")
    .option("--db <path>", "warehouse file", dbDefault())
    .addOption(new Option("--type <type>", "extract type of every file (else from the file name, else the header)").choices([...EXTRACT_TYPES]))
    .option("--received-at <time>", "delivery time of every file (default: each file's modification time)")
    .option("--quiet", "no progress output")
    .option("--expect-shrink", "a re-delivery may hold far fewer rows than the delivery it replaces (no warning)")
    .argument("<paths...>", "files or folders")
    .action(async (paths: string[], opts: { db: string; type?: string; receivedAt?: string; quiet?: boolean; expectShrink?: boolean }) => {
      const { ingestPaths } = await import("./ingest.js");
      const { describeResult, printable } = await import("./progress.js");
      const summary = await ingestPaths(opts.db, paths, { type: opts.type, receivedAt: opts.receivedAt, progress: !opts.quiet, expectShrink: opts.expectShrink });
      // with progress on, refused files were listed as they came; quiet runs still list them
      if (opts.quiet) for (const r of summary.files) if (r.status === "refused") process.stderr.write(`${describeResult(r)}\n`);
      // a shrinking re-delivery is said again at the end, whatever the progress output
      const { SHRINK } = await import("./ingest.js");
      for (const r of summary.files) for (const w of r.warnings) if (w.startsWith(SHRINK)) process.stderr.write(`WARNING ${printable(r.file)}: ${w}\n`);
      const rate = summary.seconds > 0 ? Math.round(summary.rowsRead / summary.seconds).toLocaleString("en") : "0";
      const hint = summary.rowsRejected > 0 ? `; the rejected rows: jiuzhu report rejects --db ${printable(opts.db)}` : "";
      process.stdout.write(
        `ingest: ${summary.files.length} file(s): ${summary.loaded} loaded, ${summary.unchanged} unchanged, ${summary.refused} refused; ` +
          `rows ${summary.rowsRead} read = ${summary.rowsLoaded} loaded + ${summary.rowsRejected} rejected; ` +
          `${summary.seconds.toFixed(1)} s (${rate} rows/s)${hint}\n`,
      );
      // a refused file makes the command fail (exit 1), after everything else was loaded and reported
      if (summary.refused > 0) throw new Error(`${summary.refused} file(s) refused, nothing of them loaded (reasons above)`);
    });

  const report = program.command("report").description("what the loads brought: deliveries and rejected rows");
  const common = (cmd: Command) =>
    cmd
      .option("--db <path>", "warehouse file", dbDefault())
      .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
      .option("--type <type>", "only this extract type")
      .option("--county <code>", "only this county (6-digit code)")
      .option("--period <period>", "only this period (YYYY-MM or YYYY)")
      .option("--file <name>", "only this file name")
      .option("--delivery <id>", "only this delivery", (v) => Number.parseInt(v, 10))
      .option("--limit <n>", "at most n rows", (v) => Number.parseInt(v, 10));
  type Opts = { db: string; format: ReportFormat; type?: string; county?: string; period?: string; file?: string; delivery?: number; limit?: number; current?: boolean; unmasked?: boolean };
  const run = async (what: "loads" | "rejects", opts: Opts) => {
    if (!existsSync(opts.db)) throw new Error(`no warehouse at ${opts.db}: run jiuzhu ingest first`);
    const { db, format, ...filter } = opts;
    const { runReport } = await import("./report.js");
    process.stdout.write(await runReport(db, what, format, filter));
  };
  common(report.command("loads").description("per delivery: type, county, period, rows read/loaded/rejected, status, warnings"))
    .option("--current", "current deliveries only")
    .action((opts: Opts) => run("loads", opts));
  common(report.command("rejects").description("per rejected row: file, line, column, value, reason (ID numbers and names masked)"))
    .option("--unmasked", "show ID numbers and names as delivered (personal data: handle the output accordingly)")
    .action((opts: Opts) => {
      if (opts.unmasked) process.stderr.write("report rejects: ID numbers and names are shown unmasked; this output is personal data\n");
      return run("rejects", opts);
    });
}
