import {h, replace, when} from '../dom.js';
import {get, post, del, enc, query} from '../api.js';
import {clearErrors, field, onSubmit, showErrors} from '../forms.js';
import {can, go} from '../app.js';
import {adminConfiguration, configForm} from '../config-form.js';
import {customerPicker, DEBOUNCE_MS} from '../customer-picker.js';
import {channelLabel} from './channels.js';

/** Message states and delivery updates, as GET /messages?state= and ?delivery= take them. */
const STATES = ['SENT', 'SENDING', 'RETRY', 'REJECTED', 'DEAD'];
const DELIVERIES = ['DELIVERED', 'OPENED', 'CLICKED', 'SOFT_BOUNCED', 'FAILED', 'HARD_BOUNCED', 'COMPLAINED'];
const DEAD = 'DEAD';
const ALL_CHANNELS = '*';
const PURPOSE_TEST = 'transactional';
const PAGE_SIZE = 50;

const TABS = [
  {id: 'settings', title: 'Connection', render: settings},
  {id: 'templates', title: 'Template preview', render: templates},
  {id: 'log', title: 'Delivery log', render: log},
  {id: 'suppressions', title: 'Suppressions', render: suppressions},
  {id: 'dead', title: 'Dead letters', render: deadLetters},
];

function link(type, params) {
  return `#/channels/${type}${query(params)}`;
}

/** One channel: its connection settings and a test send, a template preview, the delivery log, suppressions and dead letters. */
export default async function channel(el, {args, params}) {
  const type = args[0];
  const tab = TABS.find((t) => t.id === params.get('tab')) || TABS[0];
  const section = h('section', {class: 'channel-section', 'aria-labelledby': 'section-h', dataset: {tab: tab.id}});
  replace(el,
    h('p', {class: 'crumbs'}, h('a', {href: '#/channels'}, 'Channels')),
    h('h1', {}, channelLabel(type)),
    h('nav', {class: 'tabs', 'aria-label': `${channelLabel(type)} sections`},
      h('ul', {}, TABS.map((t) => h('li', {}, h('a', {href: link(type, {tab: t.id}), 'aria-current': t === tab ? 'page' : false}, t.title))))),
    section);
  await tab.render(section, type, params);
}

function heading(title) {
  return h('h2', {id: 'section-h'}, title);
}

/** Display names of the customers a list names, as the API gave them with each item. */
function names(items) {
  return new Map(items.map((i) => [i.customerId, i.customerName || i.customerId]));
}

function stateBadge(state) {
  return h('span', {class: `state ${state.toLowerCase()}`}, state);
}

function note(text, cls = 'muted') {
  return text ? h('p', {class: cls, role: 'status', tabindex: '-1'}, text) : null;
}

/** After an action re-rendered a section, the keyboard continues from its result. */
function focusResult(el) {
  const r = el.querySelector('.result');
  if (r) r.focus();
}

// --- connection settings and a test message -----------------------------------------------------------

async function settings(el, type) {
  const connection = h('div', {class: 'connection'});
  const wide = h('div', {class: 'server-wide-box'});
  replace(el, heading('Connection settings'), connection, can('marketer') ? testForm(type) : null, wide);
  await loadConnection(connection, type, '');
  if (can('admin', true)) await loadServerWide(wide, type, '');
}

const SCOPE_TEXT = {
  tenant: 'This shop sends through its own settings below.',
  server: 'This shop sends through the server\'s shared settings, which the operator manages. To send through your own account, fill in the form.',
  none: 'Not configured: this shop cannot send on this channel until the form below is saved.',
};

async function loadConnection(el, type, done) {
  if (!can('admin')) {
    replace(el, h('p', {class: 'notice'}, 'Only admins can change the connection settings.'));
    return;
  }
  const at = `/channels/${enc(type)}/settings`;
  let own = await get(at);
  // the channel restarts with settings just saved: give it a moment before saying it does not run
  for (let i = 0; i < 10 && own.scope === 'tenant' && !own.running; i++) {
    await new Promise((r) => setTimeout(r, 300));
    own = await get(at);
  }
  const reload = async (text) => {
    await loadConnection(el, type, text);
    focusResult(el);
  };
  const back = own.scope === 'tenant'
    ? h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!window.confirm('Delete this shop\'s own settings? Its messages go through the server\'s shared settings, if any.')) return;
      await del(at);
      await reload('This shop\'s own settings are deleted.');
    }}, 'Delete own settings') : null;
  const form = await configForm({name: `${channelLabel(type)} settings`, schema: `${at}/schema`, values: own.scope === 'tenant' ? at : null, save: at},
    () => reload('Settings saved.'), back);
  const parts = [h('p', {class: 'scope', dataset: {scope: own.scope}}, SCOPE_TEXT[own.scope]),
    own.scope === 'tenant' && !own.running ? h('p', {class: 'notice'}, 'No channel runs with these settings: the plugin refused them. '
      + 'Check them, or ask the operator for the reason the plugins page shows.') : null,
    form, note(done, 'result')];
  replace(el, ...parts);
}

