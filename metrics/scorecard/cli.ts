// `jiuzhu score` and `jiuzhu allocate`.
import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { DEFAULT_DB } from "../../loaders/defaults.js";
import type { Column } from "../export/columns.js";

// The warehouse, DuckDB and the scoring code load when a command runs, not when its
// options are read: `jiuzhu score --help` and a refused argument answer at once.
const runtime = async () => {
  const [{ withWarehouse }, { computeScores }, { loadScorecardConfig, readJsonFile }, report, { toCsv }, { toTextTable }] = await Promise.all([
    import("../../loaders/db.js"),
    import("./compute.js"),
    import("./load.js"),
    import("./report.js"),
    import("../export/csv.js"),
    import("../export/table.js"),
  ]);
  return { withWarehouse, computeScores, loadScorecardConfig, readJsonFile, ...report, toCsv, toTextTable };
};

/** Parse a pool: whole yuan, with optional thousands separators, 元, or a 万 / 亿 multiplier. */
export function parsePool(text: string): number {
  const t = text.trim().replace(/[,_，\s]/g, "").replace(/元$/, "");
  const m = /^(\d+(?:\.\d+)?)(万|亿)?$/.exec(t);
  if (!m) throw new Error(`--pool "${text}" is not an amount in yuan (e.g. 50000000, 50,000,000 or 5000万)`);
  const [intPart, frac = ""] = m[1]!.split(".");
  const scale = m[2] === "亿" ? 8 : m[2] === "万" ? 4 : 0;
  if (frac.length > scale) throw new Error(`--pool "${text}" is not a whole number of yuan`);
  const digits = intPart! + frac.padEnd(scale, "0");
  const value = Number(BigInt(digits));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--pool "${text}" must be a positive amount below 9,007,199,254,740,991 yuan`);
  return value;
}

function emit(text: string | Uint8Array, out: string | undefined): void {
  if (out) {
    writeFileSync(out, text);
    process.stderr.write(`written ${out}\n`);
  } else process.stdout.write(text);
}

export function registerScoreCommands(program: Command): void {
  program
    .command("score")
    .description("score counties or cities for a window: composite, grade, rank and its change, decomposition (writes mart_score*)")
    .requiredOption("--window <window>", "reporting window: 2026-06, 2026-Q2, 2026-H1 or 2026")
    .addOption(new Option("--level <level>", "regions to show").choices(["county", "city"]).default("county"))
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .option("--config <file>", "scorecard configuration (default: metrics/scorecard/scorecard.default.json)")
    .option("--detail <code>", "show one region's points indicator by indicator")
    .option("--out <file>", "write to a file instead of standard output")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .action(async (opts: { window: string; level: string; format: string; config?: string; detail?: string; out?: string; db: string }) => {
      const { withWarehouse, computeScores, loadScorecardConfig, readDetail, readScores, DETAIL_COLUMNS, detailTable, flattenScores, scoreColumns, scoresJson, scoresTable, toCsv, toTextTable } =
        await runtime();
      const fresh = await import("../indicators/commands.js");
      opts.window = fresh.windowArg(opts.window);
      const cfg = loadScorecardConfig(opts.config);
      await withWarehouse(opts.db, async (wh) => {
        // Indicators of the window and the one before it (rank change), computed when missing or stale.
        await fresh.freshIndicators(wh, fresh.scoreWindows(opts.window));
        await computeScores(wh, { windows: [opts.window], config: cfg });
        const scored = await readScores(wh, opts.window, opts.level);
        const statuses = await fresh.scoreStatuses(wh, opts.window, scored, cfg.dimensions.flatMap((d) => d.indicators.map((i) => i.id)));
        const rows = scored.map((r) => ({ ...r, ...statuses.get(r.region_code)! }));
        if (rows.length === 0) throw new Error(`no ${opts.level} scores for window ${opts.window}`);
        if (opts.detail) {
          const detail = await readDetail(wh, opts.window, opts.level, opts.detail, cfg);
          if (detail.length === 0)
            fresh.usageError(`no ${opts.level} ${opts.detail} in window ${opts.window}; nearest: ${fresh.nearestCodes(opts.detail, rows.map((r) => r.region_code)).map((c) => `${c} ${rows.find((r) => r.region_code === c)?.region_name ?? ""}`.trim()).join(", ")}`);
          const score = rows.find((r) => r.region_code === opts.detail);
          if (opts.format === "json") emit(JSON.stringify({ score, indicators: detail }, null, 2) + "\n", opts.out);
          else if (opts.format === "csv") emit(toCsv(detail, DETAIL_COLUMNS), opts.out);
          else emit(detailTable(detail, score), opts.out);
          return;
        }
        const status: Column[] = [
          { key: "status", header: "状态" },
          { key: "reason", header: "说明" },
        ];
        if (opts.format === "json") emit(scoresJson(rows), opts.out);
        else if (opts.format === "csv") emit(toCsv(flattenScores(rows, cfg), [...scoreColumns(cfg), ...status]), opts.out);
        else {
          // The ranked table with a status column; the reasons of those not ok listed below it.
          const [head, ...rest] = scoresTable(rows, cfg, opts.window, opts.level).split("\n");
          const flat = flattenScores(rows, cfg).map((r) => ({
            ...r,
            na_text: (r.na_indicators as string[]).length || "",
            gap_text: (r.gaps as string[]).length || "",
            funnel_text: (r.funnel_outside as string[]).length || "",
          }));
          const notOk = rows.filter((r) => r.status !== "ok");
          emit(
            `${head}\n${toTextTable(flat, [...scoreColumns(cfg), status[0]!])}${rest.filter((l) => l.startsWith("（")).join("\n")}\n` +
              (notOk.length ? toTextTable(notOk, [{ key: "region_code", header: "区划代码" }, { key: "region_name", header: "名称" }, ...status]) : ""),
            opts.out,
          );
        }
      });
    });

  program
    .command("allocate")
    .description("allocate a 以奖代补 reward pool over the counties (or the cities, then their counties) by need, fiscal difficulty and performance (records the run)")
    .requiredOption("--window <window>", "reporting window whose scores count: 2026, 2026-H1, …")
    .requiredOption("--pool <amount>", "the pool in yuan (50000000, 50,000,000 or 5000万)")
    .addOption(new Option("--level <level>", "county: straight to the counties; city: over the cities first, then each city's amount over its counties").choices(["county", "city"]).default("county"))
    .option("--config <file>", "allocation configuration (default: metrics/allocation/allocation.default.json)")
    .option("--scorecard <file>", "scorecard configuration (default: the shipped one)")
    .option("--previous <run_id>", "the previous allocation to cap changes against (default: the latest run of the previous window)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json", "xlsx"]).default("table"))
    .option("--out <file>", "write to a file (required for xlsx; csv also writes the audit facts to …-audit.csv beside it)")
    .option("--no-record", "do not record the run in meta_allocation / mart_allocation")
    .option("--compare <run_id>", "check the inputs against a recorded run: same hash, or what changed")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .action(
      async (opts: {
        window: string;
        pool: string;
        level: "county" | "city";
        config?: string;
        scorecard?: string;
        previous?: string;
        format: string;
        out?: string;
        record: boolean;
        compare?: string;
        db: string;
      }) => {
        const { withWarehouse, computeScores, loadScorecardConfig, readJsonFile } = await runtime();
        const fresh = await import("../indicators/commands.js");
        opts.window = fresh.windowArg(opts.window);
        const pool = parsePool(opts.pool);
        if (opts.format === "xlsx" && !opts.out) throw new Error("--format xlsx needs --out FILE");
        const [{ DEFAULT_ALLOCATION, parseAllocationConfig }, report, { compareWithRecorded, runAllocation }] = await Promise.all([
          import("../allocation/config.js"),
          import("../allocation/report.js"),
          import("../allocation/run.js"),
        ]);
        const config = opts.config ? parseAllocationConfig(readJsonFile(opts.config, "allocation configuration"), `allocation configuration ${opts.config}`) : DEFAULT_ALLOCATION;
        const scorecard = loadScorecardConfig(opts.scorecard);
        await withWarehouse(opts.db, async (wh) => {
          await fresh.freshForAllocation(wh, opts.window, () => computeScores(wh, { windows: [opts.window], config: scorecard }), scorecard.version);
          // An impossible set of floors, caps or change limits throws AllocationInfeasibleError:
          // one Chinese line naming each constraint and the amount missing, exit 1, nothing recorded.
          const run = await runAllocation(wh, {
            window: opts.window,
            pool,
            level: opts.level,
            config,
            scorecard,
            previousRunId: opts.previous ?? null,
            record: opts.record,
          });
          if (opts.format === "json") emit(report.allocationJson(run), opts.out);
          else if (opts.format === "csv") {
            emit(report.allocationCsv(run), opts.out);
            if (opts.out) emit(report.allocationAuditCsv(run), auditPath(opts.out));
            else process.stderr.write("the audit facts are not in the CSV: write it with --out FILE to get FILE-audit.csv beside it\n");
          } else if (opts.format === "xlsx") emit(report.allocationXlsx(run), opts.out);
          else emit(report.allocationTable(run), opts.out);
          if (run.run_id) process.stderr.write(`recorded allocation run ${run.run_id} (input hash ${run.input_hash.slice(0, 16)})\n`);
          if (opts.compare) {
            const cmp = await compareWithRecorded(wh, run, opts.compare);
            if (cmp.same) process.stderr.write(`inputs identical to run ${opts.compare} (same hash): same money\n`);
            else {
              process.stderr.write(`inputs differ from run ${opts.compare}:\n`);
              for (const d of cmp.differences) process.stderr.write(`  ${d.what}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}\n`);
            }
          }
        });
      },
    );
}

/** allocation.csv → allocation-audit.csv (beside it). */
export function auditPath(out: string): string {
  return /\.csv$/i.test(out) ? out.replace(/\.csv$/i, "-audit.csv") : `${out}-audit.csv`;
}
