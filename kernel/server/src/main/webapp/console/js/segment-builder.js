// The segment builder: a tree of groups and conditions, each picked from lists. It writes the condition JSON itself
// (the grammar of docs/reference/api.md, Segments), reads a saved one back, and places the API's errors, which name
// the part of the condition at fault by JSON pointer, next to the row they concern.
import {h, replace, uid} from './dom.js';

/** The profile fields a condition can test, with the kind of value each holds. */
export const PROFILE_FIELDS = [
  {value: 'email', label: 'E-mail address', type: 'text'}, {value: 'phone', label: 'Phone number', type: 'text'},
  {value: 'firstName', label: 'First name', type: 'text'}, {value: 'lastName', label: 'Last name', type: 'text'},
  {value: 'locale', label: 'Language', type: 'text'}, {value: 'timeZone', label: 'Time zone', type: 'text'},
  {value: 'stage', label: 'Stage', type: 'text'}, {value: 'orderCount', label: 'Number of orders', type: 'number'},
  {value: 'revenue', label: 'Revenue', type: 'number'}, {value: 'createdAt', label: 'Created', type: 'date'},
  {value: 'lastSeenAt', label: 'Last seen', type: 'date'},
];
const ATTRIBUTE_TYPES = [{value: 'text', label: 'Text'}, {value: 'number', label: 'Number'}, {value: 'date', label: 'Date'},
  {value: 'bool', label: 'Yes or no'}];
const KINDS = [
  {value: 'profile', label: 'Profile field'}, {value: 'attribute', label: 'Custom field'}, {value: 'tag', label: 'Tag'},
  {value: 'consent', label: 'Consent'}, {value: 'event', label: 'Events'}, {value: 'rfm', label: 'RFM'},
];
const MODES = [
  {value: 'all', label: 'all of these'}, {value: 'any', label: 'any of these'},
  {value: 'none', label: 'none of these'}, {value: 'notAll', label: 'not all of these'},
];
/** The operators each kind of value takes, in the words the page shows. */
const OPS = {
  text: [['eq', 'is'], ['ne', 'is not'], ['in', 'is one of'], ['startsWith', 'starts with'], ['contains', 'contains'],
    ['exists', 'has a value'], ['missing', 'has no value']],
  number: [['eq', 'is'], ['ne', 'is not'], ['gt', 'is more than'], ['gte', 'is at least'], ['lt', 'is less than'], ['lte', 'is at most'],
    ['exists', 'has a value'], ['missing', 'has no value']],
  date: [['withinLastDays', 'is within the last … days'], ['olderThanDays', 'is more than … days ago'], ['gt', 'is after'],
    ['gte', 'is on or after'], ['lt', 'is before'], ['lte', 'is on or before'], ['exists', 'has a value'], ['missing', 'has no value']],
  bool: [['eq', 'is'], ['ne', 'is not'], ['exists', 'has a value'], ['missing', 'has no value']],
  tag: [['has', 'has the tag'], ['hasNot', 'does not have the tag']],
  consent: [['granted', 'has granted'], ['withdrawn', 'has withdrawn'], ['notGranted', 'has not granted']],
  event: [['gte', 'at least'], ['gt', 'more than'], ['eq', 'exactly'], ['ne', 'not exactly'], ['lte', 'at most'], ['lt', 'fewer than'],
    ['none', 'none']],
  group: [['eq', 'is'], ['ne', 'is not'], ['in', 'is one of'], ['exists', 'has a group'], ['missing', 'has no group (no order in the window)']],
  score: [['eq', 'is'], ['ne', 'is not'], ['gt', 'is more than'], ['gte', 'is at least'], ['lt', 'is less than'], ['lte', 'is at most']],
};
const NO_VALUE = ['exists', 'missing', 'none'];
const DAYS = ['withinLastDays', 'olderThanDays'];
const COMPARISONS = ['gt', 'gte', 'lt', 'lte'];
export const RFM_GROUPS = ['champions', 'loyal', 'potential_loyalists', 'new_customers', 'promising', 'need_attention', 'about_to_sleep',
  'cannot_lose_them', 'at_risk', 'hibernating', 'lost'];
