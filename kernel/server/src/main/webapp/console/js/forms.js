// Labelled form fields, API errors shown next to the field they name, and forms generated from JSON Schema.
import {h, uid, replace} from './dom.js';

/**
 * A labelled field. spec: {name, label, type, value, required, help, options: [{value, label}], autocomplete, placeholder}
 * The input is described by its help and its error element, so that screen readers read both.
 */
export function field(spec) {
  const id = uid(`f-${spec.name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = [spec.help ? helpId : null, errorId].filter(Boolean).join(' ');
  let input;
  if (spec.type === 'select') {
    input = h('select', {id, name: spec.name, required: spec.required, 'aria-describedby': describedBy},
      (spec.options || []).map((o) => h('option', {value: o.value, selected: String(o.value) === String(spec.value ?? '')}, o.label)));
  } else if (spec.type === 'checkbox') {
    input = h('input', {id, name: spec.name, type: 'checkbox', checked: !!spec.value, 'aria-describedby': describedBy});
  } else if (spec.type === 'textarea') {
    input = h('textarea', {id, name: spec.name, required: spec.required, rows: spec.rows || 4, placeholder: spec.placeholder,
      'aria-describedby': describedBy});
    input.value = spec.value ?? '';
  } else {
    input = h('input', {id, name: spec.name, type: spec.type || 'text', required: spec.required, autocomplete: spec.autocomplete || 'off',
      placeholder: spec.placeholder, step: spec.step, min: spec.min, max: spec.max, accept: spec.accept, 'aria-describedby': describedBy});
    if (spec.value !== undefined && spec.value !== null && spec.type !== 'file') input.value = spec.value;
  }
  const label = h('label', {for: id}, spec.label, spec.required ? h('span', {class: 'req', 'aria-hidden': 'true'}, ' *') : null);
  const wrap = h('div', {class: spec.type === 'checkbox' ? 'field check' : 'field'},
    spec.type === 'checkbox' ? [input, label] : [label, input],
    spec.help ? h('p', {class: 'help', id: helpId}, spec.help) : null,
    h('p', {class: 'field-error', id: errorId, 'aria-live': 'polite'}));
  return wrap;
}

/** The alert at the top of a form, created on first use. */
function alertOf(form) {
  let a = form.querySelector(':scope > .form-alert');
  if (!a) {
    a = h('div', {class: 'form-alert', role: 'alert'});
    form.prepend(a);
  }
  return a;
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.replaceChildren());
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const a = form.querySelector(':scope > .form-alert');
  if (a) a.remove();
}

/**
 * Shows an API error on a form: each entry of problem.errors ({pointer, detail}) next to the input it names (a JSON
 * pointer such as "/email", or a query parameter such as "email"), the rest in the form's alert. Focuses the first invalid input,
 * unless {@code focus} is false (a live check while the user types must not move the caret).
 */
export function showErrors(form, err, {focus = true} = {}) {
  clearErrors(form);
  const unplaced = [];
  let first = null;
  for (const e of err.errors || []) {
    const path = String(e.pointer ?? e.field ?? '').replace(/^\//, '');
    const input = findInput(form, path);
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      const out = form.querySelector(`#${CSS.escape(input.id)}-error`);
      if (out) out.textContent = e.detail;
      first = first || input;
    } else {
      unplaced.push(path ? `${path}: ${e.detail}` : e.detail);
    }
  }
  if (!first || unplaced.length) {
    const a = alertOf(form);
    replace(a, h('p', {}, err.message), unplaced.length ? h('ul', {}, unplaced.map((u) => h('li', {}, u))) : null);
    if (!first) a.setAttribute('tabindex', '-1');
    if (focus) (first || a).focus();
  } else if (focus) {
    first.focus();
  }
}

function findInput(form, path) {
  if (!path) return null;
  const candidates = [path, path.replaceAll('/', '.'), path.split('/').pop()];
  for (const name of candidates) {
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (el) return el;
  }
  return null;
}

/** Runs {@code action} for a submitted form: disables its buttons meanwhile and shows an ApiError on the form. */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(new FormData(form));
    } catch (err) {
      if (err.problem || err.errors) showErrors(form, err); else showErrors(form, {message: String(err.message || err), errors: []});
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}

/**
 * The fields of a configuration form from its JSON Schema (Rapport's Metatype -> JSON Schema). Passwords are never
 * shown: their field is empty and left out of the result unless typed into ("set" says whether one is stored).
 * @returns {fields: Node[], read(): object, check(): [{field, detail}]}
 */
export function schemaFields(schema, values, passwordsSet) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const fields = [];
  for (const [name, p] of Object.entries(props)) {
    const current = values && name in values ? values[name] : p.default;
    const isPassword = p.format === 'password' || p.writeOnly;
    const common = {name, label: p.title || name, required: required.has(name) && !(isPassword && passwordsSet.includes(name)),
      help: p.description};
    if (p.type === 'array') {
      fields.push(field({...common, type: 'textarea', rows: 3, value: (current || []).join('\n'),
        help: [p.description, 'One value per line.'].filter(Boolean).join(' ')}));
    } else if (p.oneOf) {
      const options = p.oneOf.map((o) => ({value: o.const, label: o.title ?? String(o.const)}));
      if (!common.required) options.unshift({value: '', label: '—'});
      fields.push(field({...common, type: 'select', options, value: current}));
    } else if (p.type === 'boolean') {
      fields.push(field({...common, type: 'checkbox', value: current === true}));
    } else if (p.type === 'integer' || p.type === 'number') {
      fields.push(field({...common, type: 'number', step: p.type === 'integer' ? '1' : 'any', value: current}));
    } else if (isPassword) {
      const set = passwordsSet.includes(name);
      fields.push(field({...common, type: 'password', autocomplete: 'new-password',
        placeholder: set ? 'Set — leave empty to keep it' : '', help: [p.description, set ? 'A value is stored; it is never shown.' : null]
          .filter(Boolean).join(' ')}));
    } else {
      fields.push(field({...common, value: current}));
    }
  }

  function read(form) {
    const out = {};
    for (const [name, p] of Object.entries(props)) {
      const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
      if (!el) continue;
      if (p.type === 'boolean') {
        out[name] = el.checked;
      } else if (p.type === 'array') {
        const items = el.value.split('\n').map((s) => s.trim()).filter(Boolean);
        const t = p.items && p.items.type;
        out[name] = t === 'integer' || t === 'number' ? items.map(Number) : items;
      } else if (el.value === '') {
        // empty: a password keeps its value, anything else takes its default
      } else if (p.type === 'integer' || p.type === 'number') {
        out[name] = Number(el.value);
      } else {
        out[name] = el.value;
      }
    }
    return out;
  }

  function check(form) {
    const errors = [];
    const data = read(form);
    for (const name of required) {
      const p = props[name];
      const isPassword = p && (p.format === 'password' || p.writeOnly);
      if (!(name in data) && !(isPassword && passwordsSet.includes(name))) errors.push({field: `/${name}`, detail: 'is required'});
    }
    for (const [name, p] of Object.entries(props)) {
      if (p.type === 'integer' && name in data && !Number.isInteger(data[name])) errors.push({field: `/${name}`, detail: 'must be a whole number'});
      if (p.type === 'number' && name in data && Number.isNaN(data[name])) errors.push({field: `/${name}`, detail: 'must be a number'});
    }
    return errors;
  }

  return {fields, read, check};
}
