// Data quality beside the indicators (mart_quality):
// - kind 'delivery': per county, extract and window, expected monthly deliveries, those present,
//   those received by the deadline, and the months missing or late;
// - kind 'ledger': per county and event ledger, the latest period delivered covering it and its lag;
// - kind 'outlier': county figures whose modified z-score (0.6745 (x − median) / MAD; with
//   MAD = 0, (x − median) / (1.253314 × mean absolute deviation)) against the county's own
//   history (same indicator, same window kind) or its peers (the province's counties, same
//   window) exceeds CONFIG.outlierZ — a data question before it is read as performance.
import type { Warehouse } from "../../loaders/db.js";
import { CONFIG } from "../config.js";

export const MART_QUALITY_DDL = `
  CREATE TABLE IF NOT EXISTS mart_quality (
    kind VARCHAR NOT NULL, region_code VARCHAR NOT NULL, level VARCHAR NOT NULL, "window" VARCHAR NOT NULL, subject VARCHAR NOT NULL,
    expected BIGINT, present BIGINT, on_time BIGINT, completeness DOUBLE, timeliness DOUBLE,
    value DOUBLE, median_history DOUBLE, z_history DOUBLE, median_peers DOUBLE, z_peers DOUBLE, flagged BOOLEAN,
    note VARCHAR, computed_at TIMESTAMP NOT NULL, latest_period VARCHAR, scope_code VARCHAR, latest_received_at TIMESTAMP)`;

/** Delivery completeness and timeliness for the windows in tmp_wm (needs tmp_report). */
export async function buildDeliveryQuality(wh: Warehouse, computedAt: string): Promise<void> {
  await wh.run(MART_QUALITY_DDL);
  await wh.run(`DELETE FROM mart_quality WHERE kind = 'delivery' AND "window" IN (SELECT DISTINCT win FROM tmp_wm)`);
  await wh.run(
    `
    INSERT INTO mart_quality (kind, region_code, level, "window", subject, expected, present, on_time, completeness, timeliness, flagged, note, computed_at)
    SELECT 'delivery', r.county_code, 'county', w.win, r.extract_type, count(*), count(*) FILTER (WHERE r.present),
      count(*) FILTER (WHERE r.on_time),
      count(*) FILTER (WHERE r.present) / count(*),
      CASE WHEN bool_and(r.on_time IS NOT NULL) THEN count(*) FILTER (WHERE r.on_time) / count(*) END,
      bool_or(NOT r.present) OR bool_or(NOT r.on_time),
      concat_ws('; ',
        CASE WHEN bool_or(NOT r.present) THEN 'missing ' || string_agg(r.month, ', ' ORDER BY r.month) FILTER (WHERE NOT r.present) END,
        CASE WHEN bool_or(r.present AND NOT r.on_time) THEN 'late ' || string_agg(r.month, ', ' ORDER BY r.month) FILTER (WHERE r.present AND NOT r.on_time) END),
      CAST(? AS TIMESTAMP)
    FROM tmp_report r JOIN tmp_wm w ON w.month = r.month
    GROUP BY r.county_code, w.win, r.extract_type`,
    [computedAt],
  );
}

/** Outliers over the whole of mart_indicator (county level, status ok). Rebuilt every run. */
export async function buildOutliers(wh: Warehouse, computedAt: string): Promise<void> {
  await wh.run(MART_QUALITY_DDL);
  await wh.run(`DELETE FROM mart_quality WHERE kind = 'outlier'`);
  const zScore = (x: string, med: string, mad: string, meanAd: string) =>
    `CASE WHEN ${mad} > 0 THEN 0.6745 * (${x} - ${med}) / ${mad}
          WHEN ${meanAd} > 0 THEN (${x} - ${med}) / (1.253314 * ${meanAd})
          ELSE 0 END`;
  await wh.run(
    `
    INSERT INTO mart_quality (kind, region_code, level, "window", subject, value, median_history, z_history, median_peers, z_peers, flagged, note, computed_at)
    WITH base AS (
      SELECT region_code, left(region_code, 2) AS province_code, "window" AS win, indicator, value,
        CASE WHEN "window" LIKE '%-Q%' THEN 'quarter' WHEN "window" LIKE '%-H%' THEN 'half'
             WHEN length("window") = 7 THEN 'month' ELSE 'year' END AS kind
      FROM mart_indicator WHERE level = 'county' AND status = 'ok' AND value IS NOT NULL AND isfinite(value)),
    med AS (
      SELECT *,
        median(value) OVER (PARTITION BY region_code, indicator, kind) AS med_h,
        count(*) OVER (PARTITION BY region_code, indicator, kind) AS n_h,
        median(value) OVER (PARTITION BY province_code, indicator, win) AS med_p,
        count(*) OVER (PARTITION BY province_code, indicator, win) AS n_p
      FROM base),
    dev AS (
      SELECT *,
        median(abs(value - med_h)) OVER (PARTITION BY region_code, indicator, kind) AS mad_h,
        avg(abs(value - med_h)) OVER (PARTITION BY region_code, indicator, kind) AS mean_h,
        median(abs(value - med_p)) OVER (PARTITION BY province_code, indicator, win) AS mad_p,
        avg(abs(value - med_p)) OVER (PARTITION BY province_code, indicator, win) AS mean_p
      FROM med),
    z AS (
      SELECT *,
        CASE WHEN n_h >= ${CONFIG.outlierMinHistory} THEN ${zScore("value", "med_h", "mad_h", "mean_h")} END AS z_h,
        CASE WHEN n_p >= ${CONFIG.outlierMinPeers} THEN ${zScore("value", "med_p", "mad_p", "mean_p")} END AS z_p
      FROM dev)
    SELECT 'outlier', region_code, 'county', win, indicator, value,
      CASE WHEN z_h IS NOT NULL THEN med_h END, z_h, CASE WHEN z_p IS NOT NULL THEN med_p END, z_p, true,
      concat_ws('; ',
        CASE WHEN abs(z_h) > ${CONFIG.outlierZ} THEN 'unlike its own history' END,
        CASE WHEN abs(z_p) > ${CONFIG.outlierZ} THEN 'unlike its peers' END),
      CAST(? AS TIMESTAMP)
    FROM z WHERE abs(z_h) > ${CONFIG.outlierZ} OR abs(z_p) > ${CONFIG.outlierZ}`,
    [computedAt],
  );
}

