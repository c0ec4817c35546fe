// The window picker: every window computed, grouped by kind; the choice lives in the
// URL's query string (?w=2026-Q2), so a link is shareable and works on any static
// server (no rewrites). Links to other pages carry the window with withWindow().
import {html} from "htl";
import {windowLabel, WINDOW_KIND_LABEL} from "./format.js";

/** The window named in the URL, when it is one of `list`, else `fallback`. */
export function windowFromUrl(list, fallback) {
  const w = new URLSearchParams(location.search).get("w");
  return list.some((x) => x.id === w) ? w : fallback;
}

/** `href` with the window in its query string (keeps any #hash). */
export function withWindow(href, w) {
  if (!w) return href;
  const [path, hash] = href.split("#");
  const [base, query] = path.split("?");
  const params = new URLSearchParams(query ?? "");
  params.set("w", w);
  return `${base}?${params}${hash !== undefined ? `#${hash}` : ""}`;
}

/**
 * A <select> over `list` ([{id, kind}]), for Framework's view(). Choosing a window
 * rewrites the URL's ?w= in place (history.replaceState), so reload and share keep it.
 */
export function windowPicker(list, {value, label = "统计期"} = {}) {
  const kinds = [...new Set(list.map((w) => w.kind))];
  const control = html`<select name="window" class="window-picker">${kinds.map((k) => html`<optgroup label=${WINDOW_KIND_LABEL[k] ?? k}>${list
    .filter((w) => w.kind === k)
    .map((w) => html`<option value=${w.id} selected=${w.id === value}>${windowLabel(w.id)}</option>`)}</optgroup>`)}</select>`;
  control.addEventListener("input", () => {
    const url = new URL(location.href);
    url.searchParams.set("w", control.value);
    history.replaceState(history.state, "", url);
  });
  const el = html`<label class="window-control">${label}${control}</label>`;
  Object.defineProperty(el, "value", {get: () => control.value});
  return el;
}
