// A segment condition (docs/reference/api.md, "Segments") built from pickers, never typed as code: rules on a tag, an
// attribute, a profile field, a count of events or a consent, all or any of which must hold. A part the pickers cannot
// show (nested groups, RFM) is kept as it is, described in words, and can be removed.
import {h, replace, uid} from './dom.js';
import {describeCondition, EVENT_TYPES} from './journey-model.js';

const KINDS = [
  {value: 'tag', label: 'Has a tag'},
  {value: 'notTag', label: 'Does not have a tag'},
  {value: 'attribute', label: 'Attribute'},
  {value: 'profile', label: 'Profile field'},
  {value: 'event', label: 'Number of events'},
  {value: 'consent', label: 'Consent'},
];

const PROFILE_FIELDS = [
  {value: 'orderCount', label: 'Orders (number)', number: true},
  {value: 'revenue', label: 'Revenue (number)', number: true},
  {value: 'stage', label: 'Journey stage'},
  {value: 'email', label: 'Email'},
  {value: 'phone', label: 'Phone'},
  {value: 'firstName', label: 'First name'},
  {value: 'lastName', label: 'Last name'},
  {value: 'locale', label: 'Locale'},
  {value: 'timeZone', label: 'Time zone'},
  {value: 'createdAt', label: 'Created (time)', time: true},
  {value: 'lastSeenAt', label: 'Last seen (time)', time: true},
];

const OPS = [
  {value: 'eq', label: 'is'},
  {value: 'ne', label: 'is not'},
  {value: 'gt', label: 'is more than'},
  {value: 'gte', label: 'is at least'},
  {value: 'lt', label: 'is less than'},
  {value: 'lte', label: 'is at most'},
  {value: 'in', label: 'is one of (comma-separated)'},
  {value: 'startsWith', label: 'starts with'},
  {value: 'contains', label: 'contains'},
  {value: 'exists', label: 'is set'},
  {value: 'missing', label: 'is not set'},
  {value: 'withinLastDays', label: 'is within the last … days'},
  {value: 'olderThanDays', label: 'is more than … days ago'},
];
const NO_VALUE = ['exists', 'missing'];
const COUNT_OPS = [
  {value: 'gte', label: 'at least'},
  {value: 'eq', label: 'exactly'},
  {value: 'lte', label: 'at most'},
  {value: 'gt', label: 'more than'},
  {value: 'lt', label: 'fewer than'},
];

export function kindOf(c) {
  if (!c || typeof c !== 'object') return 'other';
  const keys = Object.keys(c);
  if (keys.length === 1 && typeof c.tag === 'string') return 'tag';
  if (keys.length === 1 && c.not && Object.keys(c.not).length === 1 && typeof c.not.tag === 'string') return 'notTag';
  if (typeof c.attribute === 'string') return 'attribute';
  if (typeof c.profile === 'string') return 'profile';
  if (typeof c.event === 'string') return 'event';
  if (c.consent && typeof c.consent === 'object') return 'consent';
  return 'other';
}

function fresh(kind, channels) {
  switch (kind) {
    case 'notTag': return {not: {tag: ''}};
    case 'attribute': return {attribute: '', op: 'eq', value: ''};
    case 'profile': return {profile: 'orderCount', op: 'gte', value: 1};
    case 'event': return {event: 'order.completed', count: {op: 'gte', value: 1}, withinDays: 30};
    case 'consent': return {consent: {purpose: 'marketing', channel: channels[0] || 'email', status: 'granted'}};
    default: return {tag: ''};
  }
}

/** A typed value from a text box: numbers as numbers, lists for "in". */
function typed(text, op, number) {
  if (op === 'in') return text.split(',').map((x) => x.trim()).filter(Boolean).map((x) => (number && !isNaN(Number(x)) ? Number(x) : x));
  if (op === 'withinLastDays' || op === 'olderThanDays') return text === '' ? '' : Number(text);
  const t = text.trim();
  if ((number || /^-?\d+(\.\d+)?$/.test(t)) && t !== '' && !isNaN(Number(t))) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  return text;
}

