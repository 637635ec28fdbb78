// A plugin configuration's form, generated from its Metatype schema and saved through the admin API (plugins and channels pages).
import {h} from './dom.js';
import {get, put, enc} from './api.js';
import {onSubmit, schemaFields, showErrors} from './forms.js';

/**
 * Loads the schema and the current values of the configuration {@code c} ({pid, configured}) and builds its form.
 * Passwords stay write-only (see schemaFields). {@code extra} nodes go beside the save button.
 * @returns the form, which calls {@code saved()} after a successful save
 */
export async function configForm(c, saved, extra) {
  const schema = await get(`/admin/configurations/${enc(c.pid)}/schema`);
  let current = {properties: {}, passwordsSet: []};
  if (c.configured) current = await get(`/admin/configurations/${enc(c.pid)}`);
  const sf = schemaFields(schema, current.properties, current.passwordsSet);
  const form = h('form', {class: 'config-form', novalidate: true, 'aria-label': `${schema.title || c.pid} configuration`},
    schema.description ? h('p', {class: 'muted'}, schema.description) : null,
    sf.fields,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Save configuration'), extra || null));
  onSubmit(form, async () => {
    const problems = sf.check(form);
    if (problems.length) {
      showErrors(form, {message: 'Some fields need a value.', errors: problems});
      return;
    }
    await put(`/admin/configurations/${enc(c.pid)}`, sf.read(form));
    await saved();
  });
  return form;
}
