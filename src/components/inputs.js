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

export function number(label, {value = 0, min = undefined, max = undefined, step = "any", name = ""} = {}) {
  const control = html`<input type="number" name=${name} value=${value} min=${min} max=${max} step=${step} style="width:9em">`;
  return wrap(label, control, () => (control.value === "" ? null : Number(control.value)));
}

export function checkbox(label, {value = false, name = ""} = {}) {
  const control = html`<input type="checkbox" name=${name} checked=${value}>`;
  const el = html`<label style="flex-direction:row;align-items:center;gap:4px">${control}${label}</label>`;
  Object.defineProperty(el, "value", {get: () => control.checked});
  return el;
}

export function text(label, {value = "", placeholder = "", name = ""} = {}) {
  const control = html`<input type="search" name=${name} value=${value} placeholder=${placeholder}>`;
  const el = html`<label>${label}${control}</label>`;
  Object.defineProperty(el, "value", {get: () => control.value.trim()});
  return el;
}
