import {h, replace} from '../dom.js';
import {get, post, put, del, enc} from '../api.js';
import {field, onSubmit} from '../forms.js';
import {adminConfiguration, configForm} from '../config-form.js';

/** Plugins: the list with state and failure, upload, start/stop/update/uninstall, and each configuration's form. */
export default async function plugins(el) {
  const [list, configs] = await Promise.all([get('/admin/plugins'), get('/admin/configurations')]);
  const upload = h('form', {class: 'inline-form', novalidate: true},
    field({name: 'jar', label: 'Plugin jar', type: 'file', accept: '.jar,application/java-archive', required: true}),
    field({name: 'start', label: 'Start it once installed', type: 'checkbox', value: true}),
    h('button', {type: 'submit', class: 'primary'}, 'Upload'));
  onSubmit(upload, async (data) => {
    const file = data.get('jar');
    if (!file || !file.size) {
      throw {message: 'Choose a jar to upload.', errors: [{field: 'jar', detail: 'is required'}]};
    }
    await post(`/admin/plugins?start=${data.get('start') === 'on'}`, file, 'application/java-archive');
    await plugins(el);
  });
  replace(el,
    h('h1', {}, 'Plugins'),
    h('section', {'aria-labelledby': 'upload-h'}, h('h2', {id: 'upload-h'}, 'Install a plugin'), upload),
    h('section', {'aria-labelledby': 'installed-h'}, h('h2', {id: 'installed-h'}, 'Installed'),
      list.items.length === 0 ? h('p', {class: 'muted'}, 'No plugin is installed.')
        : h('ul', {class: 'plugin-list'}, list.items.map((p) => pluginItem(el, p, configs.items.filter((c) => c.plugin === p.symbolicName))))));
}

function pluginItem(el, p, configs) {
  const refresh = () => plugins(el);
  const active = p.state === 'active';
  const actions = h('div', {class: 'actions'},
    active ? action('Disable', () => post(`/admin/plugins/${enc(p.symbolicName)}/stop`), refresh)
      : action('Enable', () => post(`/admin/plugins/${enc(p.symbolicName)}/start`), refresh, 'primary'),
    updateButton(p, refresh),
    action('Uninstall', () => del(`/admin/plugins/${enc(p.symbolicName)}`), refresh, 'danger',
      `Uninstall ${p.symbolicName}? Its configuration is deleted too.`));
  const item = h('li', {class: 'plugin', dataset: {plugin: p.symbolicName}},
    h('div', {class: 'plugin-head'},
      h('h3', {}, p.name || p.symbolicName),
      h('span', {class: `state ${p.state}`}, p.state)),
    h('p', {class: 'muted'}, `${p.symbolicName} ${p.version} · ${p.source}`),
    p.description ? h('p', {}, p.description) : null,
    p.failure ? h('p', {class: 'failure', role: 'status'}, h('strong', {}, 'Failed: '), p.failure) : null,
    p.components.filter((c) => c.failure).map((c) => h('p', {class: 'failure'}, h('strong', {}, `${c.name}: `), c.failure)),
    actions,
    configs.map((c) => configSection(c, refresh)));
  return item;
}

function action(label, call, after, cls, confirmText) {
  const b = h('button', {type: 'button', class: cls || ''}, label);
  b.addEventListener('click', async () => {
    if (confirmText && !window.confirm(confirmText)) return;
    b.disabled = true;
    try {
      await call();
      await after();
    } catch (err) {
      b.disabled = false;
      const note = h('p', {class: 'form-alert', role: 'alert'}, err.message);
      b.closest('.actions').after(note);
    }
  });
  return b;
}

function updateButton(p, refresh) {
  const input = h('input', {type: 'file', accept: '.jar', class: 'visually-hidden', 'aria-label': `New version of ${p.symbolicName}`});
  const b = h('button', {type: 'button'}, 'Update…');
  b.addEventListener('click', () => input.click());
  input.addEventListener('change', async () => {
    if (!input.files.length) return;
    try {
      await put(`/admin/plugins/${enc(p.symbolicName)}`, input.files[0], 'application/java-archive');
      await refresh();
    } catch (err) {
      b.after(h('p', {class: 'form-alert', role: 'alert'}, err.message));
    }
  });
  return h('span', {}, b, input);
}

function configSection(c, refresh) {
  const details = h('details', {class: 'config', open: !c.configured},
    h('summary', {}, `Configuration ${c.pid}`, c.configured ? '' : ' — not configured yet'));
  details.addEventListener('toggle', () => {
    if (details.open && !details.dataset.loaded) loadForm(details, c, refresh);
  }, {once: false});
  if (details.open) loadForm(details, c, refresh);
  return details;
}

async function loadForm(details, c, refresh) {
  details.dataset.loaded = 'true';
  if (!c.hasForm) {
    details.append(h('p', {class: 'muted'}, 'This plugin declares no form for this configuration.'));
    return;
  }
  details.append(await configForm(adminConfiguration(c), refresh,
    c.configured ? action('Delete configuration', () => del(`/admin/configurations/${enc(c.pid)}`), refresh, 'danger',
      `Delete the configuration ${c.pid}? The component that needs it stops.`) : null));
}