const RFM_MEASURES = [
  {value: 'group', label: 'RFM group'}, {value: 'r', label: 'Recency score (1–5)'}, {value: 'f', label: 'Frequency score (1–5)'},
  {value: 'm', label: 'Monetary score (1–5)'}, {value: 'recencyDays', label: 'Days since the last order'},
  {value: 'frequency', label: 'Orders in the window'}, {value: 'monetary', label: 'Spent in the window'},
];
const PURPOSES = [{value: 'marketing', label: 'Marketing'}, {value: 'surveys', label: 'Surveys'}, {value: 'transactional', label: 'Transactional'}];
const CHANNELS = [{value: 'email', label: 'E-mail'}, {value: 'sms', label: 'SMS'}, {value: 'webhook', label: 'Webhook'}];
/** Suggestions only: any event type can be typed. */
const EVENT_TYPES = ['order.completed', 'page.viewed', 'product.viewed', 'cart.updated', 'customer.identified', 'message.sent',
  'message.delivered', 'message.opened', 'message.clicked', 'message.bounced', 'segment.entered', 'segment.exited'];
const STAGES = ['awareness', 'consideration', 'purchase', 'retention', 'loyalty'];
const MAX_DEPTH = 8;

export const groupLabel = (g) => g.split('_').map((w, i) => (i === 0 ? w[0].toUpperCase() + w.slice(1) : w)).join(' ');
const opsFor = (rule) => {
  if (rule.kind === 'profile') return OPS[fieldType(rule.field)];
  if (rule.kind === 'attribute') return OPS[rule.type];
  if (rule.kind === 'rfm') return rule.field === 'group' ? OPS.group : OPS.score;
  return OPS[rule.kind];
};
const fieldType = (name) => (PROFILE_FIELDS.find((f) => f.value === name) || PROFILE_FIELDS[0]).type;
const labelOf = (list, value) => (list.find((o) => o.value === value) || {label: value}).label;

/** A new condition of a kind, with the defaults its lists start on. */
function newRule(kind) {
  switch (kind) {
    case 'profile': return {kind, field: 'email', op: 'eq', value: ''};
    case 'attribute': return {kind, name: '', type: 'text', op: 'eq', value: ''};
    case 'consent': return {kind, purpose: 'marketing', channel: 'email', op: 'granted'};
    case 'event': return {kind, type: 'order.completed', op: 'gte', value: '1', days: ''};
    case 'rfm': return {kind, field: 'group', op: 'eq', value: 'champions'};
    default: return {kind: 'tag', op: 'has', value: ''};
  }
}

// --- from and to JSON ------------------------------------------------------------------------------------

/** The builder's model of a condition: groups {group: true, mode, items} and rules; the root is always a group. */
export function fromJson(json) {
  if (!json) return {group: true, mode: 'all', items: []};
  const node = read(json);
  return node.group ? node : {group: true, mode: 'all', items: [node]};
}

function read(c) {
  const text = (v) => (Array.isArray(v) ? v.join(', ') : v === undefined || v === null ? '' : String(v));
  if (c.all || c.any) return {group: true, mode: c.all ? 'all' : 'any', items: (c.all || c.any).map(read)};
  if (c.not) {
    const n = c.not;
    if (n.all || n.any) return {group: true, mode: n.all ? 'notAll' : 'none', items: (n.all || n.any).map(read)};
    if (typeof n.tag === 'string' && Object.keys(n).length === 1) return {kind: 'tag', op: 'hasNot', value: n.tag};
    if (n.consent && (n.consent.status || 'granted') === 'granted') {
      return {kind: 'consent', purpose: n.consent.purpose, channel: n.consent.channel, op: 'notGranted'};
    }
    return {group: true, mode: 'none', items: [read(n)]};
  }
  if (typeof c.tag === 'string') return {kind: 'tag', op: 'has', value: c.tag};
  if (c.profile) return {kind: 'profile', field: c.profile, op: c.op, value: text(c.value)};
  if (c.attribute) {
    let type = 'text';
    if (typeof c.value === 'boolean') type = 'bool';
    else if (typeof c.value === 'number') type = 'number';
    else if (DAYS.includes(c.op) || (COMPARISONS.includes(c.op) && /^\d{4}-\d{2}-\d{2}$/.test(c.value || ''))) type = 'date';
    return {kind: 'attribute', name: c.attribute, type, op: c.op, value: text(c.value)};
  }
  if (c.consent) return {kind: 'consent', purpose: c.consent.purpose, channel: c.consent.channel, op: (c.consent.status || 'granted').toLowerCase()};
  if (c.event) {
    const count = c.count || {op: 'gte', value: 1};
    const none = count.op === 'eq' && Number(count.value) === 0;
    return {kind: 'event', type: c.event, op: none ? 'none' : count.op, value: none ? '1' : text(count.value), days: text(c.withinDays)};
  }
  if (c.rfm) {
    return {kind: 'rfm', field: c.rfm, op: c.op, value: c.op === 'in' ? (c.value || []) : text(c.value)};
  }
  return {kind: 'raw', json: c}; // a condition this console does not know: kept as it is
}

