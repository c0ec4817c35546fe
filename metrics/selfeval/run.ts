// The work behind `jiuzhu report self-evaluation` and the site's downloads.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Warehouse } from "../../loaders/db.js";
import { readJsonFile } from "../scorecard/load.js";
import { DEFAULT_SELFEVAL, parseSelfEvalConfig, type SelfEvalConfig } from "./config.js";
import { regionsOfYear, selfEvaluation } from "./form.js";
import { selfEvalDocx, selfEvalXlsx } from "./render.js";

export function selfEvalFileName(code: string, name: string, year: number): string {
  return `项目支出绩效自评表_${year}_${code}_${name}`;
}

export async function writeForms(
  wh: Warehouse,
  codes: readonly string[],
  year: number,
  out: string,
  config: SelfEvalConfig,
  format: "xlsx" | "docx" | "both",
  name: (code: string, region: string) => string = (code, region) => selfEvalFileName(code, region, year),
): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  for (const code of codes) {
    const form = await selfEvaluation(wh, code, year, config);
    const base = join(out, name(code, form.region.name));
    if (format !== "docx") writeFileSync(`${base}.xlsx`, await selfEvalXlsx(form)), written.push(`${base}.xlsx`);
    if (format !== "xlsx") writeFileSync(`${base}.docx`, await selfEvalDocx(form)), written.push(`${base}.docx`);
  }
  return written;
}

export async function runSelfEvaluation(opts: { year: string; county?: string; all?: boolean; format: "xlsx" | "docx" | "both"; config?: string; out: string; db: string }): Promise<void> {
  if (!/^\d{4}$/.test(opts.year)) throw new Error(`--year "${opts.year}" is not a year (e.g. 2025)`);
  if (!opts.county === !opts.all) throw new Error("give either --county CODE or --all");
  if (!existsSync(opts.db)) throw new Error(`no warehouse at ${opts.db}`);
  const year = Number(opts.year);
  const config = opts.config ? parseSelfEvalConfig(readJsonFile(opts.config, "self-evaluation configuration"), `self-evaluation configuration ${opts.config}`) : DEFAULT_SELFEVAL;
  const wh = await Warehouse.open(opts.db, { readOnly: true });
  try {
    const codes = opts.all ? await regionsOfYear(wh, year) : [opts.county!];
    if (codes.length === 0) throw new Error(`no county has figures for ${year}`);
    const written = await writeForms(wh, codes, year, opts.out, config, opts.format);
    for (const f of written) process.stderr.write(`written ${f}\n`);
  } finally {
    wh.close();
  }
}
