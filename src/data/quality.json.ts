// The data-quality page: deliveries (completeness, timeliness) by county and extract,
// deliveries and rejected rows as loaded, rejects by reason, outliers.
import { indicatorCatalogue } from "./_catalogue.js";
import { extractLabels, fieldLabels } from "./_labels.js";
import { emitJson } from "./_marts.js";
import { levelTerms } from "../../metrics/terms.js";

await emitJson(async (m) => {
  const catalogue = await indicatorCatalogue();
  const names = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level IN ('city', 'county')")).map((r) => [r.code, r.name]),
  );
  const byCountyExtract = await m.rows<{ code: string; extract: string; expected: number; present: number; on_time: number; missing: string | null }>(
    "mart_quality",
    `SELECT region_code AS code, subject AS extract, sum(expected) AS expected, sum(present) AS present, sum(on_time) AS on_time,
            string_agg(CASE WHEN present < expected THEN "window" END, '、' ORDER BY "window") AS missing
     FROM mart_quality WHERE kind = 'delivery' AND regexp_matches("window", '^[0-9]{4}-[0-9]{2}$') GROUP BY ALL ORDER BY 1, 2`,
  );
  const byMonth = await m.rows<{ window: string; expected: number; present: number; on_time: number }>(
    "mart_quality",
    `SELECT "window", sum(expected) AS expected, sum(present) AS present, sum(on_time) AS on_time
     FROM mart_quality WHERE kind = 'delivery' AND regexp_matches("window", '^[0-9]{4}-[0-9]{2}$') GROUP BY 1 ORDER BY 1`,
  );
  const loads = await m.rows<{ extract: string; files: number; current: number; rows_read: number; rows_loaded: number; rows_rejected: number }>(
    "meta_delivery",
    `SELECT extract_type AS extract, count(*) AS files, count(*) FILTER (WHERE status = 'current') AS current,
            sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected
     FROM meta_delivery GROUP BY 1 ORDER BY 1`,
  );
  // Reasons grouped into kinds with Chinese names (the loader's reasons carry the offending value).
  const rejects = await m.rows<{ reason: string; column_name: string | null; n: number; files: number}>(
    "meta_reject",
    `SELECT CASE
              WHEN reason LIKE 'ID number check digit%' THEN '身份证号校验位错误'
              WHEN reason LIKE 'ID number%' THEN '身份证号格式错误'
              WHEN reason LIKE 'household % rows disagree%' THEN '同户各行数据不一致（整户拒收）'
              WHEN reason LIKE 'not a valid calendar date%' THEN '日期无效'
              WHEN reason LIKE 'division code not in the region table%' THEN '区划代码不存在'
              WHEN reason LIKE 'not yes/no%' THEN '是/否取值无法识别'
              WHEN reason LIKE 'unknown value%' THEN '取值不在代码表中'
              WHEN reason LIKE '%required%' OR reason LIKE '%missing%' OR reason LIKE '%empty%' THEN '必填项缺失'
              WHEN reason LIKE '%number%' OR reason LIKE '%amount%' THEN '数值格式错误'
              ELSE '其他' END AS reason,
            column_name, count(*) AS n, count(DISTINCT delivery_id) AS files
     FROM meta_reject GROUP BY 1, 2 ORDER BY n DESC LIMIT 100`,
  );
  const outliers = await m.rows<{ code: string; window: string; indicator: string; value: number | null; median_history: number | null; z_history: number | null; median_peers: number | null; z_peers: number | null }>(
    "mart_quality",
    `SELECT region_code AS code, "window", subject AS indicator, value, median_history, z_history, median_peers, z_peers
     FROM mart_quality WHERE kind = 'outlier' AND flagged ORDER BY "window" DESC, greatest(abs(coalesce(z_history, 0)), abs(coalesce(z_peers, 0))) DESC LIMIT 300`,
  );
  // Ledger freshness: per county and event ledger, the latest period delivered that covers it
  // (its own file or its city's/province's) and how many months it lags the data's latest month.
  const ledgers = await m.rows<{ code: string; ledger: string; latest_period: string | null; scope_code: string | null; months_behind: number | null; data_last_month: string }>(
    "mart_quality",
    `SELECT region_code AS code, subject AS ledger, latest_period, scope_code, CAST(value AS INTEGER) AS months_behind, "window" AS data_last_month
     FROM mart_quality WHERE kind = 'ledger' ORDER BY 1, 2`,
  );
  // Years whose working days were counted on weekends alone (no official schedule yet): their figures are provisional.
  const provisional = await m.rows<{ reason: string; windows: number; figures: number }>(
    "mart_indicator",
    `SELECT reason, count(DISTINCT "window") AS windows, count(*) AS figures FROM mart_indicator WHERE status = 'provisional' GROUP BY 1 ORDER BY 1`,
  );
  const label = new Map(catalogue.map((c) => [c.id, c]));
  const fields = fieldLabels();
  return {
    extracts: extractLabels(),
    byCountyExtract: byCountyExtract.map((r) => ({ ...r, name: names.get(r.code) ?? r.code, city_name: names.get(r.code.slice(0, 4)) ?? "" })),
    byMonth,
    loads,
    rejects: rejects.map((r) => ({ ...r, column_name: r.column_name ? (fields[r.column_name] ?? r.column_name) : null })),
    ledgerFreshness: ledgers.map((r) => ({ ...r, name: names.get(r.code) ?? r.code, city_name: names.get(r.code.slice(0, 4)) ?? "" })),
    provisional: provisional.map((p) => ({ ...p, years: [...new Set(p.reason.match(/\b(19|20|21)\d{2}\b/g) ?? [])] })),
    terms: levelTerms(ledgers[0]?.code ?? byCountyExtract[0]?.code),
    outliers: outliers.map((o) => ({ ...o, name: names.get(o.code) ?? o.code, label: label.get(o.indicator)?.label ?? o.indicator, unit: label.get(o.indicator)?.unit ?? "count" })),
  };
});
