// A journey drawn as a graph in inline SVG, laid out in the browser: breadth-first levels from the start, top to
// bottom, one box per step (its type, id and what it does) and an arrow per exit with its label. Boxes are buttons:
// Tab reaches each, Enter or Space selects it. Text says everything the colours say.
import {exits, levels, summary, STEP_TYPES, typeLabel} from './journey-model.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 220;
const H = 92;
const GAP_X = 36;
const GAP_Y = 70;
const PAD = 24;
const LANE = 18;
const TRIGGER_H = 34;
const MAX_CHARS = 30;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function clip(text, n = MAX_CHARS) {
  const t = String(text).replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/**
 * @param def the definition
 * @param opts {selected, problems: Map(step id → count), trigger: text, onSelect(id)}
 * @returns an element holding the SVG
 */
export function journeyGraph(def, {selected = null, problems = new Map(), trigger = '', onSelect = () => {}} = {}) {
  const {level, order} = levels(def);
  const rows = [];
  for (const id of order) {
    const l = level.get(id);
    (rows[l] = rows[l] || []).push(id);
  }
  const widest = Math.max(1, ...rows.map((r) => (r ? r.length : 0)));
  const far = [];
  // exits that do not go one level down are drawn along lanes on the right
  for (const id of order) {
    for (const e of exits(def.steps[id])) {
      if (e.target && def.steps[e.target] && level.get(e.target) !== level.get(id) + 1) far.push({from: id, e});
    }
  }
  const inner = widest * W + (widest - 1) * GAP_X;
  const width = Math.max(PAD * 2 + inner + (far.length ? far.length * LANE + LANE : 0), Math.min(420, `▶ Start ${trigger}`.length * 7.5 + 40));
  const top = PAD + TRIGGER_H + GAP_Y / 2;
  const height = top + rows.length * (H + GAP_Y) - GAP_Y + PAD + 20;
  const pos = new Map();
  rows.forEach((r, l) => (r || []).forEach((id, i) => {
    const rowWidth = r.length * W + (r.length - 1) * GAP_X;
    pos.set(id, {x: PAD + (inner - rowWidth) / 2 + i * (W + GAP_X), y: top + l * (H + GAP_Y)});
  }));

  const svg = s('svg', {class: 'journey-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group',
    'aria-label': `The journey as a graph: ${order.length} steps. Each step is a button.`});
  svg.append(s('defs', {}, s('marker', {id: 'jg-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: 'auto-start-reverse'}, s('path', {d: 'M0,0 L10,5 L0,10 z', class: 'jg-arrowhead'}))));

  // the trigger, above the start
  const startPos = pos.get(def.start);
  const edges = s('g', {class: 'jg-edges'});
  const labels = s('g', {class: 'jg-labels'});
  const nodes = s('g', {class: 'jg-nodes'});
  svg.append(edges, labels, nodes);
  if (startPos) {
    const text = clip(`▶ Start ${trigger}`, 48);
    const tx = startPos.x + W / 2;
    const tw = Math.min(width - 8, Math.max(120, text.length * 7.5 + 28));
    const left = Math.max(4, Math.min(tx - tw / 2, width - tw - 4));
    nodes.append(s('g', {class: 'jg-trigger', 'aria-hidden': 'true'},
      s('rect', {x: left, y: PAD, width: tw, height: TRIGGER_H, rx: TRIGGER_H / 2}),
      s('text', {x: left + tw / 2, y: PAD + TRIGGER_H / 2 + 5, 'text-anchor': 'middle'}, text)));
    edges.append(s('path', {d: `M${tx},${PAD + TRIGGER_H} L${tx},${startPos.y}`, class: 'jg-edge', 'marker-end': 'url(#jg-arrow)'}));
  }

  // arrows: one level down as curves, others along a lane on the right
  let lane = 0;
  for (const id of order) {
    const p = pos.get(id);
    const out = exits(def.steps[id]);
    const down = out.filter((e) => e.target && def.steps[e.target] && level.get(e.target) === level.get(id) + 1);
    out.forEach((e) => {
      if (!e.target || !def.steps[e.target]) return;
      const q = pos.get(e.target);
      let d;
      let lx;
      let ly;
      const i = down.indexOf(e);
      if (i >= 0) {
        const sx = p.x + (W * (i + 1)) / (down.length + 1);
        const sy = p.y + H;
        const tx = q.x + W / 2;
        const ty = q.y;
        d = `M${sx},${sy} C${sx},${sy + GAP_Y / 2} ${tx},${ty - GAP_Y / 2} ${tx},${ty}`;
        lx = (sx + tx) / 2 + (sx === tx ? 6 : 0);
        ly = (sy + ty) / 2 + 4;
      } else {
        lane += 1;
        const x = PAD + inner + lane * LANE;
        const sy = p.y + H / 2 + (lane % 3) * 6 - 6;
        const ty = q.y + H / 2 - (lane % 3) * 6 + 6;
        d = `M${p.x + W},${sy} L${x},${sy} L${x},${ty} L${q.x + W},${ty}`;
        lx = Math.min(x - 4, p.x + W + 70);
        ly = sy - 6;
      }
      edges.append(s('path', {d, class: 'jg-edge', 'marker-end': 'url(#jg-arrow)', 'data-from': id, 'data-to': e.target}));
      if (e.label !== 'next') {
        labels.append(s('text', {x: lx, y: ly, 'text-anchor': i >= 0 && down.length === 1 ? 'start' : 'middle', class: 'jg-edge-label',
          'aria-hidden': 'true'}, clip(e.label, 24)));
      }
    });
  }

  // the boxes
  for (const id of order) {
    const step = def.steps[id];
    const p = pos.get(id);
    const t = STEP_TYPES[step.type];
    const n = problems.get(id) || 0;
    const cap = (x) => x.charAt(0).toUpperCase() + x.slice(1);
    const words = `Step ${id}: ${typeLabel(step.type)}, ${summary(step)}.`
      + exits(step).map((e) => ` ${cap(e.label === 'next' ? 'then' : e.label)}: ${e.target ? `step ${e.target}` : 'the journey ends'}.`).join('')
      + (n ? ` ${n === 1 ? '1 problem' : `${n} problems`}.` : '');
    const ends = exits(step).filter((e) => !e.target);
    const g = s('g', {class: `jg-node${id === selected ? ' selected' : ''}${n ? ' has-problem' : ''}${id === def.start ? ' start' : ''}`,
      transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button', 'aria-pressed': String(id === selected), 'aria-label': words,
      'data-step': id, 'data-type': step.type},
    s('title', {}, words),
    s('rect', {width: W, height: H, rx: 8}),
    s('text', {x: 12, y: 22, class: 'jg-type'}, `${t ? t.icon : '?'} `, clip(typeLabel(step.type), 26)),
    s('text', {x: 12, y: 42, class: 'jg-id'}, clip(id, 28)),
    s('text', {x: 12, y: 62, class: 'jg-summary'}, clip(summary(step))));
    if (n) g.append(s('text', {x: W - 10, y: 22, 'text-anchor': 'end', class: 'jg-problem'}, `⚠ ${n}`));
    if (ends.length) {
      const e = exits(step).filter((x) => !x.target).map((x) => (x.label === 'next' ? '' : x.label));
      g.append(s('text', {x: 12, y: 82, class: 'jg-end'}, clip(e.length === 1 && !e[0] ? '● then the journey ends' : `● ${e.join(', ')}: journey ends`)));
    }
    g.addEventListener('click', () => onSelect(id));
    g.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        onSelect(id, true);
      }
    });
    nodes.append(g);
  }
  const wrap = document.createElement('div');
  wrap.className = 'graph-wrap';
  wrap.append(svg);
  return wrap;
}