/** The operator's server-wide settings of the channel: what shops without their own send through. */
async function loadServerWide(el, type, done) {
  const items = (await get('/admin/configurations')).items.filter((x) => x.channelType === type);
  const base = items.find((x) => !x.pid.includes('~'));
  const box = h('details', {class: 'config server-wide'}, h('summary', {}, 'Server-wide settings (operator): for shops without their own'));
  replace(el, box, note(done, 'result'));
  if (!base || !base.hasForm) {
    box.append(h('p', {class: 'muted'}, base ? 'The plugin of this channel declares no form.' : 'No installed plugin provides this channel\'s settings.'));
    return;
  }
  // beside shops' own settings (<pid>~<tenant id>), the server-wide ones are <pid>~shared
  const sharedPid = `${base.pid}~shared`;
  const c = base.configured ? base : items.find((x) => x.pid === sharedPid)
    || (items.some((x) => x.tenant) ? {...base, pid: sharedPid, configured: false} : base);
  box.append(h('p', {class: 'muted'}, `Configuration ${c.pid} of ${c.plugin}`, c.configured ? '' : ' — not configured yet'),
    await configForm(adminConfiguration(c), async () => {
      await loadServerWide(el, type, 'Server-wide settings saved.');
      focusResult(el);
    }));
}

function testForm(type) {
  const picker = customerPicker(() => {});
  const result = h('p', {class: 'result', role: 'status'});
  const form = h('form', {class: 'card stacked test-send', novalidate: true, 'aria-labelledby': 'test-h'},
    h('h2', {id: 'test-h'}, 'Send a test message'),
    picker.fields,
    field({name: 'subject', label: 'Subject'}),
    field({name: 'text', label: 'Message', type: 'textarea', required: true, help: 'Mustache: {{customer.firstName}} is replaced.'}),
    h('p', {class: 'help'}, 'Sent as a transactional message: consent for marketing is not needed, suppressions still apply.'),
    h('button', {type: 'submit', class: 'primary'}, 'Send test'),
    result);
  onSubmit(form, async (d) => {
    result.textContent = '';
    const m = await post('/messages', {customerId: picker.value(), channel: type, purpose: PURPOSE_TEST,
      subject: d.get('subject') || null, text: d.get('text')});
    result.textContent = `Message ${m.state.toLowerCase()}${m.reason ? `: ${m.reason}` : ''}.`;
  });
  return form;
}

// --- template editor with a live preview ---------------------------------------------------------------

