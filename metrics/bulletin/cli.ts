// `jiuzhu report bulletin`: the 通报 of a window as DOCX or HTML. Top-level imports are
// commander types only; the implementation loads inside the action.
import type { Command } from "commander";
import { DEFAULT_DB } from "../../loaders/defaults.js";

export interface BulletinOptions {
  window: string;
  docNumber?: string;
  date?: string;
  issuer?: string;
  addressee?: string;
  signature?: string;
  copyTo?: string;
  config?: string;
  out: string;
  db: string;
}

export function registerBulletinReport(report: Command): void {
  report
    .command("bulletin")
    .description("the 通报 of a window (DOCX in the layout of a government notice, or HTML); a 草稿 until --doc-number and --date are given")
    .requiredOption("--window <window>", "reporting window: 2026-Q2, 2026-H1, 2026 (an open year covers its months so far), 2026-06")
    .requiredOption("--out <file>", "output file, .docx or .html")
    .option("--doc-number <text>", "文号, e.g. 内民政发〔2026〕12号 (else from --config)")
    .option("--date <YYYY-MM-DD>", "成文日期 (else from --config)")
    .option("--issuer <text>", "issuing office (default: <province>民政厅)")
    .option("--addressee <text>", "主送机关 (default: 各<city level>民政局：)")
    .option("--signature <text>", "署名 (default: the issuer)")
    .option("--copy-to <text>", "抄送")
    .option("--config <file>", "bulletin configuration JSON (default: $JIUZHU_BULLETIN_CONFIG or metrics/bulletin/bulletin.default.json)")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .action(async (opts: BulletinOptions) => {
      const { runBulletinReport } = await import("./run.js");
      await runBulletinReport(opts);
    });
}