/**
 * The condition JSON of the model, and where each part of it is: {json, places: [{ptr, node, fields: {rest: key}}]}.
 * The root group's single condition stands alone ({"tag": "vip"} rather than {"all": [{"tag": "vip"}]}).
 */
export function toJson(root, ptr = '/condition') {
  const places = [];
  const single = (root.mode === 'all' || root.mode === 'any') && root.items.length === 1;
  const json = single ? write(root.items[0], ptr, places) : write(root, ptr, places);
  return {json, places};
}

function write(node, ptr, places) {
  if (node.group) {
    const key = node.mode === 'any' || node.mode === 'none' ? 'any' : 'all';
    const neg = node.mode === 'none' || node.mode === 'notAll';
    const base = neg ? `${ptr}/not` : ptr;
    places.push({ptr, node, fields: {}});
    const body = {[key]: node.items.map((c, i) => write(c, `${base}/${key}/${i}`, places))};
    return neg ? {not: body} : body;
  }
  const r = node;
  const fields = {};
  places.push({ptr, node, fields});
  const v = r.value;
  switch (r.kind) {
    case 'tag':
      if (r.op === 'hasNot') {
        Object.assign(fields, {'/not': 'value', '/not/tag': 'value'});
        return {not: {tag: v.trim()}};
      }
      fields['/tag'] = 'value';
      return {tag: v.trim()};
    case 'consent': {
      const granted = r.op === 'granted' || r.op === 'notGranted';
      const pre = r.op === 'notGranted' ? '/not/consent' : '/consent';
      Object.assign(fields, {[`${pre}/purpose`]: 'purpose', [`${pre}/channel`]: 'channel', [`${pre}/status`]: 'op'});
      const c = {consent: {purpose: r.purpose, channel: r.channel, status: granted ? 'granted' : 'withdrawn'}};
      return r.op === 'notGranted' ? {not: c} : c;
    }
    case 'event': {
      Object.assign(fields, {'/event': 'type', '/count/op': 'op', '/count/value': 'value', '/count': 'value', '/withinDays': 'days'});
      const e = {event: r.type.trim(), count: r.op === 'none' ? {op: 'eq', value: 0} : {op: r.op, value: num(v)}};
      if (String(r.days).trim() !== '') e.withinDays = num(r.days);
      return e;
    }
    case 'raw':
      return r.json;
    default: {
      const head = r.kind === 'attribute' ? {attribute: r.name.trim()} : {[r.kind]: r.field};
      Object.assign(fields, {[`/${r.kind}`]: r.kind === 'attribute' ? 'name' : 'field', '/op': 'op', '/value': 'value'});
      const c = {...head, op: r.op};
      if (!NO_VALUE.includes(r.op)) c.value = typedValue(r);
      return c;
    }
  }
}

const num = (v) => (String(v).trim() === '' ? null : Number(v));