async function templates(el, type) {
  if (!can('marketer')) {
    replace(el, heading('Template preview'), h('p', {class: 'notice'}, 'Previews are for marketers and admins.'));
    return;
  }
  let timer = null;
  let latest = 0;
  const picker = customerPicker(() => schedule());
  const status = h('p', {class: 'muted preview-status', role: 'status'}, 'Choose a customer to see the preview.');
  const subject = h('p', {class: 'preview-subject'});
  const text = h('pre', {class: 'preview-text'});
  // The HTML is the customer's data rendered into markup: shown only in a sandbox without scripts or our origin. A srcdoc
  // frame is not fetched, so the CSP's frame-src does not apply to it; it inherits the console's CSP, so inline styles
  // and remote images of the template do not show here.
  const frame = h('iframe', {sandbox: '', title: 'HTML preview', class: 'preview-html', referrerpolicy: 'no-referrer'});
  const noHtml = h('p', {class: 'muted'}, 'No HTML part.');
  const form = h('form', {class: 'card stacked template-form', novalidate: true, 'aria-labelledby': 'template-h'},
    h('h3', {id: 'template-h'}, 'Template'),
    picker.fields,
    field({name: 'purpose', label: 'Purpose', type: 'select', options: [{value: 'marketing', label: 'Marketing'}, {value: 'transactional', label: 'Transactional'}]}),
    field({name: 'subject', label: 'Subject'}),
    field({name: 'text', label: 'Plain text', type: 'textarea', rows: 6, required: true,
      help: 'Mustache over customer, data and message: {{customer.firstName}}. Values are inserted as text.'}),
    field({name: 'html', label: 'HTML', type: 'textarea', rows: 8, help: 'Optional. Values are HTML-escaped.'}),
    h('button', {type: 'submit'}, 'Preview now'));
  const preview = h('section', {class: 'card preview', 'aria-labelledby': 'preview-h'},
    h('h3', {id: 'preview-h'}, 'Preview'), status,
    h('h4', {}, 'Subject'), subject, h('h4', {}, 'Plain text'), text, h('h4', {}, 'HTML'), noHtml, frame);
  frame.hidden = true;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(update, DEBOUNCE_MS);
  }

  async function update() {
    const mine = ++latest;
    const customerId = picker.value();
    if (!customerId) {
      status.textContent = 'Choose a customer to see the preview.';
      return;
    }
    const d = new FormData(form);
    let p;
    try {
      p = await post('/messages/preview', {customerId, channel: type, purpose: d.get('purpose'), subject: d.get('subject') || null,
        text: d.get('text'), html: d.get('html') || null});
    } catch (err) {
      if (mine !== latest) return;
      showErrors(form, err, {focus: false});
      status.textContent = 'The template has errors: see the fields.';
      return;
    }
    if (mine !== latest) return; // a later preview is on its way
    clearErrors(form);
    status.textContent = `Preview for this customer, ${new Date().toLocaleTimeString()}.`;
    subject.textContent = p.subject ?? '—';
    text.textContent = p.text ?? '';
    frame.hidden = p.html === null;
    noHtml.hidden = p.html !== null;
    if (p.html !== null) frame.setAttribute('srcdoc', p.html);
  }

  form.addEventListener('input', (ev) => {
    if (ev.target.name !== 'customerSearch') schedule();
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    update();
  });
  replace(el, heading('Template preview'),
    h('p', {class: 'muted'}, 'Write a message and see it as a customer would get it. Nothing is sent or stored.'),
    h('div', {class: 'editor'}, form, preview));
}

// --- delivery log and dead letters ---------------------------------------------------------------------

function messageRows(items, who, action) {
  return items.map((m) => h('tr', {dataset: {message: m.id}},
    h('td', {}, h('time', {datetime: m.createdAt}, when(m.createdAt))),
    h('td', {}, h('a', {href: `#/customers/${m.customerId}`}, who.get(m.customerId))),
    h('td', {}, m.subject || (m.text ? h('span', {class: 'muted'}, m.text.length > 60 ? `${m.text.slice(0, 60)}…` : m.text) : '—')),
    h('td', {}, stateBadge(m.state)),
    h('td', {}, m.delivery || '—'),
    h('td', {}, String(m.attempts)),
    h('td', {}, m.reason || '—'),
    action ? h('td', {}, action(m, who.get(m.customerId))) : null));
}

