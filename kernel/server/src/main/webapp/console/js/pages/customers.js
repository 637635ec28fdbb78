import {h, replace, when} from '../dom.js';
import {get, query} from '../api.js';
import {field, onSubmit, showErrors} from '../forms.js';
import {go} from '../app.js';

const FIELDS = [
  {value: 'auto', label: 'Any (guess from the text)'},
  {value: 'email', label: 'Email'},
  {value: 'phone', label: 'Phone'},
  {value: 'name', label: 'Name'},
  {value: 'tag', label: 'Tag'},
  {value: 'attribute', label: 'Attribute (name:value)'},
  {value: 'externalId', label: 'External id (system:id)'},
];

/** What "auto" searches: an email, a phone number, or the start of a name. */
export function guess(text) {
  if (text.includes('@')) return 'email';
  if (/^\+?[0-9 ().-]{5,}$/.test(text)) return 'phone';
  return 'name';
}

/** Customers: search by email, phone, name, tag, attribute or external id, with paging. State lives in the URL. */
export default async function customers(el, {params}) {
  const by = params.get('by') || 'auto';
  const q = params.get('q') || '';
  const cursor = params.get('cursor') || '';
  const form = h('form', {class: 'search', role: 'search', novalidate: true},
    field({name: 'q', label: 'Search customers', type: 'search', value: q, placeholder: 'email, phone, name…'}),
    field({name: 'by', label: 'Search by', type: 'select', options: FIELDS, value: by}),
    h('button', {type: 'submit', class: 'primary'}, 'Search'));
  onSubmit(form, async (data) => {
    go(`#/customers${query({q: data.get('q').trim(), by: data.get('by')})}`);
  });
  const results = h('div', {class: 'results', 'aria-live': 'polite'});
  replace(el, h('h1', {}, 'Customers'), form, results);
  const field_ = by === 'auto' && q ? guess(q) : by;
  const filter = q ? {[field_ === 'auto' ? 'name' : field_]: q} : {};
  let page;
  try {
    page = await get(`/customers${query({...filter, cursor, limit: 25})}`);
  } catch (err) {
    const e = {...err, message: err.message, errors: (err.errors || []).map((x) => ({detail: x.detail, field: 'q'}))};
    showErrors(form, e);
    return;
  }
  const rows = page.items.map((c) => h('tr', {},
    h('td', {}, h('a', {href: `#/customers/${c.id}`}, displayName(c))),
    h('td', {}, c.email || '—'),
    h('td', {}, c.phone || '—'),
    h('td', {}, c.stage || '—'),
    h('td', {}, when(c.lastSeenAt))));
  replace(results,
    q ? h('p', {class: 'muted'}, `Searching by ${FIELDS.find((f) => f.value === field_)?.label.toLowerCase() || field_}.`) : null,
    page.items.length === 0 ? h('p', {}, 'No customer matches.')
      : h('div', {class: 'table-wrap'}, h('table', {},
        h('caption', {class: 'visually-hidden'}, 'Customers'),
        h('thead', {}, h('tr', {}, ['Name', 'Email', 'Phone', 'Stage', 'Last seen'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, rows))),
    h('nav', {class: 'pager', 'aria-label': 'Pages'},
      cursor ? h('a', {href: `#/customers${query({q, by})}`}, 'First page') : null,
      page.next ? h('a', {href: `#/customers${query({q, by, cursor: page.next})}`, rel: 'next'}, 'Next page') : null));
}

export function displayName(c) {
  const n = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return n || c.email || c.phone || c.id;
}
