import {h, replace, when} from '../dom.js';
import {get, post, put, enc, query} from '../api.js';
import {field, onSubmit, showErrors} from '../forms.js';
import {can, go} from '../app.js';
import {displayName, guess} from './customers.js';

/** A customer's whole story: identities, attributes, tags, consents and their history, stage, and the timeline. */
export default async function customer(el, {args, params}) {
  const id = args[0];
  const c = await get(`/customers/${enc(id)}`);
  if (c.id !== id) {
    go(`#/customers/${c.id}`); // merged into another profile: show the survivor
    return;
  }
  const types = params.get('types') || '';
  const timeline = h('section', {'aria-labelledby': 'timeline-h', class: 'timeline'});
  const consentHistory = h('div', {});
  replace(el,
    h('p', {class: 'crumbs'}, h('a', {href: '#/customers'}, 'Customers')),
    h('h1', {}, displayName(c)),
    h('div', {class: 'profile-grid'},
      h('section', {'aria-labelledby': 'ids-h', class: 'card'},
        h('h2', {id: 'ids-h'}, 'Identities'),
        c.identifiers.length === 0 ? h('p', {class: 'muted'}, 'None.')
          : h('dl', {class: 'pairs'}, c.identifiers.map((i) => [h('dt', {}, i.system ? `${i.type} (${i.system})` : i.type), h('dd', {}, i.value)]))),
      h('section', {'aria-labelledby': 'profile-h', class: 'card'},
        h('h2', {id: 'profile-h'}, 'Profile'),
        h('dl', {class: 'pairs'},
          pair('Journey stage', c.stage || '—'), pair('Orders', String(c.orderCount)), pair('Revenue', String(c.revenue)),
          pair('Locale', c.locale || '—'), pair('Time zone', c.timeZone || '—'), pair('Created', when(c.createdAt)),
          pair('Updated', when(c.updatedAt)), pair('Last seen', when(c.lastSeenAt)), pair('Id', c.id))),
      h('section', {'aria-labelledby': 'attrs-h', class: 'card'},
        h('h2', {id: 'attrs-h'}, 'Attributes'),
        Object.keys(c.attributes).length === 0 ? h('p', {class: 'muted'}, 'None.')
          : h('dl', {class: 'pairs'}, Object.entries(c.attributes).map(([k, v]) => pair(k, format(v)))),
        h('h3', {}, 'Tags'),
        c.tags.length === 0 ? h('p', {class: 'muted'}, 'None.') : h('ul', {class: 'tags'}, c.tags.map((t) => h('li', {class: 'tag'}, t)))),
      h('section', {'aria-labelledby': 'consents-h', class: 'card'},
        h('h2', {id: 'consents-h'}, 'Consents'),
        c.consents.length === 0 ? h('p', {class: 'muted'}, 'No consent recorded.')
          : h('div', {class: 'table-wrap'}, h('table', {},
            h('thead', {}, h('tr', {}, ['Purpose', 'Channel', 'Status', 'Source', 'Since'].map((t) => h('th', {scope: 'col'}, t)))),
            h('tbody', {}, c.consents.map((k) => h('tr', {}, h('td', {}, k.purpose), h('td', {}, k.channel),
              h('td', {}, h('span', {class: `consent ${k.status}`}, k.status)), h('td', {}, k.source || '—'), h('td', {}, when(k.changedAt))))))),
        h('h3', {}, 'History'),
        consentHistory)),
    can('marketer') ? h('div', {class: 'profile-grid'}, sendForm(c), consentForm(c), mergeForm(c)) : null,
    timeline);
  await Promise.all([loadConsentHistory(consentHistory, c), loadTimeline(timeline, c, types, params.get('cursor') || '')]);
}

function pair(k, v) {
  return [h('dt', {}, k), h('dd', {}, v)];
}

