import {h, replace, bars} from '../dom.js';
import {get} from '../api.js';
import {can} from '../app.js';

export default async function overview(el) {
  const o = await get('/overview');
  const hl = o.health;
  const perMinute = o.eventsPerMinute;
  const lastFullMinute = perMinute[perMinute.length - 2];
  const cards = [
    card('Health', h('span', {class: `status ${hl.status}`}, hl.status === 'up' ? 'Up' : 'Down'),
      hl.relay ? `${hl.database} · relay ${hl.relay}${hl.outbox !== undefined ? ` · ${hl.outbox} events waiting` : ''}${hl.reason ? ` · ${hl.reason}` : ''}`
        : null),
    card('Events per minute', lastFullMinute.toLocaleString(), `in the last full minute · ${o.eventsLastHour.toLocaleString()} in the last hour`,
      bars(perMinute, `Events accepted per minute over the last hour, on this server; ${o.eventsLastHour} in all`)),
    card('Customers', o.customers.toLocaleString(), h('a', {href: '#/customers'}, 'Search customers')),
  ];
  if (o.plugins) {
    cards.push(card('Active plugins', String(o.plugins.active), `${o.plugins.installed} installed`,
      can('admin', true) ? h('a', {href: '#/plugins'}, 'Manage plugins') : null));
  }
  replace(el,
    h('h1', {}, 'Overview'),
    h('div', {class: 'cards'}, cards),
    o.plugins ? h('section', {'aria-labelledby': 'failed-h'},
      h('h2', {id: 'failed-h'}, 'Failed plugins'),
      o.plugins.failed.length === 0 ? h('p', {class: 'muted'}, 'None.')
        : h('ul', {class: 'failures'}, o.plugins.failed.map((f) => h('li', {}, h('strong', {}, f.name), f.reason ? `: ${f.reason}` : '')))) : null,
    h('section', {'aria-labelledby': 'channels-h'},
      h('h2', {id: 'channels-h'}, 'Channels'),
      o.channels.length === 0 ? h('p', {class: 'muted'}, 'No channel is active: enable and configure a channel plugin.')
        : h('ul', {class: 'tags'}, o.channels.map((c) => h('li', {class: 'tag'}, c)))));
}

function card(title, value, note, extra) {
  return h('section', {class: 'card'}, h('h2', {}, title), h('p', {class: 'value'}, value), note ? h('p', {class: 'muted'}, note) : null, extra || null);
}
