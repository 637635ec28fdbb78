// The KPI dashboard's charts: inline SVG built node by node (no markup parsed, no inline style), readable without
// colour: the series is a solid line with round markers, the goal a dashed line labelled "goal N", every value has a
// <title>, and the NPS bar's parts carry patterns and printed labels.

const NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes, and children (nodes or text). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * How a value of a unit reads: "23.5 %", "1,234.50", "0.81", "12 days". digits: the fraction digits an axis's ticks
 * need (0.25, 0.5, 0.75 must not all read "0.3", "0.5", "0.8"), or undefined for the unit's own.
 */
export function format(unit, v, digits) {
  if (v === null || v === undefined) return 'no value';
  const x = Number(v);
  if (digits !== undefined && unit !== 'currency') {
    const text = x.toLocaleString(undefined, {minimumFractionDigits: digits, maximumFractionDigits: digits});
    return unit === 'percent' ? `${text} %` : unit === 'days' ? `${text} days` : text;
  }
  switch (unit) {
    case 'percent': return `${x.toLocaleString(undefined, {maximumFractionDigits: 1})} %`;
    case 'currency': return x.toLocaleString(undefined, {minimumFractionDigits: 2, maximumFractionDigits: 2});
    case 'count': return x.toLocaleString(undefined, {maximumFractionDigits: 0});
    case 'days': return `${x.toLocaleString(undefined, {maximumFractionDigits: 1})} days`;
    default: return x.toLocaleString(undefined, {maximumFractionDigits: 2});
  }
}

