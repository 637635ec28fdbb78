// A journey's definition as the console edits it: step types, their exits, ISO-8601 durations, plain-language
// summaries, and the changes that keep the graph whole (add after an exit, rename, delete). The grammar is the server's
// (docs/reference/api.md, "Journeys"); the server checks every definition again.

/** Step types in the order the type list offers them: label, a symbol (decoration only) and the step's exits. */
export const STEP_TYPES = {
  send: {label: 'Send a message', icon: '✉'},
  survey: {label: 'Send a survey', icon: '★'},
  wait: {label: 'Wait', icon: '◷'},
  waitForEvent: {label: 'Wait for an event', icon: '⚑'},
  waitUntil: {label: 'Wait until a time of day', icon: '◔'},
  branch: {label: 'Branch on a condition', icon: '◇'},
  split: {label: 'A/B split', icon: '⋔'},
  tag: {label: 'Add a tag', icon: '#'},
  update: {label: 'Update the profile', icon: '✎'},
  webhook: {label: 'Call a webhook', icon: '↗'},
  task: {label: 'Create a task', icon: '☑'},
  exit: {label: 'Exit', icon: '■'},
};

export const TRIGGER_TYPES = [
  {value: 'event', label: 'An event about the customer'},
  {value: 'segment', label: 'The customer enters a segment'},
  {value: 'date', label: 'Every year on a date attribute'},
  {value: 'manual', label: 'By hand (enrolled from the API)'},
];

/** Event types the kernel and the usual shop integrations send; the input takes any other as well. */
export const EVENT_TYPES = ['cart.updated', 'order.completed', 'customer.created', 'customer.identified', 'page.viewed', 'product.viewed',
  'review.submitted', 'segment.entered', 'segment.exited', 'consent.changed', 'message.sent', 'email.delivered', 'email.opened',
  'email.clicked', 'email.bounced', 'sms.delivered'];

export const STEP_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The exits of a step: where a customer goes next, each with the member that holds it and a label for the graph.
 * A null target ends the journey.
 */
export function exits(step) {
  switch (step.type) {
    case 'waitForEvent':
      return [{key: 'next', label: step.event ? `on ${step.event}` : 'on the event', target: step.next ?? null},
        {key: 'timeoutNext', label: 'on timeout', target: step.timeoutNext ?? null}];
    case 'branch':
      return [{key: 'then', label: 'yes', target: step.then ?? null}, {key: 'else', label: 'no', target: step.else ?? null}];
    case 'split':
      return (step.arms || []).map((a, i) => ({key: `arms/${i}/next`, arm: i, label: `${a.name} ${a.percent}%`, target: a.next ?? null}));
    case 'exit':
      return [];
    default:
      return [{key: 'next', label: 'next', target: step.next ?? null}];
  }
}

export function setExit(step, exit, target) {
  if (exit.arm !== undefined) step.arms[exit.arm].next = target;
  else step[exit.key] = target;
}

/** A new step of a type, going on to {@code next}. */
export function newStep(type, next = null, channel = 'email') {
  switch (type) {
    case 'wait': return {type, duration: 'P1D', next};
    case 'waitForEvent': return {type, event: 'order.completed', timeout: 'P1D', next: null, timeoutNext: next};
    case 'waitUntil': return {type, time: '09:00', next};
    case 'branch': return {type, condition: {tag: 'vip'}, then: next, else: null};
    case 'split': return {type, arms: [{name: 'A', percent: 50, next}, {name: 'B', percent: 50, next: null}]};
    case 'send': return {type, channel, purpose: 'marketing', subject: 'A message for you',
      text: 'Hello{{#customer.firstName}} {{customer.firstName}}{{/customer.firstName}},\n\n', next};
    case 'survey': return {type, survey: '', next};
    case 'tag': return {type, tag: 'tagged', next};
    case 'update': return {type, profile: {attributes: {}}, next};
    case 'webhook': return {type, url: 'https://', next};
    case 'task': return {type, title: 'Call {{customer.firstName}}', next};
    default: return {type: 'exit'};
  }
}

/** The step's first target, kept when its type changes. */
export function firstTarget(step) {
  const e = exits(step).find((x) => x.target);
  return e ? e.target : null;
}