function shown(v) {
  if (Array.isArray(v)) return v.join(', ');
  return v === undefined || v === null ? '' : String(v);
}

/** A small labelled input for a rule's row. */
function small(label, input, pointer, errorIds) {
  const id = uid('cf');
  input.id = id;
  input.dataset.pointer = pointer;
  const err = h('p', {class: 'field-error', id: `${id}-error`, 'aria-live': 'polite'});
  input.setAttribute('aria-describedby', `${id}-error`);
  errorIds.push(id);
  return h('div', {class: 'small-field'}, h('label', {for: id}, label), input, err);
}

function select(options, value) {
  return h('select', {}, options.map((o) => h('option', {value: o.value, selected: String(o.value) === String(value ?? '')}, o.label)));
}

/**
 * @param spec {legend, value (a condition or null), pointer (its JSON pointer), onChange(condition|null), required, channels, readOnly}
 * @returns a fieldset
 */
export function conditionFields(spec) {
  const channels = spec.channels && spec.channels.length ? spec.channels : ['email', 'sms'];
  let mode = 'all';
  let rules = [];
  const v = spec.value;
  if (v && Array.isArray(v.all)) rules = [...v.all];
  else if (v && Array.isArray(v.any)) {
    mode = 'any';
    rules = [...v.any];
  } else if (v) rules = [v];
  const box = h('fieldset', {class: 'condition', 'data-pointer': spec.pointer});
  const listId = uid('events');

  function value() {
    if (rules.length === 0) return null;
    if (rules.length === 1 && mode === 'all') return rules[0];
    return {[mode]: rules};
  }

  function pointerOf(i) {
    return rules.length === 1 && mode === 'all' ? spec.pointer : `${spec.pointer}/${mode}/${i}`;
  }

  function changed() {
    spec.onChange(value());
  }

  function render() {
    const ids = [];
    const rows = rules.map((r, i) => row(r, i, ids));
    replace(box,
      h('legend', {}, spec.legend),
      h('datalist', {id: listId}, EVENT_TYPES.map((t) => h('option', {value: t}))),
      rules.length > 1 ? (() => {
        const m = select([{value: 'all', label: 'all of these rules'}, {value: 'any', label: 'any of these rules'}], mode);
        m.addEventListener('change', () => {
          mode = m.value;
          changed();
          render();
        });
        return small('Customers who match', m, `${spec.pointer}/${mode}`, []);
      })() : null,
      rules.length === 0 ? h('p', {class: 'muted'}, spec.required ? 'Add at least one rule.' : 'No rule: every customer.') : null,
      h('ol', {class: 'rules'}, rows),
      h('button', {type: 'button', onclick: () => {
        rules.push(fresh('tag', channels));
        changed();
        render();
        const sel = box.querySelectorAll('select[data-kind]');
        if (sel.length) sel[sel.length - 1].focus();
      }}, 'Add a rule'));
  }

  function row(r, i, ids) {
    const kind = kindOf(r);
    const at = pointerOf(i);
    const n = i + 1;
    const remove = h('button', {type: 'button', class: 'link', 'aria-label': `Remove rule ${n}`, onclick: () => {
      rules.splice(i, 1);
      changed();
      render();
      box.querySelector('button')?.focus();
    }}, 'Remove');
    if (kind === 'other') {
      return h('li', {class: 'rule other'}, h('span', {}, `Rule ${n}, kept as it is: ${describeCondition(r)}. `), remove);
    }
    const kindSelect = select(KINDS, kind);
    kindSelect.dataset.kind = 'true';
    kindSelect.addEventListener('change', () => {
      rules[i] = fresh(kindSelect.value, channels);
      changed();
      render();
      box.querySelectorAll('select[data-kind]')[i].focus();
    });
    const parts = [small(`Rule ${n}`, kindSelect, at, ids)];
    const input = (value, onInput, attrs = {}) => {
      const el = h('input', {type: attrs.type || 'text', value, autocomplete: 'off', list: attrs.list, min: attrs.min, step: attrs.step});
      el.addEventListener('input', () => {
        onInput(el.value);
        changed();
      });
      return el;
    };
    if (kind === 'tag' || kind === 'notTag') {
      const holder = kind === 'tag' ? r : r.not;
      parts.push(small('Tag', input(holder.tag, (x) => { holder.tag = x; }), `${at}${kind === 'tag' ? '' : '/not'}/tag`, ids));
    } else if (kind === 'attribute' || kind === 'profile') {
      const pf = () => PROFILE_FIELDS.find((f) => f.value === r.profile) || {};
      if (kind === 'attribute') {
        parts.push(small('Attribute name', input(r.attribute, (x) => { r.attribute = x; }), `${at}/attribute`, ids));
      } else {
        const f = select(PROFILE_FIELDS, r.profile);
        f.addEventListener('change', () => {
          r.profile = f.value;
          if (r.value !== undefined && r.op !== 'in') r.value = typed(shown(r.value), r.op, pf().number);
          changed();
        });
        parts.push(small('Field', f, `${at}/profile`, ids));
      }
      const op = select(OPS, r.op);
      const valueInput = input(shown(r.value), (x) => { r.value = typed(x, r.op, kind === 'profile' && pf().number); });
      const valueField = small('Value', valueInput, `${at}/value`, ids);
      valueField.hidden = NO_VALUE.includes(r.op);
      op.addEventListener('change', () => {
        r.op = op.value;
        if (NO_VALUE.includes(r.op)) delete r.value;
        else r.value = typed(valueInput.value, r.op, kind === 'profile' && pf().number);
        valueField.hidden = NO_VALUE.includes(r.op);
        changed();
      });
      parts.push(small('Comparison', op, `${at}/op`, ids), valueField);
    } else if (kind === 'event') {
      r.count = r.count || {op: 'gte', value: 1};
      const op = select(COUNT_OPS, r.count.op);
      op.addEventListener('change', () => {
        r.count.op = op.value;
        changed();
      });
      parts.push(small('Event type', input(r.event, (x) => { r.event = x; }, {list: listId}), `${at}/event`, ids),
        small('How many', op, `${at}/count/op`, ids),
        small('Times', input(shown(r.count.value), (x) => { r.count.value = x === '' ? '' : Number(x); }, {type: 'number', min: 0, step: 1}),
          `${at}/count/value`, ids),
        small('In the last … days (empty: ever)', input(shown(r.withinDays), (x) => {
          if (x === '') delete r.withinDays; else r.withinDays = Number(x);
        }, {type: 'number', min: 1, step: 1}), `${at}/withinDays`, ids));
    } else if (kind === 'consent') {
      const c = r.consent;
      const purpose = select([{value: 'marketing', label: 'marketing'}, {value: 'transactional', label: 'transactional'}], c.purpose);
      purpose.addEventListener('change', () => { c.purpose = purpose.value; changed(); });
      const channel = select([...new Set([...channels, c.channel])].map((x) => ({value: x, label: x})), c.channel);
      channel.addEventListener('change', () => { c.channel = channel.value; changed(); });
      const status = select([{value: 'granted', label: 'granted'}, {value: 'withdrawn', label: 'withdrawn'}], c.status || 'granted');
      status.addEventListener('change', () => { c.status = status.value; changed(); });
      parts.push(small('Purpose', purpose, `${at}/consent/purpose`, ids), small('Channel', channel, `${at}/consent/channel`, ids),
        small('Status', status, `${at}/consent/status`, ids));
    }
    return h('li', {class: 'rule'}, h('div', {class: 'rule-fields'}, parts), remove);
  }

  if (spec.readOnly) {
    return h('div', {class: 'condition-text'}, h('strong', {}, `${spec.legend}: `), v ? describeCondition(v) : 'every customer');
  }
  render();
  return box;
}