/**
 * Ledger freshness, `kind = 'ledger'` (needs tmp_ledger, tmp_region): for every county and event
 * ledger, the latest period delivered that covers it (`latest_period`; its own delivery, or its
 * city's or province's — `scope_code`), when that delivery arrived, and `value` = how many months
 * it lags the data's latest month (`window`); `flagged` when it lags or nothing was delivered.
 * Rebuilt every run.
 */
export async function buildLedgerFreshness(wh: Warehouse, dataLastMonth: string, computedAt: string): Promise<void> {
  await ensureQualityColumns(wh);
  await wh.run("DELETE FROM mart_quality WHERE kind = 'ledger'");
  const types = CONFIG.ledgerExtracts.map((t) => `('${t}')`).join(", ");
  const hasMeta = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta_delivery' AND table_catalog <> 'temp'");
  const received = Number(hasMeta[0]?.n ?? 0) > 0
    ? "(SELECT delivery_id, received_at FROM meta_delivery)"
    : "(SELECT NULL::INTEGER AS delivery_id, NULL::TIMESTAMP AS received_at WHERE false)";
  await wh.run(
    `
    INSERT INTO mart_quality (kind, region_code, level, "window", subject, value, flagged, note, computed_at, latest_period, scope_code, latest_received_at)
    WITH l AS (
      SELECT l.county_code, l.extract_type, l.period, l.scope_code, m.received_at,
        row_number() OVER (PARTITION BY l.county_code, l.extract_type ORDER BY l.period DESC, length(l.scope_code) DESC, m.received_at DESC) AS i
      FROM tmp_ledger l LEFT JOIN ${received} m ON m.delivery_id = l.delivery_id),
    latest AS (SELECT * FROM l WHERE i = 1)
    SELECT 'ledger', r.county_code, 'county', ?, t.extract_type,
      CAST(date_diff('month', CAST(l.period || '-01' AS DATE), CAST(? || '-01' AS DATE)) AS DOUBLE),
      l.period IS NULL OR l.period < ?,
      CASE WHEN l.period IS NULL THEN 'no delivery'
           WHEN l.scope_code <> r.county_code THEN 'latest ' || l.period || ' (delivered for ' || l.scope_code || ')'
           ELSE 'latest ' || l.period END,
      CAST(? AS TIMESTAMP), l.period, l.scope_code, l.received_at
    FROM tmp_region r CROSS JOIN (VALUES ${types}) AS t(extract_type)
    LEFT JOIN latest l ON l.county_code = r.county_code AND l.extract_type = t.extract_type`,
    [dataLastMonth, dataLastMonth, dataLastMonth, computedAt],
  );
}

/** Columns of mart_quality added after its first version (kept in place on older warehouses). */
export async function ensureQualityColumns(wh: Warehouse): Promise<void> {
  await wh.run(MART_QUALITY_DDL);
  await wh.run("ALTER TABLE mart_quality ADD COLUMN IF NOT EXISTS latest_period VARCHAR");
  await wh.run("ALTER TABLE mart_quality ADD COLUMN IF NOT EXISTS scope_code VARCHAR");
  await wh.run("ALTER TABLE mart_quality ADD COLUMN IF NOT EXISTS latest_received_at TIMESTAMP");
}
