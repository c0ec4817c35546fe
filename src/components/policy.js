// Policy sources and scoring rules in words.
import {formatValue} from "./format.js";

/** The seed documents the catalogue cites by number (../shared/spec/indicators.md). */
export const SEED_DOCUMENTS = {
  "000": "民政部关于建立健全社会救助监督检查长效机制的通知（2013）",
  "001": "福建省民政厅关于进一步加强社会救助精准监督工作的意见（2017）",
  "002": "宝清县加强社会救助审核确认权限下放监管工作（2022）",
  "003": "重庆市加强社会救助资金监管工作方案（2020）",
  "004": "内蒙古关于进一步加强和改进最低生活保障工作的实施意见（2013）"
};

/** "004 二(二)4 30个工作日; …" → "《内蒙古…实施意见（2013）》二(二)4 30个工作日；…" */
export function expandSource(source) {
  if (!source) return "—";
  return source
    .split(/;\s*/)
    .map((part) => {
      const m = /^(\d{3})\b\s*(.*)$/.exec(part.trim());
      return m && SEED_DOCUMENTS[m[1]] ? `《${SEED_DOCUMENTS[m[1]]}》${m[2]}` : part.trim();
    })
    .join("；");
}

/** A scoring rule of the scorecard configuration, in Chinese. */
export function ruleText(rule, unit, terms = {provinceSelf: "全省", countyShort: "县区"}) {
  if (!rule) return "—";
  const v = (x) => formatValue(x, unit);
  switch (rule.type) {
    case "linear":
      return `线性计分：${v(rule.worst)} 及以${rule.best > rule.worst ? "下" : "上"}得 0 分，${v(rule.best)} 及以${rule.best > rule.worst ? "上" : "下"}得 100 分，其间按比例计分`;
    case "threshold":
      return `达标计分：${rule.direction === "lower" ? "不高于" : "不低于"} ${v(rule.target)} 得 100 分，否则 0 分`;
    case "deduct":
      return `扣分制：每发现 1 例扣 ${rule.per} 分，最多扣 ${rule.max} 分`;
    case "relative":
      return `相对计分：${terms.provinceSelf}${rule.direction === "lower" ? "最低" : "最高"}的${terms.countyShort}得 100 分，${rule.direction === "lower" ? "最高" : "最低"}的得 0 分，其间按比例计分`;
    default:
      return JSON.stringify(rule);
  }
}