function typedValue(r) {
  const type = r.kind === 'profile' ? fieldType(r.field) : r.kind === 'attribute' ? r.type : r.field === 'group' ? 'group' : 'number';
  if (DAYS.includes(r.op)) return num(r.value);
  if (r.op === 'in') {
    return Array.isArray(r.value) ? r.value : String(r.value).split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (type === 'number') return num(r.value);
  if (type === 'bool') return r.value === 'true';
  return Array.isArray(r.value) ? r.value[0] : String(r.value).trim();
}

/** What is missing before the API can read the condition: [{node, key, detail}] (the API checks the rest). */
export function incomplete(root) {
  const out = [];
  (function walk(node) {
    if (node.group) {
      if (!node.items.length) out.push({node, key: null, detail: 'Add a condition to this group, or remove the group.'});
      node.items.forEach(walk);
      return;
    }
    const r = node;
    const blank = (x) => x === undefined || x === null || String(x).trim() === '';
    if (r.kind === 'attribute' && blank(r.name)) out.push({node, key: 'name', detail: 'Name the custom field.'});
    if (r.kind === 'tag' && blank(r.value)) out.push({node, key: 'value', detail: 'Name the tag.'});
    if (r.kind === 'event' && blank(r.type)) out.push({node, key: 'type', detail: 'Choose an event type.'});
    const needsValue = r.kind === 'profile' || r.kind === 'attribute' || r.kind === 'rfm' || (r.kind === 'event' && r.op !== 'none');
    if (needsValue && !NO_VALUE.includes(r.op) && (Array.isArray(r.value) ? !r.value.length : blank(r.value))) {
      out.push({node, key: 'value', detail: r.op === 'in' ? 'Give at least one value.' : 'Give a value.'});
    }
  })(root);
  return out;
}

// --- in words (read-only) --------------------------------------------------------------------------------

/** The condition as nested lists of sentences, for those who may not change it. */
export function describe(node) {
  if (node.group) {
    return h('div', {class: 'cond-text'}, h('p', {}, `Customers who match ${labelOf(MODES, node.mode)}:`),
      h('ul', {}, node.items.map((c) => h('li', {}, c.group ? describe(c) : sentence(c)))));
  }
  return h('p', {}, sentence(node));
}

function sentence(r) {
  const opText = (r.kind === 'raw' ? [] : opsFor(r) || []).find(([v]) => v === r.op);
  const op = opText ? opText[1].replace(' … days', '') : r.op;
  const values = Array.isArray(r.value) ? r.value : [r.value];
  const value = (r.kind === 'rfm' && r.field === 'group' ? values.map(groupLabel) : values).join(', ');
  const days = DAYS.includes(r.op) ? ` ${value} days${r.op === 'olderThanDays' ? ' ago' : ''}` : null;
  const tail = NO_VALUE.includes(r.op) ? '' : days || ` “${value}”`;
  switch (r.kind) {
    case 'profile': return `${labelOf(PROFILE_FIELDS, r.field)} ${op}${tail}`;
    case 'attribute': return `Custom field “${r.name}” ${op}${r.type === 'bool' && !NO_VALUE.includes(r.op) ? (r.value === 'true' ? ' yes' : ' no') : tail}`;
    case 'tag': return `${op} “${r.value}”`.replace(/^./, (c) => c.toUpperCase());
    case 'consent': return `${op[0].toUpperCase()}${op.slice(1)} ${labelOf(PURPOSES, r.purpose).toLowerCase()} by ${labelOf(CHANNELS, r.channel)}`;
    case 'event': {
      const within = String(r.days || '').trim() ? ` within the last ${r.days} days` : ' ever';
      return r.op === 'none' ? `No ${r.type} event${within}` : `${r.type} ${op} ${r.value} time${r.value === '1' ? '' : 's'}${within}`;
    }
    case 'rfm': return `${labelOf(RFM_MEASURES, r.field)} ${op}${tail}`;
    default: return `A condition this console cannot show: ${JSON.stringify(r.json)}`;
  }
}

// --- the editor ------------------------------------------------------------------------------------------

/**
 * The builder for {@code condition} (JSON, or null for a new segment). {@code onChange()} runs after every change.
 * @returns {element, model(), json(), incomplete(), showProblems(list, {focus}), showApiErrors(errors, {focus}) → unplaced, clear()}
 */
export function segmentBuilder(condition, onChange) {
  const root = fromJson(condition);
  const doms = new Map(); // node -> {el, error, controls: {key: element}}
  const element = h('div', {class: 'builder'});
  let touched = new WeakSet();

  const changed = (node) => {
    if (node) touched.add(node);
    onChange();
  };

  function render(focusKey) {
    doms.clear();
    replace(element, groupEl(root, null, 1, 'Customers who match'));
    if (focusKey) {
      const el = element.querySelector(`[data-key="${CSS.escape(focusKey)}"]`);
      if (el) el.focus();
    }
  }

  function groupEl(g, parent, depth, title) {
    const id = uid('grp');
    const error = h('p', {class: 'field-error', id: `${id}-error`, 'aria-live': 'polite'});
    const mode = h('select', {id: `${id}-mode`, 'aria-describedby': error.id, dataset: {key: `${id}-mode`}},
      MODES.map((m) => h('option', {value: m.value, selected: m.value === g.mode}, m.label)));
    mode.addEventListener('change', () => {
      g.mode = mode.value;
      changed(g);
    });
    const list = h('ol', {class: 'cond-list'}, g.items.map((c, i) => h('li', {},
      c.group ? groupEl(c, g, depth + 1, `Group ${i + 1}: customers who match`) : ruleEl(c, g, i))));
    const addRule = h('button', {type: 'button', dataset: {key: `${id}-add`}}, 'Add a condition');
    addRule.addEventListener('click', () => {
      const rule = newRule(g.items.length ? lastKind(g) : 'tag');
      g.items.push(rule);
      render();
      doms.get(rule).controls.kind.focus();
      changed(null);
    });
    const addGroup = depth < MAX_DEPTH - 1 ? h('button', {type: 'button'}, 'Add a group') : null;
    if (addGroup) {
      addGroup.addEventListener('click', () => {
        const sub = {group: true, mode: g.mode === 'all' ? 'any' : 'all', items: [newRule('tag')]};
        g.items.push(sub);
        render();
        doms.get(sub).controls.mode.focus();
        changed(null);
      });
    }
    const remove = parent ? h('button', {type: 'button', class: 'danger'}, 'Remove this group') : null;
    if (remove) {
      remove.addEventListener('click', () => {
        parent.items.splice(parent.items.indexOf(g), 1);
        render();
        const again = doms.get(parent);
        if (again) again.controls.add.focus();
        changed(null);
      });
    }
    const fs = h('fieldset', {class: parent ? 'cond-group nested' : 'cond-group'},
      h('legend', {}, h('label', {for: mode.id}, title), ' ', mode),
      g.items.length ? list : h('p', {class: 'muted'}, 'No condition yet.'),
      error,
      h('div', {class: 'actions'}, addRule, addGroup, remove));
    doms.set(g, {el: fs, error, controls: {mode, add: addRule}});
    return fs;
  }

  function lastKind(g) {
    const last = [...g.items].reverse().find((c) => !c.group && c.kind !== 'raw');
    return last ? last.kind : 'tag';
  }

  function ruleEl(r, parent, index) {
    const id = uid('cond');
    const error = h('p', {class: 'field-error', id: `${id}-error`, 'aria-live': 'polite'});
    const controls = {};
    const key = (k) => `${id}-${k}`;
    const was = {kind: r.kind, field: r.field};
    /** A labelled control; its changes update the rule, and those that change the row's shape redraw it. */
    const control = (k, label, el, {redraw = false, prop = k} = {}) => {
      el.id = key(k);
      el.dataset.key = key(k);
      el.setAttribute('aria-describedby', error.id);
      controls[k] = el;
      const update = () => {
        r[prop] = el.multiple ? [...el.selectedOptions].map((o) => o.value) : el.value;
        if (redraw) {
          fix(r, was);
          const fresh = ruleEl(r, parent, index);
          dom.el.replaceWith(fresh);
          doms.get(r).controls[k].focus();
        }
        changed(r);
      };
      el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', update);
      return h('div', {class: `small-field cf-${k} cf-${r.kind}-${k}`}, h('label', {for: el.id}, label), el);
    };
    const select = (options, value, multiple) => h('select', {multiple},
      options.map((o) => h('option', {value: o.value, selected: multiple ? (value || []).includes(o.value) : o.value === value}, o.label)));
    const input = (type, value, attrs = {}) => h('input', {type, value: value ?? '', autocomplete: 'off', ...attrs});

    const parts = [];
    if (r.kind === 'raw') {
      parts.push(h('p', {class: 'help'}, 'A condition this console cannot edit; it is kept as it is: ', h('code', {}, JSON.stringify(r.json))));
    } else {
      parts.push(control('kind', 'Type', select(KINDS, r.kind), {redraw: true}));
      const ops = (opsFor(r) || []).map(([value, label]) => ({value, label}));
      const opSelect = () => control('op', 'Operator', select(ops, r.op), {redraw: true});
      switch (r.kind) {
        case 'profile':
          parts.push(control('field', 'Field', select(PROFILE_FIELDS, r.field), {redraw: true}), opSelect());
          break;
        case 'attribute':
          parts.push(control('name', 'Field name', input('text', r.name, {spellcheck: 'false'})),
            control('type', 'Holds', select(ATTRIBUTE_TYPES, r.type), {redraw: true}), opSelect());
          break;
        case 'tag':
          parts.push(opSelect(), control('value', 'Tag', input('text', r.value, {spellcheck: 'false'})));
          break;
        case 'consent':
          parts.push(opSelect(), control('purpose', 'Purpose', select(withValue(PURPOSES, r.purpose), r.purpose)),
            control('channel', 'Channel', select(withValue(CHANNELS, r.channel), r.channel)));
          break;
        case 'event': {
          const listId = `${id}-types`;
          parts.push(control('type', 'Event type', input('text', r.type, {list: listId, spellcheck: 'false'})),
            h('datalist', {id: listId}, EVENT_TYPES.map((t) => h('option', {value: t}))), opSelect());
          if (r.op !== 'none') parts.push(control('value', 'Times', input('number', r.value, {min: 0, step: 1, inputmode: 'numeric'})));
          parts.push(control('days', 'Within the last … days (empty: ever)', input('number', r.days, {min: 1, step: 1, inputmode: 'numeric'})));
          break;
        }
        case 'rfm':
          parts.push(control('field', 'Measure', select(RFM_MEASURES, r.field), {redraw: true}), opSelect());
          break;
        default:
          break;
      }
      if (['profile', 'attribute', 'rfm'].includes(r.kind) && !NO_VALUE.includes(r.op)) parts.push(valueControl(r, control, select, input, id));
      parts.push(h('div', {class: 'cond-remove'}, removeButton(r, parent, index)));
    }
    const fs = h('fieldset', {class: 'cond', dataset: {kind: r.kind}},
      h('legend', {class: 'visually-hidden'}, `Condition ${index + 1}`),
      h('div', {class: 'cond-controls'}, parts), error);
    const dom = {el: fs, error, controls};
    doms.set(r, dom);
    return fs;
  }

  /** The value input of the right type for a profile field, custom field or RFM measure and its operator. */
  function valueControl(r, control, select, input, id) {
    const type = r.kind === 'profile' ? fieldType(r.field) : r.kind === 'attribute' ? r.type : r.field === 'group' ? 'group' : 'score';
    if (DAYS.includes(r.op)) return control('value', 'Days', input('number', r.value, {min: 1, max: 3650, step: 1, inputmode: 'numeric'}));
    if (type === 'group') {
      const groups = RFM_GROUPS.map((g) => ({value: g, label: groupLabel(g)}));
      if (r.op === 'in') return control('value', 'Groups (choose one or more)', select(groups, Array.isArray(r.value) ? r.value : [r.value], true));
      return control('value', 'Group', select(groups, Array.isArray(r.value) ? r.value[0] : r.value));
    }
    if (type === 'score' && ['r', 'f', 'm'].includes(r.field)) {
      return control('value', 'Score', select([1, 2, 3, 4, 5].map((n) => ({value: String(n), label: String(n)})), String(r.value)));
    }
    if (type === 'bool') return control('value', 'Value', select([{value: 'true', label: 'Yes'}, {value: 'false', label: 'No'}], r.value));
    if (r.op === 'in') return control('value', 'Values (separate with commas)', input('text', r.value));
    if (type === 'number' || type === 'score') return control('value', 'Value', input('number', r.value, {step: 'any'}));
    if (type === 'date') return control('value', 'Date', input('date', r.value));
    if (r.kind === 'profile' && r.field === 'stage') {
      const listId = `${id}-stages`;
      return [control('value', 'Value', input('text', r.value, {list: listId})), h('datalist', {id: listId}, STAGES.map((s) => h('option', {value: s})))];
    }
    return control('value', 'Value', input('text', r.value));
  }

  function removeButton(r, parent, index) {
    const b = h('button', {type: 'button', class: 'link', 'aria-label': `Remove condition ${index + 1}`}, 'Remove');
    b.addEventListener('click', () => {
      parent.items.splice(parent.items.indexOf(r), 1);
      render();
      const again = doms.get(parent);
      if (again) again.controls.add.focus();
      changed(null);
    });
    return b;
  }

  function withValue(options, value) {
    return !value || options.some((o) => o.value === value) ? options : [...options, {value, label: value}];
  }

  /** Keeps the rule consistent after its kind, field, type or operator changed ({@code was}: before): an operator and value that fit. */
  function fix(r, was) {
    if (r.kind !== was.kind) {
      const kind = r.kind;
      Object.keys(r).forEach((k) => delete r[k]);
      Object.assign(r, newRule(kind));
    }
    if (r.kind === 'rfm' && was.kind === 'rfm' && was.field !== r.field) {
      r.op = r.field === 'group' ? 'eq' : 'gte';
      r.value = r.field === 'group' ? 'champions' : r.field.length === 1 ? '3' : '';
    }
    const ops = opsFor(r) || [];
    if (!ops.some(([v]) => v === r.op)) r.op = ops[0][0];
    if (r.op === 'in' && r.kind === 'rfm' && !Array.isArray(r.value)) r.value = r.value ? [r.value] : [];
    if (r.op !== 'in' && Array.isArray(r.value)) r.value = r.value[0] || '';
    if (r.kind === 'attribute' && r.type === 'bool' && !['true', 'false'].includes(r.value)) r.value = 'true';
    if (r.kind === 'profile' && fieldType(r.field) === 'date' && DAYS.includes(r.op) && !/^\d+$/.test(r.value)) r.value = '';
  }

  function clear() {
    for (const d of doms.values()) {
      d.error.textContent = '';
      Object.values(d.controls).forEach((c) => c.removeAttribute('aria-invalid'));
    }
  }

  /** Shows problems [{node, key, detail}] at their rows; the first control named is focused if asked. */
  function showProblems(list, {focus = false, onlyTouched = false} = {}) {
    clear();
    let first = null;
    const texts = new Map();
    for (const p of list) {
      if (onlyTouched && !touched.has(p.node)) continue;
      const d = doms.get(p.node);
      if (!d) continue;
      texts.set(d, [...(texts.get(d) || []), p.detail]);
      const c = p.key ? d.controls[p.key] : null;
      if (c) c.setAttribute('aria-invalid', 'true');
      first = first || c || Object.values(d.controls)[0];
    }
    for (const [d, t] of texts) d.error.textContent = t.join(' ');
    if (focus && first) first.focus();
    return texts.size;
  }

  /**
   * Places the API's errors ({pointer, detail}) under /condition at the row or group their pointer falls in, and the
   * control it names. @returns the errors it could not place
   */
  function showApiErrors(errors, {focus = false} = {}) {
    const {places} = toJson(root);
    const problems = [];
    const unplaced = [];
    for (const e of errors) {
      const ptr = String(e.pointer ?? e.field ?? '');
      let best = null;
      for (const p of places) {
        if ((ptr === p.ptr || ptr.startsWith(`${p.ptr}/`)) && (!best || p.ptr.length > best.ptr.length)) best = p;
      }
      if (!best) {
        unplaced.push(e);
        continue;
      }
      const rest = ptr.slice(best.ptr.length);
      let k = null;
      for (let cut = rest; cut && k === null; cut = cut.slice(0, cut.lastIndexOf('/'))) k = best.fields[cut] ?? null;
      if (k === null && rest === '') k = best.node.group ? 'mode' : null;
      problems.push({node: best.node, key: k, detail: e.detail});
    }
    showProblems(problems, {focus});
    return unplaced;
  }

  render();
  return {
    element,
    model: () => root,
    json: () => toJson(root).json,
    empty: () => root.items.length === 0,
    incomplete: () => incomplete(root),
    showProblems,
    showApiErrors,
    clear,
    resetTouched: () => { touched = new WeakSet(); },
  };
}
