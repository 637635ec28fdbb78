import {h, replace, when} from '../dom.js';
import {get, post, put, del, enc, query} from '../api.js';
import {field, onSubmit, showErrors} from '../forms.js';
import {can, go} from '../app.js';
import {displayName} from './customers.js';
import {segmentBuilder, describe, fromJson, groupLabel, RFM_GROUPS} from '../segment-builder.js';

/** How long the builder waits after a change before it asks how many customers match. */
export const PREVIEW_DEBOUNCE_MS = 400;
const MEMBERS_PAGE = 25;
const n = (x) => Number(x || 0).toLocaleString();
const people = (x) => (Number(x) === 1 ? '1 customer' : `${n(x)} customers`);

/** A sentence to show on the next page drawn, after a save or a delete moved the user there. */
let flash = null;

function flashed() {
  if (!flash) return null;
  const p = h('p', {class: 'result flash', role: 'status', tabindex: '-1'}, flash);
  flash = null;
  return p;
}

/** Segments: their list with member counts, and the shop's RFM groups. */
export default async function segments(el) {
  const [list, rfm] = await Promise.all([get('/segments'), get('/segments/rfm').catch(() => null)]);
  const done = flashed();
  replace(el, h('h1', {}, 'Segments'),
    done,
    h('p', {class: 'help'}, 'A segment is the customers who match its conditions. Members are kept up to date as events arrive.'),
    can('marketer') ? h('p', {}, h('a', {href: '#/segments/new', class: 'button primary'}, 'New segment')) : null,
    list.items.length === 0 ? h('p', {class: 'muted'}, 'No segment yet.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'segments'},
        h('caption', {class: 'visually-hidden'}, 'Segments, by name'),
        h('thead', {}, h('tr', {}, ['Name', 'Members', 'Changes with time', 'Last rebuilt', 'Version'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, list.items.map((s) => h('tr', {dataset: {segment: s.id}},
          h('td', {}, h('a', {href: `#/segments/${s.id}`}, s.name), s.description ? h('p', {class: 'help'}, s.description) : null),
          h('td', {class: 'num', dataset: {count: 'members'}}, n(s.members)),
          h('td', {}, s.timeDependent ? 'Yes' : 'No'),
          h('td', {}, h('time', {datetime: s.rebuiltAt || ''}, when(s.rebuiltAt))),
          h('td', {class: 'num'}, String(s.version))))))),
    rfm ? rfmSection(rfm) : null);
  if (done) done.focus();
}

function rfmSection(rfm) {
  const box = h('section', {class: 'card rfm', 'aria-labelledby': 'rfm-h'});
  const draw = (r, text) => {
    const compute = can('marketer') ? h('button', {type: 'button'}, r.computedAt ? 'Recompute now' : 'Compute now') : null;
    if (compute) {
      compute.addEventListener('click', async () => {
        compute.disabled = true;
        try {
          draw(await post('/segments/rfm', {windowDays: r.windowDays}), 'RFM scores computed.');
          box.querySelector('.result').focus();
        } catch (err) {
          compute.disabled = false;
          compute.after(h('span', {class: 'field-error', role: 'alert'}, ` ${err.message}`));
        }
      });
    }
    replace(box, h('h2', {id: 'rfm-h'}, 'RFM groups'),
      h('p', {class: 'help'}, r.computedAt
        ? `${people(r.customers)} with an order in the last ${n(r.windowDays)} days, scored ${when(r.computedAt)}.`
        : 'Not computed yet: the server scores customers once a day.',
        ' Use them in a segment with the condition type “RFM”.'),
      r.computedAt ? h('dl', {class: 'pairs rfm-groups'}, RFM_GROUPS.map((g) => [h('dt', {}, groupLabel(g)),
        h('dd', {dataset: {group: g}}, n((r.groups || {})[g]))])) : null,
      compute ? h('div', {class: 'actions'}, compute) : null,
      text ? h('p', {class: 'result', role: 'status', tabindex: '-1'}, text) : null);
  };
  draw(rfm);
  return box;
}

/** One segment (or a new one): the builder with its live count for marketers, its conditions in words for viewers, its members. */
export async function segment(el, {args}) {
  const isNew = args[0] === 'new';
  if (isNew && !can('marketer')) {
    replace(el, h('h1', {}, 'New segment'), h('p', {class: 'notice'}, 'Only marketers and admins can create segments.'));
    return;
  }
  const s = isNew ? null : await get(`/segments/${enc(args[0])}`);
  const done = flashed();
  const crumbs = h('p', {class: 'crumbs'}, h('a', {href: '#/segments'}, 'Segments'));
  if (!s) {
    document.title = 'New segment · Rapport';
  } else {
    document.title = `${s.name} · Rapport`;
  }
  const facts = s ? factsOf(s) : null;
  const members = s ? h('section', {class: 'members', 'aria-labelledby': 'members-h'}) : null;
  if (!can('marketer')) {
    replace(el, crumbs, h('h1', {}, s.name), done, s.description ? h('p', {}, s.description) : null, facts,
      h('section', {class: 'card', 'aria-labelledby': 'cond-h'}, h('h2', {id: 'cond-h'}, 'Conditions'), describe(fromJson(s.condition))),
      members);
    if (done) done.focus();
    await loadMembers(members, s.id);
    return;
  }

  const preview = h('section', {class: 'card seg-preview', 'aria-labelledby': 'preview-h'},
    h('h2', {id: 'preview-h'}, 'Who matches now'),
    h('p', {class: 'live-count', role: 'status', 'aria-live': 'polite'}),
    h('div', {class: 'sample'}));
  const builder = segmentBuilder(s ? s.condition : null, () => schedule());
  const form = h('form', {class: 'card stacked segment-form', novalidate: true, 'aria-labelledby': 'edit-h'},
    h('h2', {id: 'edit-h'}, s ? 'Change the segment' : 'Build the segment'),
    field({name: 'name', label: 'Name', required: true, value: s ? s.name : ''}),
    field({name: 'description', label: 'Description', value: s && s.description ? s.description : '', help: 'Optional: what the segment is for.'}),
    h('h3', {}, 'Conditions'),
    h('p', {class: 'help'}, 'Pick a type, then what to compare and a value. The count below follows every change; nothing is saved before you save.'),
    builder.element,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, s ? 'Save changes' : 'Save segment')));

  let timer = null;
  let seq = 0;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(runPreview, PREVIEW_DEBOUNCE_MS);
  }

  /** Asks how many customers the condition selects now; a later change makes an earlier answer moot. */
  async function runPreview() {
    if (!preview.isConnected) return; // the page was left
    const mine = ++seq;
    const count = preview.querySelector('.live-count');
    const sample = preview.querySelector('.sample');
    if (builder.empty()) {
      builder.clear();
      preview.dataset.state = 'empty';
      count.textContent = 'Add a condition to see who matches.';
      replace(sample);
      return;
    }
    const missing = builder.incomplete();
    if (missing.length) {
      builder.showProblems(missing, {onlyTouched: true});
      preview.dataset.state = 'incomplete';
      count.textContent = 'Complete the conditions to see who matches.';
      replace(sample);
      return;
    }
    preview.dataset.state = 'loading';
    preview.setAttribute('aria-busy', 'true');
    let p;
    try {
      p = await post('/segments/preview', {condition: builder.json()});
    } catch (err) {
      if (mine !== seq) return;
      preview.removeAttribute('aria-busy');
      preview.dataset.state = 'error';
      const unplaced = builder.showApiErrors(err.errors || []);
      count.textContent = err.errors && err.errors.length && !unplaced.length
        ? 'A condition is not right: see the message next to it.'
        : `The count is not available: ${[err.message, ...unplaced.map((e) => e.detail)].join(' ')}`;
      replace(sample);
      return;
    }
    if (mine !== seq) return;
    builder.clear();
    preview.removeAttribute('aria-busy');
    preview.dataset.state = 'ready';
    preview.dataset.count = String(p.count);
    count.textContent = `${people(p.count)} ${p.count === 1 ? 'matches' : 'match'} now.`;
    replace(sample, p.sample.length === 0 ? null : [
      h('h3', {id: 'sample-h'}, p.count > p.sample.length ? `A sample of ${p.sample.length} of them` : 'Who they are'),
      customerTable(p.sample, 'sample-h')]);
  }

  onSubmit(form, async (data) => {
    clearTimeout(timer);
    builder.clear();
    if (builder.empty()) throw {message: 'Add at least one condition.', errors: []};
    const missing = builder.incomplete();
    if (missing.length) {
      builder.showProblems(missing, {focus: true}); // each next to its condition, the first focused
      return;
    }
    const body = {name: data.get('name').trim(), description: data.get('description').trim() || null, condition: builder.json()};
    let saved;
    try {
      saved = s ? await put(`/segments/${enc(s.id)}`, body) : await post('/segments', body);
    } catch (err) {
      const inCondition = (e) => String(e.pointer ?? '').startsWith('/condition');
      const cond = (err.errors || []).filter(inCondition);
      if (!cond.length) throw err; // shown on the form by onSubmit
      const others = [...(err.errors || []).filter((e) => !inCondition(e)), ...builder.showApiErrors(cond)];
      if (others.length) {
        showErrors(form, {message: err.message, errors: others}); // clears the form's errors, so the conditions' come again
        builder.showApiErrors(cond);
      } else {
        builder.showApiErrors(cond, {focus: true});
      }
      return;
    }
    flash = s
      ? `Saved as version ${saved.version}: ${people(saved.members)} ${saved.members === 1 ? 'is a member' : 'are members'}.`
      : `Segment “${saved.name}” saved: ${people(saved.members)} ${saved.members === 1 ? 'is a member' : 'are members'}.`;
    go(`#/segments/${saved.id}`);
  });

  const actions = s ? segmentActions(s, facts, members) : null;
  replace(el, crumbs, h('h1', {}, s ? s.name : 'New segment'), done, facts, actions, form, preview, members);
  if (done) done.focus(); else if (isNew) form.querySelector('input[name=name]').focus();
  if (s) {
    await Promise.all([runPreview(), loadMembers(members, s.id)]);
  } else {
    runPreview();
  }
}

