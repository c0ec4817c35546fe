// One bulletin: facts from the marts, particulars from the configuration and flags, text composed.
// Shared by `jiuzhu report bulletin` and the site's loader (src/data/_bulletin.ts).
import type { Warehouse } from "../../loaders/db.js";
import { levelTerms } from "../terms.js";
import { composeBulletin, type Bulletin } from "./compose.js";
import { particulars, type BulletinConfig, type DocumentParams } from "./config.js";
import { readFacts, type Query } from "./query.js";

export async function buildBulletin(q: Query, window: string, config: BulletinConfig, flags: DocumentParams = {}): Promise<Bulletin> {
  const facts = await readFacts(q, window);
  const terms = levelTerms(facts.province.code);
  const p = particulars(config, window, { issuer: `${facts.province.name}民政厅`, addressee: `各${terms.city}民政局：` }, flags);
  return composeBulletin(facts, config, p);
}

/** DuckDB values as plain JSON values (BIGINT and DECIMAL to numbers, lists to arrays). */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") {
    const v = value as { toDouble?: () => number; items?: unknown[] };
    if (typeof v.toDouble === "function") return v.toDouble();
    if (Array.isArray(v.items)) return v.items.map(plain);
    if (value instanceof Date) return value.toISOString();
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, plain(x)]));
  }
  return value;
}

/** A Query over an open warehouse. */
export function warehouseQuery(wh: Warehouse): Query {
  return async <T extends Record<string, unknown>>(sql: string, params?: Record<string, string | number>) =>
    (await wh.query(sql, params)).map((r) => plain(r) as T);
}
