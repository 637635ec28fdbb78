import {h, replace, when} from '../dom.js';
import {get, query} from '../api.js';

/** The audit log: who did what, newest first, with paging. */
export default async function audit(el, {params}) {
  const before = params.get('before') || '';
  const page = await get(`/admin/audit${query({before, limit: 50})}`);
  replace(el, h('h1', {}, 'Audit log'),
    page.items.length === 0 ? h('p', {class: 'muted'}, 'Nothing recorded.')
      : h('div', {class: 'table-wrap'}, h('table', {},
        h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'On', 'Detail'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, page.items.map((e) => h('tr', {},
          h('td', {}, h('time', {datetime: e.at}, when(e.at))), h('td', {}, e.actor), h('td', {}, h('code', {}, e.action)),
          h('td', {}, e.target || '—'), h('td', {}, e.detail || '—')))))),
    h('nav', {class: 'pager', 'aria-label': 'Audit pages'},
      before ? h('a', {href: '#/audit'}, 'Newest') : null,
      page.next ? h('a', {href: `#/audit${query({before: page.next})}`, rel: 'next'}, 'Older entries') : null));
}