/** A free id from a stem: send, send2, send3… */
export function freeId(def, stem) {
  const base = stem.replace(/[^A-Za-z0-9_-]/g, '') || 'step';
  let id = base;
  for (let i = 2; def.steps[id]; i++) id = `${base}${i}`;
  return id;
}

/** Every place that leads to a step: the start, and each exit of each step. */
export function entries(def) {
  const out = [{from: null, exit: null, label: 'the start', target: def.start}];
  for (const [id, s] of Object.entries(def.steps)) {
    for (const e of exits(s)) out.push({from: id, exit: e, label: e.label === 'next' ? id : `${id}, ${e.label}`, target: e.target});
  }
  return out;
}

/** Puts a new step at an entry: what the entry led to now follows the new step. */
export function insertStep(def, id, step, entry) {
  def.steps[id] = step;
  if (entry.from === null) {
    def.start = id;
  } else {
    setExit(def.steps[entry.from], entry.exit, id);
  }
}

/** Renames a step and every reference to it, keeping the steps' order. */
export function renameStep(def, from, to) {
  const steps = {};
  for (const [id, s] of Object.entries(def.steps)) steps[id === from ? to : id] = s;
  def.steps = steps;
  if (def.start === from) def.start = to;
  for (const s of Object.values(def.steps)) {
    for (const e of exits(s)) if (e.target === from) setExit(s, e, to);
  }
}

/** Deletes a step; what led to it leads to where it went (its first exit), or ends the journey. */
export function deleteStep(def, id) {
  const gone = def.steps[id];
  const after = firstTarget(gone);
  const then = after === id ? null : after;
  delete def.steps[id];
  if (def.start === id) def.start = then || Object.keys(def.steps)[0];
  for (const s of Object.values(def.steps)) {
    for (const e of exits(s)) if (e.target === id) setExit(s, e, then);
  }
}

/** Steps by breadth-first level from the start; steps not reached come last, one level below the rest. */
export function levels(def) {
  const level = new Map();
  const order = [];
  if (def.steps[def.start]) {
    level.set(def.start, 0);
    const queue = [def.start];
    while (queue.length) {
      const id = queue.shift();
      order.push(id);
      for (const e of exits(def.steps[id])) {
        if (e.target && def.steps[e.target] && !level.has(e.target)) {
          level.set(e.target, level.get(id) + 1);
          queue.push(e.target);
        }
      }
    }
  }
  const deepest = Math.max(-1, ...level.values());
  for (const id of Object.keys(def.steps)) {
    if (!level.has(id)) {
      level.set(id, deepest + 1);
      order.push(id);
    }
  }
  return {level, order};
}

// --- durations -------------------------------------------------------------------------------------------

export const UNITS = [
  {value: 'S', label: 'seconds', seconds: 1},
  {value: 'M', label: 'minutes', seconds: 60},
  {value: 'H', label: 'hours', seconds: 3600},
  {value: 'D', label: 'days', seconds: 86400},
  {value: 'W', label: 'weeks', seconds: 7 * 86400},
];

/** Seconds in an ISO-8601 duration of days and time (what java.time.Duration reads), or null. */
export function seconds(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso || '');
  if (!m || iso === 'P' || iso.endsWith('T')) return null;
  return (+(m[1] || 0)) * 86400 + (+(m[2] || 0)) * 3600 + (+(m[3] || 0)) * 60 + (+(m[4] || 0));
}

/** An ISO-8601 duration as an amount of the largest unit that divides it. */
export function splitDuration(iso) {
  const s = seconds(iso);
  if (s === null || s === 0) return {amount: '', unit: 'D'};
  const unit = [...UNITS].reverse().find((u) => s % u.seconds === 0);
  return {amount: String(s / unit.seconds), unit: unit.value};
}

/** An amount of a unit as ISO-8601 (weeks as days: java.time.Duration reads no weeks), or '' for no whole positive amount. */
export function isoDuration(amount, unit) {
  const n = Number(amount);
  if (!Number.isInteger(n) || n <= 0) return '';
  switch (unit) {
    case 'S': return `PT${n}S`;
    case 'M': return `PT${n}M`;
    case 'H': return `PT${n}H`;
    case 'W': return `P${n * 7}D`;
    default: return `P${n}D`;
  }
}

