// Builds DOM nodes. Text is always set as text, never parsed as HTML: data from the API cannot become markup.

/**
 * h('button', {class: 'primary', onclick: fn, disabled: true}, 'Save') -> <button class="primary" disabled>Save</button>
 * Children may be nodes, strings, numbers, arrays, or null/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) {
      if (typeof v === 'function') el.addEventListener(k.slice(2), v); // never an inline handler attribute
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (k === 'value' && 'value' in el) {
      el.value = v;
    } else if (k === 'checked' || k === 'selected') {
      el[k] = !!v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the content of {@code el}. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let ids = 0;
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A date-time in the browser's locale, or an em dash. */
export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

/** An SVG bar chart of {@code values} (oldest first), with a text summary for screen readers. */
export function bars(values, label) {
  const ns = 'http://www.w3.org/2000/svg';
  const max = Math.max(1, ...values);
  const w = 4 * values.length;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} 40`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'bars');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  values.forEach((v, i) => {
    const r = document.createElementNS(ns, 'rect');
    const height = v === 0 ? 0 : Math.max(1, (v / max) * 40);
    r.setAttribute('x', String(i * 4));
    r.setAttribute('y', String(40 - height));
    r.setAttribute('width', '3');
    r.setAttribute('height', String(height));
    const t = document.createElementNS(ns, 'title');
    t.textContent = `${values.length - 1 - i} min ago: ${v}`;
    r.append(t);
    svg.append(r);
  });
  return svg;
}
