// `jiuzhu indicators` and `jiuzhu cases`: read mart_indicator / mart_case (computing a
// window first when the mart does not hold it yet).
import { Command, Option } from "commander";
import { DEFAULT_DB, withWarehouse, type Warehouse } from "../../loaders/db.js";
import { CATALOGUE, indicatorDef } from "../catalogue/index.js";
import { toCsv } from "../export/csv.js";
import type { Column, ExportRow } from "../export/columns.js";
import { toTextTable } from "../export/table.js";
import { parseWindow } from "../windows.js";
import { CASE_INDICATORS } from "./cases.js";
import { computeIndicators } from "./compute.js";

export const INDICATOR_COLUMNS = ["region_code", "region_name", "level", "window", "indicator", "value", "numerator", "denominator", "n"] as const;
export const CASE_COLUMNS = ["indicator", "window", "county_code", "case_key", "detail"] as const;

type Format = "table" | "csv" | "json";

function render(rows: ExportRow[], keys: readonly string[], format: Format, numeric: readonly string[] = []): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  const columns: Column[] = keys.map((k) => ({ key: k, header: k, kind: numeric.includes(k) ? "decimal" : "text", digits: 6 }));
  if (format === "csv") {
    // Numbers as they are (no rounding): text kind prints them in full.
    return toCsv(rows, columns.map((c) => ({ ...c, kind: "text" })));
  }
  return toTextTable(rows, columns.map((c) => ({ ...c, kind: "text" })));
}

async function martHasWindow(wh: Warehouse, window: string): Promise<boolean> {
  const t = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'mart_indicator'");
  if (Number(t[0]?.n ?? 0) === 0) return false;
  const r = await wh.query<{ n: bigint }>(`SELECT count(*) AS n FROM mart_indicator WHERE "window" = ?`, [window]);
  return Number(r[0]?.n ?? 0) > 0;
}

/** Make sure the mart holds `window`, computing it when it does not. */
async function ensureWindow(wh: Warehouse, window: string): Promise<void> {
  if (await martHasWindow(wh, window)) return;
  process.stderr.write(`jiuzhu: computing indicators for ${window} …\n`);
  await computeIndicators(wh, { windows: [window] });
  if (!(await martHasWindow(wh, window))) throw new Error(`no data covers window ${window}`);
}

export async function queryIndicators(
  wh: Warehouse,
  opts: { window: string; level?: string; indicator?: string; region?: string },
): Promise<ExportRow[]> {
  const where: string[] = [`"window" = ?`];
  const params: string[] = [opts.window];
  if (opts.level) {
    where.push("level = ?");
    params.push(opts.level);
  }
  if (opts.indicator) {
    where.push("indicator = ?");
    params.push(opts.indicator);
  }
  if (opts.region) {
    where.push("region_code LIKE ? || '%'");
    params.push(opts.region);
  }
  const order = CATALOGUE.map((d, i) => `WHEN '${d.id}' THEN ${i}`).join(" ");
  return wh.queryJson(
    `SELECT region_code, region_name, level, "window", indicator, value,
       CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator, n, status
     FROM mart_indicator WHERE ${where.join(" AND ")}
     ORDER BY CASE level WHEN 'province' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, region_code, CASE indicator ${order} END`,
    params,
  );
}

export function registerIndicatorCommands(program: Command): void {
  program
    .command("indicators")
    .description("indicator values for a window (from mart_indicator; computed first when missing)")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .requiredOption("--window <window>", "2026-06, 2026-Q2, 2026-H1 or 2026")
    .addOption(new Option("--level <level>", "region level").choices(["county", "city", "province"]))
    .option("--indicator <id>", "one indicator")
    .option("--region <code>", "a region and what lies in it (2-, 4- or 6-digit code)")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (o: { db: string; window: string; level?: string; indicator?: string; region?: string; format: Format }) => {
      const window = parseWindow(o.window).id;
      if (o.indicator) indicatorDef(o.indicator);
      await withWarehouse(o.db, async (wh) => {
        await ensureWindow(wh, window);
        const rows = await queryIndicators(wh, { window, level: o.level, indicator: o.indicator, region: o.region });
        const out = rows.map((r) => Object.fromEntries(INDICATOR_COLUMNS.map((k) => [k, r[k] ?? null])));
        process.stdout.write(render(out, INDICATOR_COLUMNS, o.format));
      });
    });
  program
    .command("cases")
    .description("the case list behind a problem count (personal data masked)")
    .option("--db <path>", "warehouse file", DEFAULT_DB)
    .requiredOption("--indicator <id>", `one of ${CASE_INDICATORS.join(", ")}`)
    .requiredOption("--window <window>", "2026-06, 2026-Q2, 2026-H1 or 2026")
    .option("--region <code>", "a county, city or province code")
    .addOption(new Option("--format <format>", "output format").choices(["table", "csv", "json"]).default("table"))
    .action(async (o: { db: string; indicator: string; window: string; region?: string; format: Format }) => {
      const window = parseWindow(o.window).id;
      indicatorDef(o.indicator);
      if (!(CASE_INDICATORS as readonly string[]).includes(o.indicator)) {
        throw new Error(`${o.indicator} has no case list (case lists: ${CASE_INDICATORS.join(", ")})`);
      }
      await withWarehouse(o.db, async (wh) => {
        await ensureWindow(wh, window);
        const rows = await wh.queryJson(
          `SELECT indicator, "window", county_code, case_key, detail FROM mart_case
           WHERE indicator = ? AND "window" = ? AND county_code LIKE ? || '%' ORDER BY county_code, case_key`,
          [o.indicator, window, o.region ?? ""],
        );
        const out = o.format === "json" ? rows.map((r) => ({ ...r, detail: JSON.parse(String(r.detail)) })) : rows;
        process.stdout.write(render(out, CASE_COLUMNS, o.format));
      });
    });
}
