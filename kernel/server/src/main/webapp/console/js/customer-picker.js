// Choosing one customer in a form: search by name, email or phone (as the customers page does), then pick a match.
import {h, replace} from './dom.js';
import {get, query} from './api.js';
import {field} from './forms.js';
import {displayName, guess} from './pages/customers.js';

export const DEBOUNCE_MS = 300;
const MATCHES = 10;

/**
 * Two fields: a search box and a select named "customerId" (so that an API error about /customerId lands there).
 * {@code onChange(id)} runs whenever the chosen customer changes.
 * @returns {fields: Node[], value(): string}
 */
export function customerPicker(onChange) {
  const search = field({name: 'customerSearch', label: 'Find a customer', type: 'search', placeholder: 'name, email or phone',
    help: 'Type, then choose one of the matches below.'});
  const choice = field({name: 'customerId', label: 'Customer', type: 'select', required: true, options: [{value: '', label: 'Search first'}]});
  const input = search.querySelector('input');
  const select = choice.querySelector('select');
  const error = search.querySelector('.field-error');
  const count = h('p', {class: 'help', role: 'status'});
  choice.append(count);
  let timer = null;
  let latest = 0;

  async function find() {
    const q = input.value.trim();
    if (!q) return;
    const mine = ++latest;
    let page;
    try {
      page = await get(`/customers${query({[guess(q)]: q, limit: MATCHES})}`);
    } catch (err) {
      if (mine === latest) error.textContent = err.message;
      return;
    }
    if (mine !== latest) return; // a later search answered first
    error.textContent = '';
    replace(select, page.items.length === 0 ? h('option', {value: ''}, 'No customer matches')
      : page.items.map((c) => h('option', {value: c.id}, [displayName(c), c.email].filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(' · '))));
    count.textContent = page.items.length === 1 ? '1 customer matches.' : `${page.items.length} customers match.`;
    onChange(select.value);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(find, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault(); // searches, does not submit the form
      clearTimeout(timer);
      find();
    }
  });
  select.addEventListener('change', () => onChange(select.value));
  return {fields: [search, choice], value: () => select.value};
}
