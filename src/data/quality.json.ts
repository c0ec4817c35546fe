// The data-quality page: deliveries (completeness, timeliness) by county and extract,
// deliveries and rejected rows as loaded, rejects by reason, outliers.
import { indicatorCatalogue } from "./_catalogue.js";
import { extractLabels, fieldLabels } from "./_labels.js";
import { emitJson } from "./_marts.js";
import { provinceTerms } from "./_terms.js";
import { defaultWindow, sortWindows, windowList } from "./_windows.js";

await emitJson(async (m) => {
  const catalogue = await indicatorCatalogue();
  const names = new Map(
    (await m.rows<{ code: string; name: string }>("mart_indicator", "SELECT DISTINCT region_code AS code, region_name AS name FROM mart_indicator WHERE level IN ('city', 'county')")).map((r) => [r.code, r.name]),
  );
  // Every window: per county and extract, expected / present / on-time deliveries and the mart's note (missing and late months).
  const byCountyExtract = await m.rows<{ window: string; code: string; extract: string; expected: number; present: number; on_time: number; note: string | null }>(
    "mart_quality",
    `SELECT "window", region_code AS code, subject AS extract, expected, present, on_time, nullif(note, '') AS note
     FROM mart_quality WHERE kind = 'delivery' ORDER BY 2, 3`,
  );
  const windows = sortWindows(byCountyExtract.map((r) => r.window));
  const countyCodes = [...new Set(byCountyExtract.map((r) => r.code))].sort();
  const extractCodes = [...new Set(byCountyExtract.map((r) => r.extract))].sort();
  // cells[window] = [[county index, extract index, expected, present, on_time, note?]]
  const cells: Record<string, (number | string)[][]> = {};
  for (const r of byCountyExtract) {
    const row: (number | string)[] = [countyCodes.indexOf(r.code), extractCodes.indexOf(r.extract), r.expected, r.present, r.on_time];
    if (r.note) row.push(r.note.replace(/missing/g, "缺报").replace(/late/g, "迟报"));
    (cells[r.window] ??= []).push(row);
  }
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
    `SELECT * FROM (
       SELECT region_code AS code, "window", subject AS indicator, value, median_history, z_history, median_peers, z_peers,
              row_number() OVER (PARTITION BY "window" ORDER BY greatest(abs(coalesce(z_history, 0)), abs(coalesce(z_peers, 0))) DESC) AS i
       FROM mart_quality WHERE kind = 'outlier' AND flagged) WHERE i <= 50 ORDER BY "window" DESC, i`,
  );
  // Ledger freshness: per county and event ledger, the latest period delivered that covers it
  // (its own file or its city's/province's) and how many months it lags the data's latest month.
  const ledgers = await m.rows<{ code: string; ledger: string; latest_period: string | null; scope_code: string | null; months_behind: number | null; data_last_month: string }>(
    "mart_quality",
    `SELECT region_code AS code, subject AS ledger, latest_period, scope_code, CAST(value AS INTEGER) AS months_behind, "window" AS data_last_month
     FROM mart_quality WHERE kind = 'ledger' ORDER BY 1, 2`,
  );
  // Re-deliveries that emptied or halved the data they replaced (loaded, but to be checked with the county)
  const shrinks = await m.rows<{ file_name: string; extract: string; county_code: string | null; period: string | null; rows_loaded: number; received_at: string; warning: string }>(
    "meta_delivery",
    `SELECT file_name, extract_type AS extract, county_code, period, rows_loaded, strftime(received_at, '%Y-%m-%d %H:%M') AS received_at,
            regexp_extract(warnings, 're-delivery shrinks the data: [^\n]*') AS warning
     FROM meta_delivery WHERE warnings LIKE '%re-delivery shrinks the data%' ORDER BY received_at DESC LIMIT 200`,
  );
  // Years whose working days were counted on weekends alone (no official schedule yet): their figures are provisional.
  const provisional = await m.rows<{ reason: string; windows: number; figures: number }>(
    "mart_indicator",
    `SELECT reason, count(DISTINCT "window") AS windows, count(*) AS figures FROM mart_indicator WHERE status = 'provisional' GROUP BY 1 ORDER BY 1`,
  );
  const label = new Map(catalogue.map((c) => [c.id, c]));
  const r4 = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);
  const r1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  const fields = fieldLabels();
  return {
    terms: await provinceTerms(m),
    windows: windowList(windows),
    defaultWindow: defaultWindow(windows),
    extracts: extractLabels(),
    counties: countyCodes.map((code) => ({ code, name: names.get(code) ?? code, city_name: names.get(code.slice(0, 4)) ?? "" })),
    extractCodes,
    cells,
    byMonth,
    loads,
    rejects: rejects.map((r) => ({ ...r, column_name: r.column_name ? (fields[r.column_name] ?? r.column_name) : null })),
    // the replaced delivery's rows, read off the warning ("… row(s) replace the N of delivery …")
    shrinks: shrinks.map((r) => ({ ...r, name: r.county_code ? (names.get(r.county_code) ?? r.county_code) : "全省", replaced: Number((/replace the ([\d,]+)/.exec(r.warning)?.[1] ?? "0").replace(/,/g, "")) })),
    ledgerFreshness: ledgers.map((r) => ({ ...r, name: names.get(r.code) ?? r.code, city_name: names.get(r.code.slice(0, 4)) ?? "" })),
    provisional: provisional.map((p) => ({ ...p, years: [...new Set(p.reason.match(/\b(19|20|21)\d{2}\b/g) ?? [])] })),
    indicators: Object.fromEntries([...new Set(outliers.map((o) => o.indicator))].map((id) => [id, { label: label.get(id)?.label ?? id, unit: label.get(id)?.unit ?? "count" }])),
    // outliers: [code, window, indicator, value, median_history, z_history, median_peers, z_peers], at most 50 per window
    outliers: outliers.map((o) => [o.code, o.window, o.indicator, r4(o.value), r4(o.median_history), r1(o.z_history), r4(o.median_peers), r1(o.z_peers)]),
  };
});
