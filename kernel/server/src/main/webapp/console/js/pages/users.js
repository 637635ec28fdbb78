import {h, replace, when} from '../dom.js';
import {get, post, del, enc} from '../api.js';
import {field, onSubmit} from '../forms.js';
import {session} from '../app.js';

/** Users (create, disable) and API keys (create — the secret is shown once — and revoke). */
export default async function users(el) {
  const [us, keys] = await Promise.all([get('/admin/users'), get('/admin/api-keys')]);
  const refresh = () => users(el);
  const userForm = h('form', {class: 'card stacked', novalidate: true, 'aria-labelledby': 'new-user-h'},
    h('h2', {id: 'new-user-h'}, 'Add a user'),
    field({name: 'username', label: 'Username', required: true, autocomplete: 'off'}),
    field({name: 'password', label: 'Password', type: 'password', required: true, autocomplete: 'new-password', help: 'At least 12 characters.'}),
    field({name: 'role', label: 'Role', type: 'select', value: 'viewer', options: [
      {value: 'viewer', label: 'Viewer — reads customers and KPIs'},
      {value: 'marketer', label: 'Marketer — also changes customers and sends messages'},
      {value: 'admin', label: 'Admin — also manages users, keys and settings'}]}),
    h('button', {type: 'submit', class: 'primary'}, 'Add user'));
  onSubmit(userForm, async (d) => {
    await post('/admin/users', {username: d.get('username'), password: d.get('password'), role: d.get('role')});
    await refresh();
  });
  const secret = h('div', {class: 'secret', 'aria-live': 'polite'});
  const keyForm = h('form', {class: 'card stacked', novalidate: true, 'aria-labelledby': 'new-key-h'},
    h('h2', {id: 'new-key-h'}, 'Create an API key'),
    field({name: 'name', label: 'Name', required: true, help: 'What uses it, e.g. "shop".'}),
    h('button', {type: 'submit', class: 'primary'}, 'Create key'),
    secret);
  onSubmit(keyForm, async (d) => {
    const k = await post('/admin/api-keys', {name: d.get('name')});
    await refresh();
    // the new secret is shown once, on the refreshed page
    const box = el.querySelector('.secret');
    replace(box, h('p', {}, h('strong', {}, 'Copy this key now; it is not shown again:')),
      h('p', {}, h('code', {class: 'key', tabindex: '0'}, k.secret)));
    box.querySelector('code').focus();
  });
  const me = session().username;
  replace(el, h('h1', {}, 'Users & API keys'),
    h('section', {'aria-labelledby': 'users-h'}, h('h2', {id: 'users-h'}, 'Users'),
      h('div', {class: 'table-wrap'}, h('table', {},
        h('thead', {}, h('tr', {}, ['Username', 'Role', 'Created', 'Status', ''].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, us.items.map((u) => h('tr', {},
          h('td', {}, u.username), h('td', {}, u.role + (u.operator ? ' · operator' : '')), h('td', {}, when(u.createdAt)),
          h('td', {}, u.disabledAt ? `disabled ${when(u.disabledAt)}` : 'active'),
          h('td', {}, u.username === me ? null : u.disabledAt
            ? button(`Enable ${u.username}`, 'Enable', () => post(`/admin/users/${enc(u.username)}/enable`), refresh, `Enable ${u.username} again?`, '')
            : button(`Disable ${u.username}`, 'Disable', () => del(`/admin/users/${enc(u.username)}`), refresh,
              `Disable ${u.username}? They are signed out at once.`)))))))),
    h('section', {'aria-labelledby': 'keys-h'}, h('h2', {id: 'keys-h'}, 'API keys'),
      keys.items.length === 0 ? h('p', {class: 'muted'}, 'No API key yet.')
        : h('div', {class: 'table-wrap'}, h('table', {},
          h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Created', 'Status', ''].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, keys.items.map((k) => h('tr', {},
            h('td', {}, k.name), h('td', {}, h('code', {}, k.prefix)), h('td', {}, when(k.createdAt)),
            h('td', {}, k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'active'),
            h('td', {}, k.revokedAt ? null : button(`Revoke key ${k.name}`, 'Revoke', () => del(`/admin/api-keys/${enc(k.id)}`), refresh,
              `Revoke the key ${k.name}? Clients using it are refused at once.`)))))))),
    h('div', {class: 'profile-grid'}, userForm, keyForm));
}

function button(label, text, call, after, confirmText, cls = 'danger') {
  const b = h('button', {type: 'button', class: cls, 'aria-label': label}, text);
  b.addEventListener('click', async () => {
    if (!window.confirm(confirmText)) return;
    b.disabled = true;
    try {
      await call();
      await after();
    } catch (err) {
      b.disabled = false;
      b.after(h('span', {class: 'field-error', role: 'alert'}, ` ${err.message}`));
    }
  });
  return b;
}
