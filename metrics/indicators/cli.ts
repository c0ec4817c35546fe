// `jiuzhu indicators` and `jiuzhu cases`: read mart_indicator / mart_case, computing the window
// first when it is missing or stale. Only commander here; the work loads when a command runs.
import { Option, type Command } from "commander";
import { DEFAULT_DB } from "../../loaders/defaults.js";

type Format = "table" | "csv" | "json";

export function registerIndicatorCommands(program: Command): void {
  program
    .command("indicators")
    .description("indicator values for a window, with status (ok, provisional, na, gap), reason and months covered (computed first when missing or stale)")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .requiredOption("--window <window>", "2026-06, 2026-Q2, 2026-H1 or 2026")
    .addOption(new Option("--level <level>", "region level").choices(["county", "city", "province"]))
    .option("--indicator <id>", "one indicator")
    .option("--region <code>", "a region and what lies in it (2-, 4- or 6-digit code)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (o: { db: string; window: string; level?: string; indicator?: string; region?: string; format: Format }) => {
      const [{ withWarehouse }, { runIndicators, windowArg, indicatorArg }] = await Promise.all([import("../../loaders/db.js"), import("./commands.js")]);
      windowArg(o.window);
      if (o.indicator) indicatorArg(o.indicator);
      await withWarehouse(o.db, (wh) => runIndicators(wh, o));
    });
  program
    .command("cases")
    .description("the case list behind a problem count (personal data masked), with the status of each county's figure")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .requiredOption("--indicator <id>", "an indicator with a case list (process.on_time_rate, integrity.duplicate_persons, …)")
    .requiredOption("--window <window>", "2026-06, 2026-Q2, 2026-H1 or 2026")
    .option("--region <code>", "a county, city or province code")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (o: { db: string; indicator: string; window: string; region?: string; format: Format }) => {
      const [{ withWarehouse }, { runCases, windowArg, indicatorArg }, { CASE_INDICATORS }] = await Promise.all([
        import("../../loaders/db.js"),
        import("./commands.js"),
        import("./cases.js"),
      ]);
      windowArg(o.window);
      indicatorArg(o.indicator, CASE_INDICATORS, "case list");
      await withWarehouse(o.db, (wh) => runCases(wh, o));
    });
}
