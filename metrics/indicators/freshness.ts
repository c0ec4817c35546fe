// The freshness report (see freshness-cli.ts): reads mart_quality kinds 'ledger' and 'delivery',
// refreshing them first (computeIndicators with no window rebuilds freshness and outliers only).
import type { Warehouse } from "../../loaders/db.js";
import { toCsv } from "../export/csv.js";
import type { Column } from "../export/columns.js";
import { toTextTable } from "../export/table.js";
import { nearestCodes, tableExists, usageError } from "./commands.js";
import { computeIndicators } from "./compute.js";

export const FRESHNESS_COLUMNS = [
  "county_code", "county_name", "ledger", "latest_period", "months_behind", "delivered_for", "received_at", "data_last_month",
  "monthly_completeness", "monthly_timeliness",
] as const;

export async function runFreshness(wh: Warehouse, o: { region?: string; stale?: boolean; format: "table" | "csv" | "json" }): Promise<void> {
  if (await tableExists(wh, "dim_region")) await computeIndicators(wh, { windows: [] });
  if (!(await tableExists(wh, "mart_quality"))) usageError("the warehouse has no deliveries yet; load extracts with `jiuzhu ingest` first");
  const region = o.region ?? "";
  if (region) {
    const codes = (await wh.query<{ c: string }>("SELECT DISTINCT region_code AS c FROM mart_quality WHERE kind = 'ledger'")).map((r) => r.c);
    const all = [...new Set([...codes, ...codes.map((c) => c.slice(0, 4)), ...codes.map((c) => c.slice(0, 2))])];
    if (!all.includes(region)) usageError(`unknown region ${JSON.stringify(region)}; nearest: ${nearestCodes(region, all).join(", ")} (a 2-digit province, 4-digit city or 6-digit county code)`);
  }
  const rows = await wh.queryJson(
    `WITH d AS (
       SELECT region_code, sum(expected) AS expected, sum(present) AS present, sum(on_time) AS on_time
       FROM mart_quality WHERE kind = 'delivery' AND length("window") = 7 GROUP BY 1)
     SELECT l.region_code AS county_code, r.name AS county_name, l.subject AS ledger, l.latest_period,
       CAST(l.value AS INTEGER) AS months_behind,
       CASE WHEN l.scope_code IS NOT NULL AND l.scope_code <> l.region_code THEN l.scope_code END AS delivered_for,
       CAST(l.latest_received_at AS VARCHAR) AS received_at, l."window" AS data_last_month,
       CASE WHEN d.expected > 0 THEN d.present / d.expected END AS monthly_completeness,
       CASE WHEN d.expected > 0 THEN d.on_time / d.expected END AS monthly_timeliness
     FROM mart_quality l LEFT JOIN dim_region r ON r.code = l.region_code LEFT JOIN d ON d.region_code = l.region_code
     WHERE l.kind = 'ledger' AND starts_with(l.region_code, ?) ${o.stale ? "AND l.flagged" : ""}
     ORDER BY l.region_code, l.subject`,
    [region],
  );
  if (o.format === "json") {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const columns: Column[] = FRESHNESS_COLUMNS.map((k) => ({ key: k, header: k, kind: "text" }));
  process.stdout.write(o.format === "csv" ? toCsv(rows, columns) : toTextTable(rows, columns));
}
