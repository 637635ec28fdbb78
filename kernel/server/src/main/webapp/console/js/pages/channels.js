import {h, replace} from '../dom.js';
import {get} from '../api.js';

const LABELS = {email: 'Email', sms: 'SMS', webhook: 'Webhook', push: 'Push', social: 'Social'};

export function channelLabel(type) {
  return LABELS[type] || type;
}

const SCOPES = {tenant: 'own settings', server: 'shared settings', none: 'not configured'};

/** The channel types an installed plugin provides, whether each can send this shop's messages now, and with whose settings. */
export default async function channels(el) {
  const {items: active, provided} = await get('/channels');
  const byType = new Map(provided.map((p) => [p.type, p]));
  const types = [...new Set([...active, ...byType.keys()])].sort();
  replace(el,
    h('h1', {}, 'Channels'),
    types.length === 0 ? h('p', {class: 'muted'}, 'No channel is active: an admin enables and configures a channel plugin.')
      : h('ul', {class: 'plugin-list'}, types.map((t) => h('li', {class: 'plugin', dataset: {channel: t}},
        h('div', {class: 'plugin-head'},
          h('h2', {}, h('a', {href: `#/channels/${t}`}, channelLabel(t))),
          active.includes(t) ? h('span', {class: 'state active'}, 'active') : h('span', {class: 'state'}, 'not configured')),
        h('p', {class: 'muted'}, `Channel type ${t}`, byType.has(t) ? ` · ${SCOPES[byType.get(t).scope]}` : '')))));
}
