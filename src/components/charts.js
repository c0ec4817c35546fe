// Charts drawn with Plot (bundled from node_modules): trends with control limits,
// counties by city, grade distributions, funnel plots.
import * as Plot from "@observablehq/plot";
import {html} from "htl";
import {formatValue, monthTick, formatRate, formatCount, windowLabel} from "./format.js";
import {GRADES, GRADE_COLORS, gradeColor, LINE_COLOR, PEER_COLOR, SIGNAL_COLOR} from "./colors.js";
import {classify, LEGEND_COLOR, LEGEND_LABEL} from "./legend.js";

const FONT = {fontFamily: "var(--sans-serif)", fontSize: "11px"};

function tickFormat(unit) {
  return unit === "rate" ? (d) => formatRate(d, 0) : unit === "count" ? formatCount : undefined;
}

/** A monthly trend with its control limits; points that signal a real change are marked. */
export function controlChart(series, {centre, lower, upper, unit, width = 300, height = 120, target = null, axis = true, peers = null} = {}) {
  const data = series.filter((d) => d.value !== null);
  // Limits beyond what the measure can take (a rate below 0 or above 100%, a negative count) are cut there.
  if (lower !== null && lower !== undefined) lower = Math.max(0, lower);
  if (upper !== null && upper !== undefined && unit === "rate") upper = Math.min(1, upper);
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: axis ? 48 : 8,
    marginRight: 8,
    marginTop: axis ? 20 : 7, // room for a signal's diamond at the top edge
    marginBottom: axis ? 24 : 7,
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

/**
 * Every county as a dot on one line per city. Coloured by grade (`legend` absent),
 * or by the indicator's legend set (`legend: {target, band}`: 达标 / 接近目标 / 未达标);
 * the colour legend lists exactly the classes the dots can take.
 */
export function countyStrip(counties, {x, unit = "rate", width = 640, label = "", legend = null} = {}) {
  const data = counties.filter((d) => d[x] !== null && d[x] !== undefined);
  const cities = [...new Set(data.map((d) => d.city_name ?? d.city_code))];
  const NONE = "无目标";
  const classOf = (d) => {
    const c = legend ? classify(d[x], legend.target, legend.band) : null;
    return c ? LEGEND_LABEL[c] : NONE;
  };
  const color = legend
    ? legend.target
      ? {domain: ["met", "near", "missed"].map((c) => LEGEND_LABEL[c]), range: [LEGEND_COLOR.met, LEGEND_COLOR.near, LEGEND_COLOR.missed], legend: true}
      : {domain: [NONE], range: [LEGEND_COLOR.none], legend: true}
    : {domain: [...GRADES, "未评分"], range: [...GRADE_COLORS, "#bdbdbd"], legend: true};
  const fill = legend ? classOf : (d) => d.grade ?? "未评分";
  return Plot.plot({
    width,
    height: Math.max(160, cities.length * 26 + 50),
    style: FONT,
    marginLeft: Math.min(110, Math.max(70, width * 0.22)),
    x: {label, tickFormat: tickFormat(unit), grid: true, nice: true, ticks: Math.max(3, Math.floor(width / 90))},
    y: {domain: cities, label: null},
    color,
    marks: [
      Plot.dot(data, {x, y: (d) => d.city_name ?? d.city_code, r: 5, fill, stroke: "#333", strokeWidth: 0.5, tip: true, title: (d) => `${d.name}（${d.city_name ?? ""}）\n${label}：${formatValue(d[x], unit)}${legend ? `\n${classOf(d)}` : d.grade ? `\n等级：${d.grade}` : ""}`})
    ]
  });
}

/**
 * A small monthly trend with its control limits, labelled with its first and last
 * month and its unit underneath (a sparkline must say what it spans).
 */
export function sparkline(series, {centre, lower, upper, unit, unitLabel = "", width = 200, height = 60} = {}) {
  const months = series.map((d) => d.window);
  return html`<figure class="sparkline">
    ${controlChart(series, {centre, lower, upper, unit, width, height, axis: false})}
    <figcaption class="spark-axis"><span class="first">${months.length ? windowLabel(months[0]) : ""}</span><span class="unit">${unitLabel ? `单位：${unitLabel}` : ""}</span><span class="last">${months.length ? windowLabel(months.at(-1)) : ""}</span></figcaption>
  </figure>`;
}

/** How many regions got each grade. */
export function gradeBars(rows, {width = 320, label = "单位数"} = {}) {
  const counts = GRADES.map((g) => ({grade: g, n: rows.filter((r) => r.grade === g).length}));
  return Plot.plot({
    width,
    height: 150,
    style: FONT,
    marginLeft: 50,
    marginRight: 30,
    x: {label, grid: true},
    y: {domain: GRADES, label: null},
    marks: [
      Plot.barX(counts, {x: "n", y: "grade", fill: (d) => gradeColor(d.grade)}),
      Plot.text(counts, {x: "n", y: "grade", text: (d) => `${d.n}`, dx: 10, textAnchor: "start"}),
      Plot.ruleX([0])
    ]
  });
}

const FLAG_GOOD = {above_998: "显著优于{p}", above_95: "优于{p}（警戒）", within: "在控制限内", below_95: "低于{p}（警戒）", below_998: "显著低于{p}"};
const FLAG_BAD = {above_998: "显著差于{p}", above_95: "差于{p}（警戒）", within: "在控制限内", below_95: "好于{p}（警戒）", below_998: "显著好于{p}"};

/** The Chinese reading of a funnel flag of mart_funnel, given the indicator's direction. */
export function funnelFlagLabel(flag, higherIsBetter = true, province = "全省") {
  return (higherIsBetter ? FLAG_GOOD : FLAG_BAD)[flag]?.replace("{p}", province) ?? flag;
}

/**
 * Funnel plot of a rate (points and limits from mart_funnel): each county's rate
 * against its denominator, with the scorecard's 95% and 99.8% limits around the
 * provincial rate. A county outside them differs by more than chance.
 */
export function funnelPlot(points, {rate, bands, width = 640, height = 320, label = "", higherIsBetter = true, highlight = null, province = "全省"} = {}) {
  const data = points.filter((d) => d.value !== null && d.denominator > 0);
  if (data.length === 0 || rate === null || rate === undefined) return null;
  const band = (bands ?? []).map(([n, l95, h95, l998, h998]) => ({n, l95, h95, l998, h998}));
  const order = higherIsBetter ? ["above_998", "above_95", "within", "below_95", "below_998"] : ["below_998", "below_95", "within", "above_95", "above_998"];
  const colors = ["#2c7bb6", "#abd9e9", "#bdbdbd", "#fdae61", "#d7191c"];
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: 50,
    x: {type: "log", label: "分母（件数/户数）", tickFormat: formatCount},
    y: {label, tickFormat: (d) => formatRate(d, 0), grid: true},
    color: {domain: order.map((f) => funnelFlagLabel(f, higherIsBetter, province)), range: colors, legend: true},
    marks: [
      Plot.areaY(band, {x: "n", y1: "l998", y2: "h998", fill: LINE_COLOR, fillOpacity: 0.06, curve: "monotone-x"}),
      Plot.areaY(band, {x: "n", y1: "l95", y2: "h95", fill: LINE_COLOR, fillOpacity: 0.1, curve: "monotone-x"}),
      Plot.ruleY([rate], {stroke: "#333", strokeDasharray: "4,3"}),
      Plot.dot(data, {x: "denominator", y: "value", fill: (d) => funnelFlagLabel(d.flag, higherIsBetter, province), stroke: (d) => (d.code === highlight ? "#000" : "#333"), strokeWidth: (d) => (d.code === highlight ? 2.5 : 0.5), r: (d) => (d.code === highlight ? 7 : 4), tip: true, title: (d) => `${d.name}\n${label}：${formatRate(d.value)}\n分母：${formatCount(d.denominator)}\n${funnelFlagLabel(d.flag, higherIsBetter, province)}`}),
      highlight ? Plot.text(data.filter((d) => d.code === highlight), {x: "denominator", y: "value", text: "name", dy: -12, fontWeight: "bold"}) : null
    ]
  });
}

