// The console's frame: sign-in, navigation by role, and a hash router. Each page is a module under pages/.
import {h, replace} from './dom.js';
import {api, get, setCsrf, whenSignedOut} from './api.js';
import {field, onSubmit} from './forms.js';
import overview from './pages/overview.js';
import plugins from './pages/plugins.js';
import customers from './pages/customers.js';
import customer from './pages/customer.js';
import channels from './pages/channels.js';
import channel from './pages/channel.js';
import imports from './pages/imports.js';
import segments, {segment} from './pages/segments.js';
import journeys from './pages/journeys.js';
import journey from './pages/journey.js';
import surveys, {survey} from './pages/surveys.js';
import kpis from './pages/kpis.js';
import audit from './pages/audit.js';
import users from './pages/users.js';

const ROLES = ['viewer', 'marketer', 'admin'];

/**
 * The pages: path pattern, title, the least role that sees it (the API enforces the same), whether only the operator
 * (who manages the server's plugins) sees it, and whether it is in the menu. Later capabilities add theirs here.
 */
const PAGES = [
  {path: /^overview$/, nav: 'overview', title: 'Overview', role: 'viewer', render: overview},
  {path: /^plugins$/, nav: 'plugins', title: 'Plugins', role: 'admin', operator: true, render: plugins},
  {path: /^customers$/, nav: 'customers', title: 'Customers', role: 'viewer', render: customers},
  {path: /^customers\/([0-9a-fA-F-]{36})$/, title: 'Customer', role: 'viewer', render: customer},
  {path: /^channels$/, nav: 'channels', title: 'Channels', role: 'marketer', render: channels},
  {path: /^channels\/([a-z][a-z0-9_-]{0,39})$/, title: 'Channel', role: 'marketer', render: channel},
  // marketers see the recent imports; the wizard and the HubSpot settings are the admins'
  {path: /^imports$/, nav: 'imports', title: 'Imports', role: 'marketer', render: imports},
  // viewers read segments and their members; marketers build, change and delete them
  {path: /^segments$/, nav: 'segments', title: 'Segments', role: 'viewer', render: segments},
  {path: /^segments\/(new|[0-9a-fA-F-]{36})$/, title: 'Segment', role: 'viewer', render: segment},
  {path: /^journeys$/, nav: 'journeys', title: 'Journeys', role: 'viewer', render: journeys},
  {path: /^journeys\/([0-9a-fA-F-]{36})$/, title: 'Journey', role: 'viewer', render: journey},
  // viewers read surveys and their answers; marketers build and send them
  {path: /^surveys$/, nav: 'surveys', title: 'Surveys', role: 'viewer', render: surveys},
  {path: /^surveys\/(new|[0-9a-fA-F-]{36})$/, title: 'Survey', role: 'viewer', render: survey},
  // every role reads the KPI dashboard; goals are set through the API by marketers
  {path: /^kpis$/, nav: 'kpis', title: 'KPIs', role: 'viewer', render: kpis},
  {path: /^audit$/, nav: 'audit', title: 'Audit log', role: 'admin', render: audit},
  {path: /^users$/, nav: 'users', title: 'Users & API keys', role: 'admin', render: users},
];

const state = {session: null};
const main = document.getElementById('main');

/** Whether the signed-in user has at least {@code role} (and is the operator, if asked). */
export function can(role, operator) {
  const s = state.session;
  return !!s && ROLES.indexOf(s.role) >= ROLES.indexOf(role) && (!operator || s.operator);
}

export function session() {
  return state.session;
}

function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const at = raw.indexOf('?');
  let path;
  try {
    path = decodeURIComponent(at < 0 ? raw : raw.slice(0, at));
  } catch (e) {
    path = '\u0000'; // a malformed address: no page matches it
  }
  return {path: path || 'overview', params: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1))};
}

export function go(hash) {
  if (location.hash === hash) render(); else location.hash = hash;
}

async function render() {
  if (!state.session) {
    renderSignIn();
    return;
  }
  const {path, params} = route();
  const page = PAGES.find((p) => p.path.test(path));
  renderNav(page);
  if (!page) {
    show('Not found', h('p', {}, 'There is no such page. ', h('a', {href: '#/overview'}, 'Go to the overview.')));
    return;
  }
  if (!can(page.role, page.operator)) {
    show(page.title, h('p', {class: 'notice'}, `Your role (${state.session.role}) cannot open this page.`));
    return;
  }
  const match = path.match(page.path);
  document.title = `${page.title} · Rapport`;
  const container = h('div', {class: 'page'});
  replace(main, container);
  main.focus({preventScroll: true}); // at once, so that keys pressed while the page loads start from its top
  try {
    await page.render(container, {params, args: match.slice(1)});
  } catch (err) {
    replace(container, h('h1', {}, page.title), h('p', {class: 'form-alert', role: 'alert'}, err.message || String(err)));
  }
}

function show(title, ...content) {
  document.title = `${title} · Rapport`;
  replace(main, h('div', {class: 'page'}, h('h1', {}, title), content));
}

function renderNav(current) {
  const nav = document.getElementById('nav');
  const toggle = document.getElementById('menu-toggle');
  nav.hidden = false;
  toggle.hidden = false;
  replace(nav, h('ul', {}, PAGES.filter((p) => p.nav && can(p.role, p.operator)).map((p) =>
    h('li', {}, h('a', {href: `#/${p.nav}`, 'aria-current': current && current.nav === p.nav ? 'page' : false}, p.title)))));
  const s = state.session;
  replace(document.getElementById('who'),
    h('span', {class: 'user'}, s.username, ' ', h('span', {class: 'badge'}, s.role + (s.operator ? ' · operator' : ''))),
    h('button', {type: 'button', class: 'link', onclick: signOut}, 'Sign out'));
}

function renderSignIn() {
  document.getElementById('nav').hidden = true;
  document.getElementById('menu-toggle').hidden = true;
  replace(document.getElementById('who'));
  document.title = 'Sign in · Rapport';
  const form = h('form', {class: 'signin', novalidate: true},
    h('h1', {}, 'Sign in to Rapport'),
    field({name: 'username', label: 'Username', required: true, autocomplete: 'username'}),
    field({name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'current-password'}),
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
  onSubmit(form, async (data) => {
    const s = await api('POST', '/session', {username: data.get('username'), password: data.get('password')});
    signedIn(s);
    render();
  });
  replace(main, form);
  form.querySelector('input').focus();
}

function signedIn(s) {
  state.session = s;
  setCsrf(s.csrfToken);
}

async function signOut() {
  try {
    await api('DELETE', '/session');
  } finally {
    state.session = null;
    setCsrf(null);
    location.hash = '#/overview';
    render();
  }
}

whenSignedOut(() => {
  if (state.session) {
    state.session = null;
    render();
  }
});

document.getElementById('menu-toggle').addEventListener('click', (ev) => {
  const open = ev.currentTarget.getAttribute('aria-expanded') !== 'true';
  ev.currentTarget.setAttribute('aria-expanded', String(open));
  document.getElementById('nav').classList.toggle('open', open);
});
document.getElementById('nav').addEventListener('click', (ev) => {
  if (ev.target.closest('a')) {
    document.getElementById('nav').classList.remove('open');
    document.getElementById('menu-toggle').setAttribute('aria-expanded', 'false');
  }
});
window.addEventListener('hashchange', render);

(async () => {
  try {
    signedIn(await get('/session'));
  } catch (err) {
    state.session = null;
  }
  render();
})();