function format(v) {
  if (Array.isArray(v)) return v.join(', ');
  if (v && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

async function loadConsentHistory(el, c) {
  const page = await get(`/customers/${enc(c.id)}/timeline${query({type: 'consent.changed', limit: 20})}`);
  replace(el, page.items.length === 0 ? h('p', {class: 'muted'}, 'No change recorded.')
    : h('ul', {class: 'history'}, page.items.map((e) => h('li', {},
      h('time', {datetime: e.occurredAt}, when(e.occurredAt)), ' ',
      Object.entries(e.properties).map(([k, v]) => `${k}: ${format(v)}`).join(' · ')))));
}

async function loadTimeline(el, c, types, cursor) {
  const filter = h('form', {class: 'inline-form', novalidate: true, 'aria-label': 'Filter the timeline'},
    field({name: 'types', label: 'Event types', value: types, placeholder: 'order.completed, message.sent',
      help: 'Comma-separated; empty shows every event.'}),
    h('button', {type: 'submit'}, 'Filter'));
  onSubmit(filter, async (data) => go(`#/customers/${c.id}${query({types: data.get('types').trim()})}`));
  let page;
  try {
    page = await get(`/customers/${enc(c.id)}/timeline${query({type: types, cursor, limit: 50})}`);
  } catch (err) {
    replace(el, h('h2', {id: 'timeline-h'}, 'Timeline'), filter);
    showErrors(filter, err);
    return;
  }
  replace(el, h('h2', {id: 'timeline-h'}, 'Timeline'), filter,
    page.items.length === 0 ? h('p', {class: 'muted'}, 'No event.')
      : h('ol', {class: 'events'}, page.items.map((e) => h('li', {class: 'event', dataset: {type: e.type}},
        h('div', {class: 'event-head'}, h('span', {class: 'event-type'}, e.type), ' ', h('time', {datetime: e.occurredAt}, when(e.occurredAt)),
          e.source ? h('span', {class: 'muted'}, ` · ${e.source}`) : null),
        Object.keys(e.properties).length ? h('dl', {class: 'pairs small'}, Object.entries(e.properties).map(([k, v]) => pair(k, format(v)))) : null))),
    h('nav', {class: 'pager', 'aria-label': 'Timeline pages'},
      cursor ? h('a', {href: `#/customers/${c.id}${query({types})}`}, 'Newest') : null,
      page.next ? h('a', {href: `#/customers/${c.id}${query({types, cursor: page.next})}`, rel: 'next'}, 'Older events') : null));
}

function consentForm(c) {
  const form = h('form', {class: 'card stacked', novalidate: true, 'aria-labelledby': 'consent-h'},
    h('h2', {id: 'consent-h'}, 'Record a consent'),
    field({name: 'purpose', label: 'Purpose', required: true, value: 'marketing'}),
    field({name: 'channel', label: 'Channel', required: true, value: 'email'}),
    field({name: 'status', label: 'Status', type: 'select', options: [{value: 'granted', label: 'Granted'}, {value: 'withdrawn', label: 'Withdrawn'}]}),
    field({name: 'source', label: 'Source', value: 'console', help: 'Where the decision was made (a form, a call…).'}),
    h('button', {type: 'submit'}, 'Record'));
  onSubmit(form, async (d) => {
    await put(`/customers/${enc(c.id)}/consents`, {purpose: d.get('purpose'), channel: d.get('channel'), status: d.get('status'), source: d.get('source')});
    go(`#/customers/${c.id}`);
  });
  return form;
}

function sendForm(c) {
  const form = h('form', {class: 'card stacked', novalidate: true, 'aria-labelledby': 'send-h'},
    h('h2', {id: 'send-h'}, 'Send a message'),
    field({name: 'channel', label: 'Channel', type: 'select', required: true, options: [{value: '', label: 'Loading…'}]}),
    field({name: 'purpose', label: 'Purpose', type: 'select', options: [{value: 'marketing', label: 'Marketing'}, {value: 'transactional', label: 'Transactional'}]}),
    field({name: 'subject', label: 'Subject'}),
    field({name: 'text', label: 'Message', type: 'textarea', required: true, help: 'Mustache: {{customer.firstName}} is replaced, HTML is escaped.'}),
    h('button', {type: 'submit', class: 'primary'}, 'Send'),
    h('p', {class: 'result', role: 'status'}));
  get('/channels').then((ch) => {
    const select = form.querySelector('select[name=channel]');
    replace(select, ch.items.length === 0 ? h('option', {value: ''}, 'No active channel')
      : ch.items.map((t) => h('option', {value: t}, t)));
  }).catch(() => {});
  onSubmit(form, async (d) => {
    const m = await post('/messages', {customerId: c.id, channel: d.get('channel'), purpose: d.get('purpose'),
      subject: d.get('subject') || null, text: d.get('text')});
    form.querySelector('.result').textContent = `Message ${m.state.toLowerCase()}${m.reason ? `: ${m.reason}` : ''}.`;
    const timeline = document.querySelector('.timeline');
    if (timeline) await loadTimeline(timeline, c, '', '');
  });
  return form;
}

function mergeForm(c) {
  const form = h('form', {class: 'card stacked', novalidate: true, 'aria-labelledby': 'merge-h'},
    h('h2', {id: 'merge-h'}, 'Merge another profile into this one'),
    field({name: 'other', label: 'The other customer', required: true, help: 'Its id, its email or its phone number, exactly. Both timelines are kept.'}),
    field({name: 'reason', label: 'Reason', value: 'same person (console)'}),
    h('button', {type: 'submit'}, 'Merge'));
  onSubmit(form, async (d) => {
    const other = d.get('other').trim();
    // only an exact identifier: a name could name someone else
    const by = /^[0-9a-fA-F-]{36}$/.test(other) ? 'id' : guess(other);
    if (by === 'name') {
      throw {message: 'Give the other customer\'s id, email or phone number.', errors: [{field: 'other', detail: 'is not an id, an email or a phone number'}]};
    }
    let found;
    try {
      found = by === 'id' ? await get(`/customers/${enc(other)}`) : (await get(`/customers${query({[by]: other, limit: 1})}`)).items[0];
    } catch (err) {
      if (err.status !== 404) throw err;
    }
    if (!found || found.id === c.id) {
      throw {message: found ? 'That is this customer.' : 'No customer matches.', errors: [{field: 'other', detail: found ? 'is this customer' : 'matches no customer'}]};
    }
    const who = [displayName(found), found.email, found.phone, found.id].filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(' · ');
    if (!window.confirm(`Merge ${who} into ${displayName(c)}? This cannot be undone.`)) return;
    const otherId = found.id;
    try {
      await post(`/customers/${enc(c.id)}/merge`, {customerId: otherId, reason: d.get('reason')});
    } catch (err) {
      err.errors = (err.errors || []).map((e) => ((e.pointer ?? e.field) === '/customerId' ? {detail: e.detail, field: 'other'} : e));
      throw err;
    }
    go(`#/customers/${c.id}`);
  });
  return form;
}
