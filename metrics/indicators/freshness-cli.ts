// `jiuzhu report freshness`: per county and event ledger, the latest period delivered that covers
// it and how many months it lags the data, beside the completeness and timeliness of the monthly
// extracts. Registered on the loaders' `report` command (bin/cli.ts); only commander here.
import { Option, type Command } from "commander";
import { DEFAULT_DB } from "../../loaders/defaults.js";

export function registerFreshnessReport(report: Command): void {
  report
    .command("freshness")
    .description("per county: the latest period of each event ledger (applications, complaints, surveys, inspections) and its lag, beside monthly completeness")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .option("--region <code>", "a county, city or province code")
    .option("--stale", "only ledgers that lag the data or were never delivered")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (o: { db: string; region?: string; stale?: boolean; format: "table" | "csv" | "json" }) => {
      const [{ withWarehouse }, { runFreshness }] = await Promise.all([import("../../loaders/db.js"), import("./freshness.js")]);
      await withWarehouse(o.db, (wh) => runFreshness(wh, o));
    });
}
