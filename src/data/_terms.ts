// The level words of the province in the warehouse (metrics/terms.ts), for every page.
import { levelTerms, type LevelTerms } from "../../metrics/terms.js";
import type { Marts } from "./_marts.js";

export async function provinceTerms(m: Marts): Promise<LevelTerms & { provinceCode: string | null }> {
  const row = (await m.rows<{ code: string }>("mart_indicator", "SELECT region_code AS code FROM mart_indicator WHERE level = 'province' LIMIT 1"))[0];
  return { ...levelTerms(row?.code ?? null), provinceCode: row?.code ?? null };
}
