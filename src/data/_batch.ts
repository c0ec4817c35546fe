// Computes every per-region, per-indicator and per-window file of the site in one
// pass over the warehouse (one connection, a few queries each), into a folder; the
// parameterised loaders then only copy their file (see _cached.js).
//   tsx src/data/_batch.ts OUT_DIR [PART/PARTS]
// With PART/PARTS (0/2, 1/2) it writes only its share, so the site build can run the
// shares side by side on two cores into one folder: part k takes every region whose
// index is k modulo PARTS, part 0 the bulletins, the last part the indicators.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INDICATOR_IDS } from "../../metrics/catalogue/ids.js";
import { bulletinData, bulletinDocx } from "./_bulletin.js";
import { indicatorData } from "./_indicator.js";
import { Marts } from "./_marts.js";
import { regionCases, regionCodes, regionData } from "./_region.js";

const out = process.argv[2];
if (!out) throw new Error("usage: _batch.ts OUT_DIR [PART/PARTS]");
const share = /^(\d+)\/(\d+)$/.exec(process.argv[3] ?? "0/1");
if (!share || Number(share[1]) >= Number(share[2])) throw new Error(`_batch.ts: PART/PARTS such as 0/2, not ${process.argv[3]}`);
const part = Number(share[1]);
const parts = Number(share[2]);
const started = performance.now();
const m = await Marts.open();
try {
  for (const dir of ["region", "region/cases", "indicator", "bulletin"]) mkdirSync(join(out, dir), { recursive: true });
  // The province, its cities and counties.
  const regions = (await regionCodes(m)).map((code) => ({ code })).filter((_, i) => i % parts === part);
  for (const { code } of regions) {
    writeFileSync(join(out, "region", `${code}.json`), JSON.stringify(await regionData(m, code)));
    writeFileSync(join(out, "region", "cases", `${code}.json`), JSON.stringify(await regionCases(m, code)));
  }
  const indicators = part === parts - 1 ? INDICATOR_IDS : [];
  for (const id of indicators) writeFileSync(join(out, "indicator", `${id}.json`), JSON.stringify(await indicatorData(m, id)));
  const windows = part === 0 ? await m.rows<{ w: string }>("mart_indicator", 'SELECT DISTINCT "window" AS w FROM mart_indicator ORDER BY 1') : [];
  for (const { w } of windows) {
    const b = await bulletinData(m, w);
    writeFileSync(join(out, "bulletin", `${w}.json`), JSON.stringify(b));
    writeFileSync(join(out, "bulletin", `${w}.docx`), new Uint8Array(await bulletinDocx(b)));
  }
  process.stderr.write(
    `jiuzhu site${parts > 1 ? ` (part ${part + 1} of ${parts})` : ""}: ${regions.length} regions, ${indicators.length} indicators, ${windows.length} bulletins in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
} finally {
  m.close();
}
