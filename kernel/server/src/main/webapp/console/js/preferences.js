// The customer's preference centre: reached from a signed link in a message, no account needed.
import {h, replace, when} from './dom.js';

const main = document.getElementById('main');
const token = new URLSearchParams(location.search).get('token') || '';
const API = `/api/v1/public/preferences?token=${encodeURIComponent(token)}`;
const LABELS = {marketing: 'News and offers', surveys: 'Surveys about your experience'};
const CHANNELS = {email: 'By email', sms: 'By text message', push: 'By notification'};

async function call(method, body) {
  const res = await fetch(API, {method, headers: {'Accept': 'application/json', ...(body ? {'Content-Type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined, credentials: 'omit', cache: 'no-store'});
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.detail || `HTTP ${res.status}`);
  return data;
}

function render(p, note) {
  const purposes = [...new Set(p.consents.map((c) => c.purpose))];
  const form = h('form', {class: 'card stacked prefs', novalidate: true},
    h('h1', {}, p.firstName ? `${p.firstName}, choose what we send you` : 'Choose what we send you'),
    purposes.map((purpose) => h('fieldset', {},
      h('legend', {}, LABELS[purpose] || purpose),
      p.consents.filter((c) => c.purpose === purpose).map((c) => {
        const id = `c-${purpose}-${c.channel}`.replace(/[^A-Za-z0-9_-]/g, '_');
        return h('div', {class: 'field check'},
          h('input', {type: 'checkbox', id, name: `${purpose}|${c.channel}`, checked: c.status === 'granted'}),
          h('label', {for: id}, CHANNELS[c.channel] || `By ${c.channel}`),
          c.changedAt ? h('p', {class: 'help'}, `${c.status === 'granted' ? 'Agreed' : 'Declined'} on ${when(c.changedAt)}`) : null);
      }))),
    h('p', {class: 'help'}, 'Messages about your orders and your account are always sent.'),
    h('button', {type: 'submit', class: 'primary'}, 'Save my choices'),
    h('p', {class: 'result', role: 'status', tabindex: '-1'}, note || ''));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const consents = [...form.querySelectorAll('input[type=checkbox]')].map((box) => {
        const [purpose, channel] = box.name.split('|');
        return {purpose, channel, status: box.checked ? 'granted' : 'withdrawn'};
      });
      render(await call('PUT', {consents}), 'Saved. Thank you.');
      main.querySelector('.result').focus();
    } catch (err) {
      form.querySelector('.result').textContent = err.message;
      button.disabled = false;
    }
  });
  replace(main, form);
}

(async () => {
  try {
    render(await call('GET'));
  } catch (err) {
    replace(main, h('div', {class: 'card'}, h('h1', {}, 'This link does not work'), h('p', {}, err.message)));
  }
})();