/** A short label of a period's start for an axis: "Jan 1997" by month, "6 Jan" by day or week. */
export function periodLabel(start, granularity) {
  const d = new Date(`${start}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return start;
  return granularity === 'month' ? d.toLocaleDateString(undefined, {month: 'short', year: 'numeric', timeZone: 'UTC'})
    : d.toLocaleDateString(undefined, {day: 'numeric', month: 'short', year: '2-digit', timeZone: 'UTC'});
}

/** Round steps for an axis from lo to hi: about {@code count} ticks at 1, 2 or 5 times a power of ten. */
export function ticks(lo, hi, count = 4) {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= raw);
  const first = Math.floor(lo / step) * step;
  const out = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  if (out[out.length - 1] < hi) out.push(Number((out[out.length - 1] + step).toPrecision(12)));
  return out;
}

/** @return how many fraction digits show every tick as it is (at most 6) */
export function tickDigits(values) {
  return Math.min(6, Math.max(0, ...values.map((t) => (String(t).split('.')[1] || '').length)));
}

const W = 640;
const H = 240;
const M = {left: 64, right: 72, top: 16, bottom: 40};

/**
 * A KPI's series as a line chart. items: [{start, value}] oldest first (value null: no value, drawn as a gap);
 * goal: a number or null. The chart is an image with a summary as its label; each point has a <title>.
 */
export function lineChart({title, unit, granularity, items, goal}) {
  const values = items.map((i) => (i.value === null || i.value === undefined ? null : Number(i.value)));
  const known = values.filter((v) => v !== null);
  const all = goal === null || goal === undefined ? known : [...known, Number(goal)];
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (lo >= 0) lo = 0; // amounts and rates from zero, so that the line's height means something
  if (hi === lo) hi = lo + 1;
  const axis = ticks(lo, hi);
  const digits = tickDigits(axis);
  lo = Math.min(lo, axis[0]);
  hi = Math.max(hi, axis[axis.length - 1]);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i) => M.left + (items.length <= 1 ? plotW / 2 : (i * plotW) / (items.length - 1));
  const y = (v) => M.top + plotH - ((v - lo) / (hi - lo)) * plotH;

  const latest = [...items].reverse().find((i) => i.value !== null && i.value !== undefined);
  const summary = `${title}, ${items.length} periods from ${items.length ? periodLabel(items[0].start, granularity) : '—'}`
    + `${latest ? `; latest value ${format(unit, latest.value)} (${periodLabel(latest.start, granularity)})` : '; no value yet'}`
    + `${goal !== null && goal !== undefined ? `; goal ${format(unit, goal)}` : ''}. The values are in the table below the chart.`;
  const svg = s('svg', {class: 'kpi-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary}, s('title', {}, summary));

  // axes, with the values of the ticks
  const grid = s('g', {class: 'kc-axis', 'aria-hidden': 'true'});
  for (const t of axis) {
    grid.append(s('line', {class: 'kc-grid', x1: M.left, x2: W - M.right, y1: y(t), y2: y(t)}),
      s('text', {class: 'kc-tick', x: M.left - 6, y: y(t) + 4, 'text-anchor': 'end'}, format(unit, t, digits)));
  }
  const every = Math.max(1, Math.ceil(items.length / 8));
  const last = items.length - 1;
  items.forEach((it, i) => {
    if ((i % every === 0 && last - i >= every) || i === last) { // the last label, and none too close before it
      grid.append(s('line', {class: 'kc-grid', x1: x(i), x2: x(i), y1: M.top + plotH, y2: M.top + plotH + 4}),
        s('text', {class: 'kc-tick', x: x(i), y: H - M.bottom + 26, 'text-anchor': 'middle'}, periodLabel(it.start, granularity)));
    }
  });
  grid.append(s('line', {class: 'kc-baseline', x1: M.left, x2: W - M.right, y1: M.top + plotH, y2: M.top + plotH}));
  svg.append(grid);

  // the goal: dashed, labelled at its end
  if (goal !== null && goal !== undefined) {
    const gy = y(Number(goal));
    svg.append(s('g', {class: 'kc-goal'},
      s('line', {x1: M.left, x2: W - M.right, y1: gy, y2: gy}),
      s('text', {x: W - M.right + 4, y: gy + 4}, `goal ${format(unit, goal)}`)));
  }

  // the series: one path, broken where a period has no value
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
    pen = true;
  });
  if (d) svg.append(s('path', {class: 'kc-line', d: d.trim()}));
  const points = s('g', {class: 'kc-points'});
  values.forEach((v, i) => {
    const label = `${periodLabel(items[i].start, granularity)}: ${format(unit, v)}`;
    if (v === null) {
      // no value: a small cross under the axis, outside the plot, never a point at zero
      const cy = M.top + plotH + 9;
      points.append(s('g', {class: 'kc-none', 'data-start': items[i].start},
        s('title', {}, label),
        s('line', {x1: x(i) - 3, x2: x(i) + 3, y1: cy - 3, y2: cy + 3}),
        s('line', {x1: x(i) - 3, x2: x(i) + 3, y1: cy + 3, y2: cy - 3})));
    } else {
      points.append(s('circle', {class: 'kc-point', cx: x(i), cy: y(v), r: 3.5, 'data-start': items[i].start, 'data-value': v}, s('title', {}, label)));
    }
  });
  svg.append(points);
  return svg;
}

/**
 * A stacked bar of parts [{key, label, count}], each filled with its own pattern (hatched, dotted, plain) and labelled
 * with its share when it is wide enough; {@link swatch} draws the same pattern for a legend that names every part.
 */
export function stackedBar(parts, label) {
  const total = parts.reduce((a, p) => a + p.count, 0);
  const width = 600;
  const svg = s('svg', {class: 'stacked-bar', viewBox: `0 0 ${width} 44`, role: 'img', 'aria-label': label}, s('title', {}, label), patterns());
  let at = 0;
  parts.forEach((p) => {
    const w = total ? (p.count / total) * width : 0;
    const share = total ? Math.round((p.count / total) * 100) : 0;
    const g = s('g', {class: `sb-part ${p.key}`, 'data-part': p.key}, s('title', {}, `${p.label}: ${p.count.toLocaleString()} (${share} %)`),
      s('rect', {class: 'sb-rect', x: at, y: 2, width: Math.max(0, w), height: 40, fill: `url(#pat-${p.key})`}));
    if (w >= 120) g.append(s('text', {class: 'sb-label', x: at + w / 2, y: 27, 'text-anchor': 'middle'}, `${p.label} ${share} %`));
    svg.append(g);
    at += w;
  });
  return svg;
}

/** The patterns of the NPS parts, defined once per bar. */
function patterns() {
  return s('defs', {},
    s('pattern', {id: 'pat-detractors', width: 8, height: 8, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)'},
      s('rect', {class: 'sb-bg detractors', width: 8, height: 8}), s('line', {class: 'sb-hatch', x1: 0, y1: 0, x2: 0, y2: 8})),
    s('pattern', {id: 'pat-passives', width: 8, height: 8, patternUnits: 'userSpaceOnUse'},
      s('rect', {class: 'sb-bg passives', width: 8, height: 8}), s('circle', {class: 'sb-dot', cx: 4, cy: 4, r: 1.5})),
    s('pattern', {id: 'pat-promoters', width: 8, height: 8, patternUnits: 'userSpaceOnUse'},
      s('rect', {class: 'sb-bg promoters', width: 8, height: 8})));
}

/** A small square of a part's pattern, for a legend beside its bar. */
export function swatch(key) {
  return s('svg', {class: 'swatch', viewBox: '0 0 16 16', 'aria-hidden': 'true'}, s('rect', {class: 'sb-rect', width: 16, height: 16, fill: `url(#pat-${key})`}));
}
