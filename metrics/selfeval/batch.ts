// The site's self-evaluation downloads, all at once: `tsx metrics/selfeval/batch.ts OUT_DIR`
// writes <code>.xlsx and <code>.docx for every county and city of the latest complete year
// (src/selfeval/_cache.js runs it once per warehouse and code version).
import { Warehouse } from "../../loaders/db.js";
import { DEFAULT_SELFEVAL } from "./config.js";
import { latestCompleteYear, regionsOfYear } from "./form.js";
import { writeForms } from "./run.js";

const out = process.argv[2];
if (!out) throw new Error("usage: batch.ts OUT_DIR");
const wh = await Warehouse.open(process.env.JIUZHU_DB ?? "data/warehouse.duckdb", { readOnly: true });
try {
  const year = await latestCompleteYear(wh);
  const codes = year === null ? [] : await regionsOfYear(wh, year, ["county", "city"]);
  if (year !== null) await writeForms(wh, codes, year, out, DEFAULT_SELFEVAL, "both", (code) => code);
  process.stderr.write(`jiuzhu self-evaluation: ${codes.length} forms of ${year ?? "no year"}\n`);
} finally {
  wh.close();
}
