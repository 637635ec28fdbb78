// A plugin configuration's form, generated from its Metatype schema and saved through the admin API (plugins and channels pages).
import {h} from './dom.js';
import {get, put, enc} from './api.js';
import {onSubmit, schemaFields, showErrors} from './forms.js';

/** Where the form of an admin configuration {@code c} ({pid, configured}) loads and saves. */
export function adminConfiguration(c) {
  const at = `/admin/configurations/${enc(c.pid)}`;
  return {name: c.pid, schema: `${at}/schema`, values: c.configured ? at : null, save: at};
}

/**
 * Loads a configuration's schema and current values from {@code source} ({name, schema, values, save}: API paths;
 * values null when there are none yet) and builds its form. Passwords stay write-only (see schemaFields).
 * {@code extra} nodes go beside the save button.
 * @returns the form, which calls {@code saved()} after a successful save
 */
export async function configForm(source, saved, extra) {
  const schema = await get(source.schema);
  let current = {properties: {}, passwordsSet: []};
  if (source.values) current = await get(source.values);
  const sf = schemaFields(schema, current.properties, current.passwordsSet);
  const form = h('form', {class: 'config-form', novalidate: true, 'aria-label': `${schema.title || source.name} configuration`},
    schema.description ? h('p', {class: 'muted'}, schema.description) : null,
    sf.fields,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Save configuration'), extra || null));
  onSubmit(form, async () => {
    const problems = sf.check(form);
    if (problems.length) {
      showErrors(form, {message: 'Some fields need a value.', errors: problems});
      return;
    }
    await put(source.save, sf.read(form));
    await saved();
  });
  return form;
}