/**
 * What each indicator added to the score (blue, right) and what it cost (orange,
 * left), grouped by dimension. rows: [{label, dimension, added, lost}]
 */
export function decompositionChart(rows, {width = 640} = {}) {
  const data = rows.flatMap((r) => [
    {...r, part: "得分", points: r.added},
    {...r, part: "失分", points: -r.lost}
  ]);
  const order = rows.map((r) => r.label);
  return Plot.plot({
    width,
    height: Math.max(160, rows.length * 20 + 60),
    style: FONT,
    marginLeft: 150,
    marginRight: 40,
    x: {label: "← 失分　　得分 →（分）", grid: true},
    y: {domain: order, label: null},
    color: {domain: ["得分", "失分"], range: ["#2c7bb6", "#e66101"], legend: true},
    marks: [
      Plot.barX(data, {x: "points", y: "label", fill: "part", tip: true, title: (d) => `${d.label}（${d.dimension}）\n${d.part}：${Math.abs(d.points).toFixed(2)} 分`}),
      Plot.ruleX([0])
    ]
  });
}

/** A region's composite score over time, with the grade bands behind it. */
export function scoreTrend(rows, {width = 640, height = 200} = {}) {
  const data = rows.filter((d) => d.composite !== null);
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: 40,
    x: {type: "point", label: null, tickFormat: monthTick},
    y: {domain: [0, 100], label: "综合得分", grid: true},
    marks: [
      Plot.ruleY([60, 80, 90], {stroke: (d) => gradeColor(d >= 90 ? "优秀" : d >= 80 ? "良好" : "合格"), strokeDasharray: "4,3"}),
      Plot.line(data, {x: "window", y: "composite", stroke: LINE_COLOR, strokeWidth: 2}),
      Plot.dot(data, {x: "window", y: "composite", fill: (d) => gradeColor(d.grade), stroke: "#333", r: 4, tip: true, title: (d) => `${monthTick(d.window)}：${d.composite?.toFixed(1)} 分（${d.grade}）`})
    ]
  });
}

/** The province's monthly value with the counties' 10–90 % range and median behind it. */
export function spreadTrend(province, spread, {unit = "rate", width = 640, height = 240, target = null} = {}) {
  const months = spread.map((d) => d.window);
  const prov = province.filter((d) => months.includes(d.window) && d.value !== null);
  return Plot.plot({
    width,
    height,
    style: FONT,
    marginLeft: 56,
    x: {type: "point", domain: months, tickFormat: monthTick, label: null},
    y: {grid: true, nice: true, tickFormat: tickFormat(unit), label: null},
    marks: [
      Plot.areaY(spread, {x: "window", y1: "p10", y2: "p90", fill: PEER_COLOR, fillOpacity: 0.25}),
      Plot.line(spread, {x: "window", y: "p50", stroke: PEER_COLOR, strokeDasharray: "3,3"}),
      target !== null ? Plot.ruleY([target], {stroke: "#333", strokeDasharray: "6,3"}) : null,
      Plot.line(prov, {x: "window", y: "value", stroke: LINE_COLOR, strokeWidth: 2}),
      Plot.dot(prov, {x: "window", y: "value", fill: LINE_COLOR, r: 3, tip: true, title: (d) => `${monthTick(d.window)} 全区：${formatValue(d.value, unit)}`})
    ]
  });
}
