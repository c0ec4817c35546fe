// Computes every per-region, per-indicator and per-window file of the site in one
// pass over the warehouse (one connection, a few queries each), into a folder; the
// parameterised loaders then only copy their file (see _cached.js).
//   tsx src/data/_batch.ts OUT_DIR
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";
import { bulletinData, bulletinDocx } from "./_bulletin.js";
import { indicatorData } from "./_indicator.js";
import { Marts } from "./_marts.js";
import { regionCases, regionCodes, regionData } from "./_region.js";

const out = process.argv[2];
if (!out) throw new Error("usage: _batch.ts OUT_DIR");
const started = performance.now();
const m = await Marts.open();
try {
  for (const dir of ["region", "region/cases", "indicator", "bulletin"]) mkdirSync(join(out, dir), { recursive: true });
  // The province, its cities and counties.
  const regions = (await regionCodes(m)).map((code) => ({ code }));
  for (const { code } of regions) {
    writeFileSync(join(out, "region", `${code}.json`), JSON.stringify(await regionData(m, code)));
    writeFileSync(join(out, "region", "cases", `${code}.json`), JSON.stringify(await regionCases(m, code)));
  }
  for (const id of INDICATOR_IDS) writeFileSync(join(out, "indicator", `${id}.json`), JSON.stringify(await indicatorData(m, id)));
  const windows = await m.rows<{ w: string }>("mart_indicator", 'SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1');
  for (const { w } of windows) {
    const b = await bulletinData(m, w);
    writeFileSync(join(out, "bulletin", `${w}.json`), JSON.stringify(b));
    writeFileSync(join(out, "bulletin", `${w}.docx`), new Uint8Array(await bulletinDocx(b)));
  }
  process.stderr.write(
    `jiuzhu site: ${regions.length} regions, ${INDICATOR_IDS.length} indicators, ${windows.length} bulletins in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
} finally {
  m.close();
}
