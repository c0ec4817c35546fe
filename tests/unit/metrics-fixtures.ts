// Small hand-made warehouses for the indicator tests: core_<type> tables of the contract's
// shape (createTableSql), a hand-made dim_region, optional meta_delivery.
import { type ExtractType } from "../../loaders/contracts/dictionary.js";
import { createTableSql, extractColumns } from "../../loaders/contracts/sql.js";
import { quoteIdent, quoteLiteral, Warehouse } from "../../loaders/db.js";

export type FixtureRow = Record<string, string | number | boolean | null>;

export const REGIONS = [
  { code: "15", name: "内蒙古自治区", level: "province", parent: null },
  { code: "1501", name: "呼和浩特市", level: "city", parent: "15" },
  { code: "1502", name: "包头市", level: "city", parent: "15" },
  { code: "150102", name: "新城区", level: "county", parent: "1501" },
  { code: "150103", name: "回民区", level: "county", parent: "1501" },
  { code: "150202", name: "东河区", level: "county", parent: "1502" },
  { code: "150203", name: "昆都仑区", level: "county", parent: "1502" }, // never delivers anything
] as const;

export async function fixtureWarehouse(options: { meta?: boolean } = {}): Promise<Warehouse> {
  const wh = await Warehouse.open(":memory:");
  await wh.run(`CREATE TABLE dim_region (code VARCHAR PRIMARY KEY, name VARCHAR, level VARCHAR, parent_code VARCHAR,
    province_code VARCHAR, city_code VARCHAR, county_code VARCHAR)`);
  for (const r of REGIONS) {
    await wh.run("INSERT INTO dim_region VALUES (?, ?, ?, ?, ?, ?, ?)", [
      r.code,
      r.name,
      r.level,
      r.parent,
      r.code.slice(0, 2),
      r.code.length >= 4 ? r.code.slice(0, 4) : null,
      r.code.length >= 6 ? r.code.slice(0, 6) : null,
    ]);
  }
  for (const type of ["county_profile", "standards", "applications", "roster", "payments", "funds", "complaints", "surveys", "inspections"] as const) {
    await wh.run(createTableSql(type, `core_${type}`));
  }
  if (options.meta) {
    await wh.run(`CREATE TABLE meta_delivery (delivery_id INTEGER, file_name VARCHAR, content_hash VARCHAR, extract_type VARCHAR,
      county_code VARCHAR, period VARCHAR, format VARCHAR, encoding VARCHAR, received_at TIMESTAMP, loaded_at TIMESTAMP,
      rows_read INTEGER, rows_loaded INTEGER, rows_rejected INTEGER, status VARCHAR, superseded_by INTEGER, warnings VARCHAR)`);
  }
  return wh;
}

let line = 0;

/** Insert rows; county_code/city_code derive from region_code (or county_code); delivery_id defaults to 1. */
export async function insertRows(wh: Warehouse, type: ExtractType, rows: FixtureRow[]): Promise<void> {
  const cols = extractColumns(type).map(([n]) => n);
  for (const row of rows) {
    const region = String(row.region_code ?? row.county_code ?? "");
    const full: FixtureRow = {
      delivery_id: 1,
      line: ++line,
      county_code: region.slice(0, 6) || null,
      city_code: region.slice(0, 4) || null,
      ...row,
    };
    const values = cols.map((c) => {
      const v = full[c];
      if (v === undefined || v === null) return "NULL";
      if (typeof v === "boolean") return v ? "true" : "false";
      if (typeof v === "number") return String(v);
      return quoteLiteral(v);
    });
    await wh.run(`INSERT INTO ${quoteIdent(`core_${type}`)} (${cols.map(quoteIdent).join(", ")}) VALUES (${values.join(", ")})`);
  }
}

export async function insertDelivery(
  wh: Warehouse,
  d: { delivery_id: number; extract_type: string; county_code: string; period: string; received_at: string; status?: string; content_hash?: string },
): Promise<void> {
  await wh.run(
    `INSERT INTO meta_delivery (delivery_id, file_name, content_hash, extract_type, county_code, period, received_at, status)
     VALUES (?, ?, ?, ?, ?, ?, CAST(? AS TIMESTAMP), ?)`,
    [d.delivery_id, `${d.extract_type}_${d.period}_${d.county_code}.csv`, d.content_hash ?? `h${d.delivery_id}`, d.extract_type, d.county_code, d.period, d.received_at, d.status ?? "current"],
  );
}

export interface MartRow {
  region_code: string;
  level: string;
  window: string;
  indicator: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  n: number;
  amount: string | null;
  ci_low: number | null;
  ci_high: number | null;
  status: string;
}

export async function mart(wh: Warehouse, indicator: string, window: string): Promise<Map<string, MartRow>> {
  const rows = await wh.query(
    `SELECT region_code, level, "window", indicator, value, CAST(numerator AS DOUBLE) AS numerator, CAST(denominator AS DOUBLE) AS denominator,
       CAST(n AS INTEGER) AS n, CAST(amount AS VARCHAR) AS amount, ci_low, ci_high, status
     FROM mart_indicator WHERE indicator = ? AND "window" = ?`,
    [indicator, window],
  );
  return new Map(rows.map((r) => [String(r.region_code), r as unknown as MartRow]));
}
