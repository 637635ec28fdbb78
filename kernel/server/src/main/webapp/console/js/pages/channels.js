import {h, replace} from '../dom.js';
import {get} from '../api.js';
import {can} from '../app.js';

const LABELS = {email: 'Email', sms: 'SMS', webhook: 'Webhook', push: 'Push', social: 'Social'};

export function channelLabel(type) {
  return LABELS[type] || type;
}

/**
 * The channel types: those that can send now (GET /channels) and, for the operator, those a plugin provides but that
 * are not configured yet (the configurations that name a channelType).
 */
export default async function channels(el) {
  const active = (await get('/channels')).items;
  const provided = can('admin', true) ? (await get('/admin/configurations')).items.filter((c) => c.channelType) : [];
  const types = [...new Set([...active, ...provided.map((c) => c.channelType)])].sort();
  replace(el,
    h('h1', {}, 'Channels'),
    types.length === 0 ? h('p', {class: 'muted'}, 'No channel is active: an admin enables and configures a channel plugin.')
      : h('ul', {class: 'plugin-list'}, types.map((t) => h('li', {class: 'plugin', dataset: {channel: t}},
        h('div', {class: 'plugin-head'},
          h('h2', {}, h('a', {href: `#/channels/${t}`}, channelLabel(t))),
          active.includes(t) ? h('span', {class: 'state active'}, 'active') : h('span', {class: 'state'}, 'not configured')),
        h('p', {class: 'muted'}, `Channel type ${t}`)))));
}