/** "1 hour", "3 days", or the text itself when it is no duration the console reads. */
export function humanDuration(iso) {
  const {amount, unit} = splitDuration(iso);
  if (!amount) return iso || '?';
  const u = UNITS.find((x) => x.value === unit).label;
  return `${amount} ${amount === '1' ? u.slice(0, -1) : u}`;
}

// --- words -----------------------------------------------------------------------------------------------

const OPS = {eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'is one of', startsWith: 'starts with', contains: 'contains',
  exists: 'is set', missing: 'is not set', withinLastDays: 'within the last … days:', olderThanDays: 'older than … days:'};

/** A condition in a few words. */
export function describeCondition(c) {
  if (!c || typeof c !== 'object') return '—';
  if (c.all) return c.all.map(describeCondition).join(' and ');
  if (c.any) return c.any.map(describeCondition).join(' or ');
  if (c.not) return `not (${describeCondition(c.not)})`;
  if (c.tag !== undefined) return `tag ${c.tag}`;
  const v = (x) => (Array.isArray(x) ? x.join(', ') : x === undefined ? '' : String(x));
  if (c.attribute !== undefined) return `${c.attribute} ${OPS[c.op] || c.op} ${v(c.value)}`.trim();
  if (c.profile !== undefined) return `${c.profile} ${OPS[c.op] || c.op} ${v(c.value)}`.trim();
  if (c.rfm !== undefined) return `RFM ${c.rfm} ${OPS[c.op] || c.op} ${v(c.value)}`.trim();
  if (c.consent) return `${c.consent.status || 'granted'} ${c.consent.purpose} consent on ${c.consent.channel}`;
  if (c.event !== undefined) {
    const count = c.count ? `${OPS[c.count.op] || c.count.op} ${c.count.value}× ` : '';
    return `${count}${c.event}${c.withinDays ? ` in ${c.withinDays} days` : ''}`;
  }
  return 'a condition';
}

/** What a step does, in one line. */
export function summary(step) {
  switch (step.type) {
    case 'wait': return `${humanDuration(step.duration)}${step.reorderInterval ? ', or the reorder interval' : ''}`;
    case 'waitForEvent': return `${step.event || '?'}, up to ${humanDuration(step.timeout)}`;
    case 'waitUntil': return `until ${step.time || '?'}`;
    case 'branch': return `if ${describeCondition(step.condition)}`;
    case 'split': return (step.arms || []).map((a) => `${a.name} ${a.percent}%`).join(' · ');
    case 'send': {
      const words = (step.subject || (step.text || '').split('\n')[0] || '').replace(/\{\{[#^/][^}]*\}\}/g, '');
      return `${step.channel || '?'}: ${words || '(no text)'}`;
    }
    case 'survey': return step.survey ? `survey ${step.survey.slice(0, 8)}…` : 'survey ?';
    case 'tag': return `tag ${step.tag || '?'}`;
    case 'update': return Object.keys((step.profile && step.profile.attributes) || {}).join(', ') || 'the profile';
    case 'webhook': return step.url || '?';
    case 'task': return `${step.title || '?'}${step.assignee ? ` → ${step.assignee}` : ''}`;
    case 'exit': return 'ends the journey';
    default: return step.type || '?';
  }
}

export function typeLabel(type) {
  return (STEP_TYPES[type] || {label: type}).label;
}

export function describeTrigger(t) {
  if (!t) return '—';
  switch (t.type) {
    case 'event': return `when ${t.event || '?'} happens`;
    case 'segment': return 'when the customer enters a segment';
    case 'date': return `every year on ${t.attribute || '?'}${t.offsetDays ? ` ${t.offsetDays > 0 ? '+' : ''}${t.offsetDays} days` : ''} at ${t.time || '09:00'}`;
    case 'manual': return 'when enrolled by hand';
    default: return t.type;
  }
}

/** A JSON pointer token back to a key. */
export function unescapeToken(t) {
  return t.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function escapeToken(k) {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The step a problem's pointer names (/definition/steps/<id>/…), or null. */
export function problemStep(pointer) {
  const m = /^\/definition\/steps\/([^/]+)/.exec(pointer || '');
  return m ? unescapeToken(m[1]) : null;
}
