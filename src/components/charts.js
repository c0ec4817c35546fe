// Charts drawn with Plot (bundled from node_modules): trends with control limits,
// counties by city, grade distributions, funnel plots.
import * as Plot from "@observablehq/plot";
import {formatValue, monthTick, formatRate, formatCount} from "./format.js";
import {GRADES, GRADE_COLORS, gradeColor, LINE_COLOR, PEER_COLOR, SIGNAL_COLOR} from "./colors.js";

const FONT = {fontFamily: "var(--sans-serif)", fontSize: "11px"};

function tickFormat(unit) {
  return unit === "rate" ? (d) => formatRate(d, 0) : unit === "count" ? formatCount : undefined;
}

/** A monthly trend with its control limits; points that signal a real change are marked. */
export function controlChart(series, {centre, lower, upper, unit, width = 300, height = 120, target = null, axis = true, peers = null} = {}) {
  const data = series.filter((d) => d.value !== null);
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: axis ? 48 : 8,
    marginRight: 8,
    marginBottom: axis ? 24 : 6,
    x: {type: "point", domain: series.map((d) => d.window), tickFormat: monthTick, axis: axis ? "bottom" : null, label: null, ticks: series.length > 8 ? series.filter((_, i) => i % 2 === series.length % 2 ? 0 : 1).map((d) => d.window) : undefined},
    y: {axis: axis ? "left" : null, label: null, tickFormat: tickFormat(unit), nice: true, grid: axis, ticks: 4},
    marks: [
      lower !== null && upper !== null && centre !== null
        ? [
            Plot.areaY(series, {x: "window", y1: () => lower, y2: () => upper, fill: LINE_COLOR, fillOpacity: 0.08}),
            Plot.ruleY([centre], {stroke: LINE_COLOR, strokeOpacity: 0.4, strokeDasharray: "3,3"})
          ]
        : null,
      target !== null ? Plot.ruleY([target], {stroke: "#333", strokeDasharray: "6,3", strokeWidth: 1}) : null,
      peers ? Plot.line(peers, {x: "window", y: "value", stroke: PEER_COLOR, strokeWidth: 1.5, strokeDasharray: "2,2"}) : null,
      Plot.line(data, {x: "window", y: "value", stroke: LINE_COLOR, strokeWidth: 2}),
      Plot.dot(data, {x: "window", y: "value", r: (d) => (d.signal ? 4.5 : 2), fill: (d) => (d.signal ? SIGNAL_COLOR : LINE_COLOR), symbol: (d) => (d.signal ? "diamond" : "circle"), tip: {format: {x: true, y: false, r: false, fill: false, symbol: false}}, title: (d) => `${monthTick(d.window)}：${formatValue(d.value, unit)}${d.signal ? "（显著变化）" : ""}`})
    ]
  });
}

/** Every county as a dot on one line per city, coloured by grade. */
export function countyStrip(counties, {x, unit = "rate", width = 640, label = ""} = {}) {
  const data = counties.filter((d) => d[x] !== null && d[x] !== undefined);
  const cities = [...new Set(data.map((d) => d.city_name ?? d.city_code))];
  return Plot.plot({
    width,
    height: Math.max(160, cities.length * 26 + 50),
    style: FONT,
    marginLeft: 110,
    x: {label, tickFormat: tickFormat(unit), grid: true, nice: true},
    y: {domain: cities, label: null},
    color: {domain: [...GRADES, "未评分"], range: [...GRADE_COLORS, "#bdbdbd"], legend: true},
    marks: [
      Plot.dot(data, {x, y: (d) => d.city_name ?? d.city_code, r: 5, fill: (d) => d.grade ?? "未评分", stroke: "#333", strokeWidth: 0.5, tip: true, title: (d) => `${d.name}（${d.city_name ?? ""}）\n${label}：${formatValue(d[x], unit)}${d.grade ? `\n等级：${d.grade}` : ""}`})
    ]
  });
}

/** How many regions got each grade. */
export function gradeBars(rows, {width = 320} = {}) {
  const counts = GRADES.map((g) => ({grade: g, n: rows.filter((r) => r.grade === g).length}));
  return Plot.plot({
    width,
    height: 150,
    style: FONT,
    marginLeft: 50,
    marginRight: 30,
    x: {label: "区县数", grid: true},
    y: {domain: GRADES, label: null},
    marks: [
      Plot.barX(counts, {x: "n", y: "grade", fill: (d) => gradeColor(d.grade)}),
      Plot.text(counts, {x: "n", y: "grade", text: (d) => `${d.n}`, dx: 10, textAnchor: "start"}),
      Plot.ruleX([0])
    ]
  });
}

/**
 * Funnel plot of a rate: each county's rate against its denominator, with the
 * 95% and 99.8% limits around the overall rate (a county outside them differs by
 * more than chance).
 */
export function funnelPlot(rows, {width = 640, height = 320, label = "", higherIsBetter = true, highlight = null} = {}) {
  const data = rows.filter((d) => d.value !== null && d.denominator > 0);
  if (data.length === 0) return null;
  const p = data.reduce((s, d) => s + d.numerator, 0) / data.reduce((s, d) => s + d.denominator, 0);
  const maxN = Math.max(...data.map((d) => d.denominator));
  const minN = Math.max(1, Math.min(...data.map((d) => d.denominator)));
  const ns = [];
  for (let i = 0; i <= 80; i++) ns.push(minN * Math.pow(maxN / minN, i / 80));
  const band = (z) => ns.map((n) => ({n, lo: Math.max(0, p - z * Math.sqrt((p * (1 - p)) / n)), hi: Math.min(1, p + z * Math.sqrt((p * (1 - p)) / n))}));
  const b95 = band(1.96);
  const b998 = band(3.09);
  const flag = (d) => {
    const z = (d.value - p) / Math.sqrt((p * (1 - p)) / d.denominator || 1);
    if (!Number.isFinite(z) || Math.abs(z) < 3.09) return Math.abs(z) >= 1.96 ? "警戒" : "正常";
    return (z > 0) === higherIsBetter ? "显著偏好" : "显著偏差";
  };
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: 50,
    x: {type: "log", label: "分母（办件/户数）", tickFormat: formatCount},
    y: {label, tickFormat: (d) => formatRate(d, 0), grid: true},
    color: {domain: ["显著偏好", "正常", "警戒", "显著偏差"], range: ["#2c7bb6", "#9e9e9e", "#fdae61", "#d7191c"], legend: true},
    marks: [
      Plot.areaY(b998, {x: "n", y1: "lo", y2: "hi", fill: LINE_COLOR, fillOpacity: 0.06}),
      Plot.areaY(b95, {x: "n", y1: "lo", y2: "hi", fill: LINE_COLOR, fillOpacity: 0.1}),
      Plot.ruleY([p], {stroke: "#333", strokeDasharray: "4,3"}),
      Plot.dot(data, {x: "denominator", y: "value", fill: flag, stroke: (d) => (d.code === highlight ? "#000" : "#333"), strokeWidth: (d) => (d.code === highlight ? 2.5 : 0.5), r: (d) => (d.code === highlight ? 7 : 4), tip: true, title: (d) => `${d.name}\n${label}：${formatRate(d.value)}\n${formatCount(d.numerator)} / ${formatCount(d.denominator)}\n${flag(d)}`})
    ]
  });
}
