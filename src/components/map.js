// County map coloured by score: boundaries when we have them (a sketch, not a
// surveyed map), otherwise a tile grid grouped by city.
import * as Plot from "@observablehq/plot";
import {feature} from "topojson-client";
import {html} from "htl";
import {GRADES, GRADE_COLORS, gradeColor, gradeText, gradeOf} from "./colors.js";
import {formatScore, formatValue} from "./format.js";

const NOTE = "示意图，非测绘地图；边界经过简化，仅供定位参考。";

function featuresOf(geo) {
  if (!geo) return null;
  if (geo.type === "Topology") {
    const name = Object.keys(geo.objects)[0];
    return feature(geo, geo.objects[name]).features;
  }
  if (geo.type === "FeatureCollection") return geo.features;
  return null;
}

const codeOf = (f) => String(f.id ?? f.properties?.code ?? "");

/**
 * @param counties [{code, name, city_name, score, grade, ...}]
 * @param boundaries {geo, source} from data/boundaries.json
 */
export function countyMap(counties, boundaries, {width = 640, value = "score", label = "综合得分", unit = "score", href = null, terms = {county: "县（市、区）", city: "地市"}} = {}) {
  const byCode = new Map(counties.map((c) => [c.code, c]));
  const features = featuresOf(boundaries?.geo)?.filter((f) => f.geometry);
  const matched = features?.filter((f) => byCode.has(codeOf(f))) ?? [];
  const fmt = (v) => (unit === "score" ? formatScore(v) : formatValue(v, unit));
  const legend = html`<div class="legend">${GRADES.map((g, i) => html`<span><span class="sw" style=${`background:${GRADE_COLORS[i]}`}></span>${g}</span>`)}<span><span class="sw" style="background:#d9d9d9"></span>无数据</span></div>`;
  if (matched.length === 0) return tileGrid(counties, {value, label, fmt, href, legend, terms});
  const fc = {type: "FeatureCollection", features};
  const mapWidth = Math.min(width, 900);
  const missing = counties.filter((c) => !features.some((f) => codeOf(f) === c.code));
  const datum = (f) => byCode.get(codeOf(f));
  const chart = Plot.plot({
    width: mapWidth,
    projection: {type: "mercator", domain: fc},
    style: {fontFamily: "var(--sans-serif)", fontSize: "11px"},
    marks: [
      Plot.geo(features, {
        fill: (f) => (datum(f)?.[value] == null ? "#d9d9d9" : gradeColor(gradeOf(datum(f)[value]))),
        stroke: "#fff",
        strokeWidth: 0.6,
        href: href ? (f) => (datum(f) ? href(datum(f)) : null) : undefined,
        title: (f) => {
          const d = datum(f);
          return d ? `${d.name}（${d.city_name ?? ""}）\n${label}：${fmt(d[value])}` : f.properties?.name ?? "";
        },
        tip: true
      })
    ]
  });
  return html`<figure class="county-map" data-kind="boundaries">${chart}${legend}
    <figcaption class="sketch-note">${NOTE}${boundaries?.source ? `边界来源：${boundaries.source}。` : ""}${missing.length ? `无边界的单位（${missing.map((d) => d.name).join("、")}）未绘出。` : ""}</figcaption></figure>`;
}

/** The fallback: one tile per county, grouped by city, coloured by grade. */
function tileGrid(counties, {value, label, fmt, href, legend, terms}) {
  const cities = new Map();
  for (const c of counties) {
    const key = c.city_name ?? c.city_code ?? "";
    if (!cities.has(key)) cities.set(key, []);
    cities.get(key).push(c);
  }
  return html`<figure class="county-map tile-grid" data-kind="tiles">
    <div style="display:flex;flex-wrap:wrap;gap:10px">${[...cities].map(([city, list]) => html`<div>
      <div class="hint">${city}</div>
      <div style="display:grid;grid-template-columns:repeat(${Math.ceil(Math.sqrt(list.length))},44px);gap:2px">${list.map((d) => {
        const g = gradeOf(d[value]);
        const tile = html`<div title=${`${d.name}\n${label}：${fmt(d[value])}`} style=${`height:32px;font-size:10px;line-height:1.1;padding:2px;overflow:hidden;border-radius:2px;background:${gradeColor(g)};color:${gradeText(g)}`}>${d.name.slice(0, 4)}</div>`;
        return href ? html`<a href=${href(d)} style="text-decoration:none">${tile}</a>` : tile;
      })}</div></div>`)}</div>
    ${legend}<figcaption class="sketch-note">方格示意图：每格一个${terms.county}，按所属${terms.city}分组；未提供边界数据，故不绘制地图。</figcaption></figure>`;
}