function factsOf(s) {
  return h('dl', {class: 'pairs segment-facts'},
    h('dt', {}, 'Members'), h('dd', {dataset: {count: 'members'}}, n(s.members)),
    h('dt', {}, 'Version'), h('dd', {dataset: {count: 'version'}}, String(s.version)),
    h('dt', {}, 'Changes with time'), h('dd', {}, s.timeDependent
      ? 'Yes: its conditions count days, so the server rechecks it as customers leave a window (every minute unless configured otherwise)' : 'No'),
    h('dt', {}, 'Last rebuilt'), h('dd', {}, when(s.rebuiltAt)),
    h('dt', {}, 'Last changed'), h('dd', {}, when(s.updatedAt)));
}

/** Rebuild and delete, for marketers. */
function segmentActions(s, facts, members) {
  const out = h('p', {class: 'result action-result', role: 'status', tabindex: '-1'});
  const rebuild = h('button', {type: 'button'}, 'Rebuild now');
  rebuild.addEventListener('click', async () => {
    rebuild.disabled = true;
    try {
      const r = await post(`/segments/${enc(s.id)}/rebuild`);
      facts.querySelector('[data-count=members]').textContent = n(r.members);
      out.textContent = `Rebuilt: ${people(r.members)}; ${n(r.entered)} entered, ${n(r.exited)} left.`;
      out.focus();
      await loadMembers(members, s.id);
    } catch (err) {
      out.textContent = err.message;
      out.focus();
    } finally {
      rebuild.disabled = false;
    }
  });
  const remove = h('button', {type: 'button', class: 'danger'}, 'Delete segment');
  remove.addEventListener('click', async () => {
    if (!window.confirm(`Delete the segment “${s.name}”? Its members leave it; journeys that use it stop finding them.`)) return;
    remove.disabled = true;
    try {
      await del(`/segments/${enc(s.id)}`);
    } catch (err) {
      if (err.status !== 404) {
        remove.disabled = false;
        out.textContent = err.message;
        out.focus();
        return;
      }
    }
    flash = `Segment “${s.name}” deleted.`;
    go('#/segments');
  });
  return h('div', {}, h('div', {class: 'actions'}, rebuild, remove), out);
}

