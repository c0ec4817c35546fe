// 环比 and 同比 beside a figure: the previous window of the same kind and the same
// window a year earlier, with an arrow coloured by the indicator's direction
// (blue = better, red = worse, grey for context measures without a direction).
import {html} from "htl";
import {formatDelta} from "./format.js";

/** The change from `base` to `value` in the unit's words: +1.2 个百分点 · +35 · −0.5 天 · +2.1 分. */
export function deltaText(delta, unit) {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return "—";
  switch (unit) {
    case "rate": return `${formatDelta(delta * 100)} 个百分点`;
    case "count": return formatDelta(delta, Math.abs(delta) >= 100 || Number.isInteger(delta) ? 0 : 1);
    case "days": return `${formatDelta(delta)} 天`;
    case "pp": return `${formatDelta(delta)} 个百分点`;
    case "score": return `${formatDelta(delta)} 分`;
    case "rank": return delta > 0 ? `上升 ${delta} 名` : delta < 0 ? `下降 ${-delta} 名` : "持平";
    default: return formatDelta(delta, 2);
  }
}

/**
 * One comparison: "环比 ▲ +1.2 个百分点". `value` and `base` are numbers or null;
 * `higherIsBetter` null means no direction (context measure).
 */
export function change(label, value, base, {unit, higherIsBetter = true, baseLabel = ""} = {}) {
  const ok = (v) => v !== null && v !== undefined && Number.isFinite(v);
  if (!ok(value) || !ok(base)) return html`<span class="change none" title=${baseLabel ? `${label}：${baseLabel}无可比数据` : ""}>${label} —</span>`;
  const delta = unit === "rank" ? base - value : value - base;
  const eps = unit === "rate" ? 5e-4 : 5e-3;
  const flat = Math.abs(delta) < eps;
  const better = higherIsBetter === null ? null : unit === "rank" ? delta > 0 : higherIsBetter ? delta > 0 : delta < 0;
  const cls = flat ? "flat" : better === null ? "neutral" : better ? "better" : "worse";
  const arrow = flat ? "→" : (unit === "rank" ? delta > 0 : delta > 0) ? "▲" : "▼";
  return html`<span class=${`change ${cls}`} title=${baseLabel ? `${label}：与${baseLabel}相比` : ""}>${label} <b>${arrow}</b> ${flat ? "持平" : deltaText(delta, unit)}</span>`;
}
