// Small form controls for Framework's view(): each returns an element whose
// `value` is the current choice and which fires "input" when it changes.
import {html} from "htl";

// The control's own "input" events bubble to the label, which view() listens to.
function wrap(label, control, read) {
  const el = html`<label>${label}${control}</label>`;
  Object.defineProperty(el, "value", {get: read});
  return el;
}

/** options: [value, …] or [[value, label], …] */
export function select(options, {label = "", value = undefined, name = ""} = {}) {
  const pairs = options.map((o) => (Array.isArray(o) ? o : [o, String(o)]));
  const control = html`<select name=${name}>${pairs.map(([v, l], i) => html`<option value=${i} selected=${v === value}>${l}</option>`)}</select>`;
  return wrap(label, control, () => pairs[control.selectedIndex]?.[0]);
}
