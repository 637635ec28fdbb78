import {h, replace} from '../dom.js';
import {get, post, enc} from '../api.js';
import {field, onSubmit} from '../forms.js';
import {can, go} from '../app.js';

export const STATUS = {draft: 'Draft', live: 'Live', paused: 'Paused', stopped: 'Stopped'};

/** What "Start empty" creates: a journey entered by hand that ends at once; the editor grows it. */
export const EMPTY = {trigger: {type: 'manual'}, start: 'end', steps: {end: {type: 'exit'}}};

export function statusBadge(status) {
  return h('span', {class: `state journey-${status}`, dataset: {status}}, STATUS[status] || status);
}

/** Journeys: the shop's list with their counts, and (marketers) a new one from a template or empty. */
export default async function journeys(el) {
  const [{items}, templates] = await Promise.all([get('/journeys'), can('marketer') ? get('/journeys/templates') : null]);
  const rows = items.map((j) => {
    const counts = ['entered', 'active', 'converted'].map((k) => h('td', {class: 'num', dataset: {count: k}}, j.liveVersion ? '…' : '—'));
    return {j, counts, tr: h('tr', {dataset: {journey: j.id}},
      h('th', {scope: 'row'}, h('a', {href: `#/journeys/${j.id}`}, j.name), j.description ? h('p', {class: 'help'}, j.description) : null),
      h('td', {}, statusBadge(j.status)),
      h('td', {class: 'num'}, j.liveVersion ? `v${j.liveVersion}` : '—'),
      counts)};
  });
  replace(el,
    h('h1', {}, 'Journeys'),
    h('p', {class: 'muted'}, 'A journey lets customers in on a trigger and walks them through waits, branches and messages.'),
    items.length === 0 ? h('p', {}, 'No journey yet.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'journeys'},
        h('caption', {class: 'visually-hidden'}, 'Journeys'),
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Live version', 'Entered', 'Active', 'Converted'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, rows.map((r) => r.tr)))),
    templates ? newJourney(templates.items) : null);
  // the counts of published journeys, each from its analytics, once the list shows
  await Promise.all(rows.filter((r) => r.j.liveVersion).map(async (r) => {
    try {
      const a = await get(`/journeys/${enc(r.j.id)}/analytics`);
      ['entered', 'active', 'converted'].forEach((k, i) => { r.counts[i].textContent = Number(a[k]).toLocaleString(); });
    } catch (err) {
      r.counts.forEach((c) => { c.textContent = '?'; });
    }
  }));
}

function newJourney(templates) {
  const choices = [{name: '', title: 'Empty journey', description: 'Start from one step and build it yourself.'}, ...templates];
  const form = h('form', {class: 'card new-journey', novalidate: true, 'aria-labelledby': 'new-journey-h'},
    h('h2', {id: 'new-journey-h'}, 'New journey'),
    h('fieldset', {class: 'templates', 'data-pointer': '/template'},
      h('legend', {}, 'Start from'),
      h('ul', {}, choices.map((t, i) => {
        const id = `template-${t.name || 'empty'}`;
        return h('li', {},
          h('input', {type: 'radio', name: 'template', id, value: t.name, checked: i === 0, 'aria-describedby': `${id}-d`}),
          h('label', {for: id}, t.title),
          h('p', {class: 'help', id: `${id}-d`}, t.description));
      }))),
    field({name: 'name', label: 'Name', required: true, help: 'Unique in the shop; customers never see it.'}),
    h('button', {type: 'submit', class: 'primary'}, 'Create the journey'));
  form.addEventListener('change', (ev) => {
    // a template's title as the name, until the user types one
    const name = form.querySelector('input[name="name"]');
    if (ev.target.name === 'template' && (!name.value || name.dataset.auto)) {
      const t = choices.find((c) => c.name === ev.target.value);
      name.value = t.name ? t.title : '';
      name.dataset.auto = 'true';
    }
  });
  form.querySelector('input[name="name"]').addEventListener('input', (ev) => { delete ev.target.dataset.auto; });
  onSubmit(form, async (data) => {
    const template = data.get('template');
    const name = data.get('name').trim();
    const body = template ? {name, template} : {name, definition: EMPTY};
    const j = await post('/journeys', body);
    go(`#/journeys/${j.id}`);
  });
  return form;
}