/** A page of the segment's members, with the pages before kept to go back. */
async function loadMembers(box, id, cursors = [''], focus = false) {
  const after = cursors[cursors.length - 1];
  let page;
  try {
    page = await get(`/segments/${enc(id)}/members${query({after, limit: MEMBERS_PAGE})}`);
  } catch (err) {
    replace(box, h('h2', {id: 'members-h', tabindex: '-1'}, 'Members'), h('p', {class: 'form-alert', role: 'alert'}, err.message));
    return;
  }
  const first = cursors.length > 1 ? h('button', {type: 'button', onclick: () => loadMembers(box, id, [''], true)}, 'First page') : null;
  const back = cursors.length > 2 ? h('button', {type: 'button', onclick: () => loadMembers(box, id, cursors.slice(0, -1), true)}, 'Previous page') : null;
  const next = page.next ? h('button', {type: 'button', onclick: () => loadMembers(box, id, [...cursors, page.next], true)}, 'Next page') : null;
  replace(box, h('h2', {id: 'members-h', tabindex: '-1'}, 'Members'),
    page.items.length === 0 ? h('p', {class: 'muted'}, cursors.length > 1 ? 'No more members.' : 'No member yet.')
      : [cursors.length > 1 ? h('p', {class: 'help'}, `Page ${cursors.length}.`) : null, customerTable(page.items, 'members-h')],
    first || back || next ? h('nav', {class: 'pager', 'aria-label': 'Pages of members'}, first, back, next) : null);
  if (focus) box.querySelector('#members-h').focus();
}

function customerTable(items, labelledBy) {
  return h('div', {class: 'table-wrap'}, h('table', {class: 'customers', 'aria-labelledby': labelledBy},
    h('thead', {}, h('tr', {}, ['Name', 'Email', 'Phone', 'Stage', 'Last seen'].map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, items.map((c) => h('tr', {dataset: {customer: c.id}},
      h('td', {}, h('a', {href: `#/customers/${c.id}`}, displayName(c))),
      h('td', {}, c.email || '—'),
      h('td', {}, c.phone || '—'),
      h('td', {}, c.stage || '—'),
      h('td', {}, when(c.lastSeenAt)))))));
}
