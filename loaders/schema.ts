// The warehouse tables owned by the loaders: lineage (meta_delivery,
// meta_reject), one staging table per extract type, and the core views that
// metrics read (current deliveries only; latest version of each event row).
import { quoteIdent, type Warehouse } from "./db.js";
import { EXTRACTS, extractDef, type ExtractType } from "./contracts/dictionary.js";
import { createTableSql } from "./contracts/sql.js";
import { ensureRegionDimension } from "./regions.js";

export const stagingTable = (type: ExtractType) => `stg_${type}`;
export const coreView = (type: ExtractType) => `core_${type}`;

export const META_DELIVERY_DDL = `CREATE TABLE IF NOT EXISTS meta_delivery (
  delivery_id INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  extract_type VARCHAR NOT NULL,
  county_code VARCHAR,
  period VARCHAR,
  format VARCHAR NOT NULL,
  encoding VARCHAR,
  received_at TIMESTAMP NOT NULL,
  loaded_at TIMESTAMP NOT NULL,
  rows_read INTEGER NOT NULL,
  rows_loaded INTEGER NOT NULL,
  rows_rejected INTEGER NOT NULL,
  status VARCHAR NOT NULL,
  superseded_by INTEGER,
  warnings VARCHAR
)`;

export const META_REJECT_DDL = `CREATE TABLE IF NOT EXISTS meta_reject (
  delivery_id INTEGER NOT NULL,
  file_name VARCHAR NOT NULL,
  line INTEGER,
  column_name VARCHAR,
  value VARCHAR,
  reason VARCHAR NOT NULL
)`;

/** SQL of the core view of one extract type. */
export function coreViewSql(type: ExtractType): string {
  const def = extractDef(type);
  const stg = quoteIdent(stagingTable(type));
  const view = quoteIdent(coreView(type));
  if (def.supersedeKey) {
    // every delivery stays current; each key's row comes from the latest delivery that holds it
    const keys = def.supersedeKey.map((k) => `s.${quoteIdent(k)}`).join(", ");
    return `CREATE OR REPLACE VIEW ${view} AS
      SELECT s.* FROM ${stg} s JOIN meta_delivery d ON d.delivery_id = s.delivery_id
      WHERE d.status = 'current'
      QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY d.received_at DESC, d.delivery_id DESC, s.line DESC) = 1`;
  }
  if (def.cadence === "events" && def.key) {
    const keys = def.key.map((k) => `s.${quoteIdent(k)}`).join(", ");
    return `CREATE OR REPLACE VIEW ${view} AS
      SELECT s.* FROM ${stg} s JOIN meta_delivery d ON d.delivery_id = s.delivery_id
      WHERE d.status = 'current'
      QUALIFY row_number() OVER (
        PARTITION BY s.county_code, ${keys}
        ORDER BY d.period DESC NULLS LAST, d.received_at DESC, d.delivery_id DESC, s.line DESC) = 1`;
  }
  return `CREATE OR REPLACE VIEW ${view} AS
    SELECT s.* FROM ${stg} s
    WHERE s.delivery_id IN (SELECT delivery_id FROM meta_delivery WHERE status = 'current')`;
}

/**
 * Create everything the loaders own, even when empty (metrics query the core
 * views unconditionally): dim_region, meta tables, staging tables, core views.
 * Idempotent.
 */
export async function ensureWarehouseSchema(wh: Warehouse): Promise<void> {
  await ensureRegionDimension(wh);
  await wh.run(META_DELIVERY_DDL);
  await wh.run(META_REJECT_DDL);
  for (const e of EXTRACTS) {
    await wh.run(createTableSql(e.type, stagingTable(e.type)));
    await wh.run(coreViewSql(e.type));
  }
}