function messageTable(caption, items, who, action) {
  const cols = ['Created', 'Customer', 'Subject', 'State', 'Delivery', 'Attempts', 'Reason'];
  if (action) cols.push('');
  return h('div', {class: 'table-wrap'}, h('table', {class: 'messages'},
    h('caption', {class: 'visually-hidden'}, caption),
    h('thead', {}, h('tr', {}, cols.map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, messageRows(items, who, action))));
}

function pager(type, params, items, label) {
  const before = params.before;
  return h('nav', {class: 'pager', 'aria-label': label},
    before ? h('a', {href: link(type, {...params, before: ''})}, 'Newest') : null,
    items.length === PAGE_SIZE ? h('a', {href: link(type, {...params, before: items[items.length - 1].createdAt}), rel: 'next'}, 'Older') : null);
}

async function log(el, type, params) {
  const state = params.get('state') || '';
  const delivery = params.get('delivery') || '';
  const before = params.get('before') || '';
  const filter = h('form', {class: 'inline-form', novalidate: true, 'aria-label': 'Filter the delivery log'},
    field({name: 'state', label: 'State', type: 'select', value: state, options: [{value: '', label: 'Any'}, ...STATES.map((s) => ({value: s, label: s}))]}),
    field({name: 'delivery', label: 'Delivery', type: 'select', value: delivery,
      options: [{value: '', label: 'Any'}, ...DELIVERIES.map((s) => ({value: s, label: s}))]}),
    h('button', {type: 'submit'}, 'Filter'));
  onSubmit(filter, async (d) => go(link(type, {tab: 'log', state: d.get('state'), delivery: d.get('delivery')})));
  replace(el, heading('Delivery log'), filter);
  let items;
  try {
    items = (await get(`/messages${query({channel: type, state, delivery, before, limit: PAGE_SIZE})}`)).items;
  } catch (err) {
    showErrors(filter, err);
    return;
  }
  const who = names(items);
  el.append(items.length === 0 ? h('p', {class: 'muted'}, 'No message matches.') : messageTable('Messages, newest first', items, who),
    pager(type, {tab: 'log', state, delivery, before}, items, 'Delivery log pages'));
}

async function deadLetters(el, type, params, done) {
  const before = params.get('before') || '';
  const items = (await get(`/messages${query({channel: type, state: DEAD, before, limit: PAGE_SIZE})}`)).items;
  const who = names(items);
  const resend = can('admin') ? (m, name) => rowButton('Send again', `Send again the message to ${name} of ${when(m.createdAt)}`, null, async () => {
    const again = await post(`/messages/${enc(m.id)}/resend`);
    await deadLetters(el, type, params, `Sent again to ${name}: ${again.state.toLowerCase()}${again.reason ? ` (${again.reason})` : ''}.`);
    focusResult(el);
  }) : null;
  replace(el, heading('Dead letters'),
    h('p', {class: 'muted'}, 'Messages that failed every attempt.', can('admin') ? ' Sending one again gives it a fresh set of attempts.'
      : ' An admin can send them again.'),
    note(done, 'result'),
    items.length === 0 ? h('p', {class: 'muted'}, 'No dead letter.') : messageTable('Dead letters, newest first', items, who, resend),
    pager(type, {tab: 'dead', before}, items, 'Dead letter pages'));
}

/** A button for one row: asks first if {@code confirmText}, shows an error beside itself. */
function rowButton(text, label, confirmText, call, cls = '') {
  const b = h('button', {type: 'button', class: cls, 'aria-label': label}, text);
  b.addEventListener('click', async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    b.disabled = true;
    try {
      await call();
    } catch (err) {
      b.disabled = false;
      b.after(h('span', {class: 'field-error', role: 'alert'}, ` ${err.message}`));
    }
  });
  return b;
}

// --- suppression list ----------------------------------------------------------------------------------

async function suppressions(el, type, params, done) {
  const scope = params.get('on') === ALL_CHANNELS ? ALL_CHANNELS : type;
  const before = params.get('before') || '';
  const filter = h('form', {class: 'inline-form', novalidate: true, 'aria-label': 'Which suppressions'},
    field({name: 'on', label: 'Suppressed on', type: 'select', value: scope,
      options: [{value: type, label: `${channelLabel(type)} only`}, {value: ALL_CHANNELS, label: 'Every channel (*)'}]}),
    h('button', {type: 'submit'}, 'Show'));
  onSubmit(filter, async (d) => go(link(type, {tab: 'suppressions', on: d.get('on') === type ? '' : d.get('on')})));
  const items = (await get(`/suppressions${query({channel: scope, before, limit: PAGE_SIZE})}`)).items;
  const who = names(items);
  const lift = (s) => {
    const name = who.get(s.customerId);
    const where = s.channel === ALL_CHANNELS ? 'every channel' : s.channel;
    return rowButton('Lift', `Lift the suppression of ${name} on ${where}`, `Lift the suppression of ${name} on ${where}? Messages reach them again.`,
      async () => {
        await del(`/customers/${enc(s.customerId)}/suppressions/${enc(s.channel)}`);
        await suppressions(el, type, params, `Lifted: ${name} can be reached on ${where} again.`);
        focusResult(el);
      });
  };
  const canLift = can('marketer');
  replace(el, heading('Suppression list'),
    h('p', {class: 'muted'}, 'Customers this channel must not reach, whatever their consents: after a hard bounce, a complaint, or by hand.'),
    filter,
    note(done, 'result'),
    items.length === 0 ? h('p', {class: 'muted'}, 'Nobody is suppressed.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'suppressions'},
        h('caption', {class: 'visually-hidden'}, 'Suppressions, newest first'),
        h('thead', {}, h('tr', {}, ['Customer', 'Channel', 'Reason', 'Since', canLift ? '' : null].filter((t) => t !== null)
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, items.map((s) => h('tr', {dataset: {customer: s.customerId}},
          h('td', {}, h('a', {href: `#/customers/${s.customerId}`}, who.get(s.customerId))),
          h('td', {}, s.channel), h('td', {}, s.reason), h('td', {}, h('time', {datetime: s.createdAt}, when(s.createdAt))),
          canLift ? h('td', {}, lift(s)) : null))))),
    pager(type, {tab: 'suppressions', on: scope === type ? '' : scope, before}, items, 'Suppression pages'));
}
