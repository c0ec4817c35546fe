// `jiuzhu report self-evaluation`: the 项目支出绩效自评表 per county and year, XLSX and DOCX.
// Registered under the `report` command (loaders/cli.ts); the work is loaded on use.
import { Option, type Command } from "commander";
import { DEFAULT_DB } from "../../loaders/defaults.js";

export function registerSelfEvaluationReport(report: Command): void {
  report
    .command("self-evaluation")
    .description("项目支出绩效自评表 of a county (or all counties) and year from the marts: XLSX and DOCX into --out")
    .requiredOption("--year <year>", "the year evaluated, e.g. 2025")
    .option("--county <code>", "a county's (or city's) division code")
    .option("--all", "every county with figures for the year")
    .addOption(new Option("--format <format>", "files to write").choices(["xlsx", "docx", "both"]).default("both"))
    .option("--config <file>", "indicator set, targets and points (default: metrics/selfeval/selfeval.default.json)")
    .requiredOption("--out <dir>", "folder to write the forms to")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .action(async (opts: { year: string; county?: string; all?: boolean; format: "xlsx" | "docx" | "both"; config?: string; out: string; db: string }) => {
      const { runSelfEvaluation } = await import("./run.js");
      await runSelfEvaluation(opts);
    });
}
