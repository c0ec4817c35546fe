// A sortable table: click a header to sort (aria-sort tells screen readers).
// columns: [{key, label, format?, align?, style?(row) → css, sortValue?(row)}]
import {html} from "htl";

export function sortableTable(rows, {columns, sort = null, descending = false, caption = null, className = "", rowHref = null, maxHeight = null} = {}) {
  let key = sort;
  let desc = descending;
  const tbody = html`<tbody>`;
  const heads = columns.map((c) => {
    const th = html`<th scope="col" class=${c.align === "right" ? "num" : ""} tabindex="0" role="columnheader">${c.label}</th>`;
    const click = () => {
      desc = key === c.key ? !desc : c.align === "right";
      key = c.key;
      render();
    };
    th.addEventListener("click", click);
    th.addEventListener("keydown", (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), click()));
    return th;
  });
  const value = (row, c) => (c.sortValue ? c.sortValue(row) : row[c.key]);
  function render() {
    const col = columns.find((c) => c.key === key);
    const sorted = col
      ? rows.slice().sort((a, b) => {
          const x = value(a, col);
          const y = value(b, col);
          if (x === y) return 0;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          const r = typeof x === "string" ? x.localeCompare(y, "zh-CN") : x - y;
          return desc ? -r : r;
        })
      : rows;
    heads.forEach((th, i) => th.setAttribute("aria-sort", columns[i].key === key ? (desc ? "descending" : "ascending") : "none"));
    tbody.replaceChildren(
      ...sorted.map((row) => {
        const tr = html`<tr>${columns.map((c, i) => {
          const v = c.format ? c.format(row[c.key], row) : row[c.key] ?? "—";
          const content = i === 0 && rowHref ? html`<a href=${rowHref(row)}>${v}</a>` : v;
          return html`<td class=${c.align === "right" ? "num" : ""} style=${c.style ? c.style(row) : ""}>${content}</td>`;
        })}</tr>`;
        return tr;
      })
    );
  }
  render();
  return html`<div class="table-wrap ${className}" style=${maxHeight ? `max-height:${maxHeight}px` : ""}><table class="data">
    ${caption ? html`<caption>${caption}</caption>` : ""}
    <thead><tr>${heads}</tr></thead>${tbody}</table></div>`;
}

/** The clear Chinese empty state. */
export function noData(message = "暂无数据") {
  return html`<div class="no-data" role="status">${message}</div>`;
}
