import {h, replace, uid, when} from '../dom.js';
import {get, post, put, del, enc, query} from '../api.js';
import {field, onSubmit, showErrors, clearErrors} from '../forms.js';
import {can} from '../app.js';
import {configForm} from '../config-form.js';

/** The start of a file a preview reads: enough for its header, its first rows and the detection of its shape. */
const PREVIEW_BYTES = 1 << 20;
const POLL_MS = 500;
const HISTORY = 20;
const FORMAT = 'csv';
const HUBSPOT = '/connectors/hubspot/settings';

const KINDS = [{value: 'contacts', label: 'Contacts'}, {value: 'orders', label: 'Orders'}];
const PRESETS = {hubspot: 'HubSpot', salesforce: 'Salesforce', mailchimp: 'Mailchimp', zoho: 'Zoho CRM', mautic: 'Mautic', cdnow: 'CDNOW'};
const NO_PRESET = 'none';
const DELIMITERS = [
  {value: 'comma', label: 'Commas ( , )'}, {value: 'semicolon', label: 'Semicolons ( ; )'}, {value: 'tab', label: 'Tabs'},
  {value: 'pipe', label: 'Vertical bars ( | )'}, {value: 'whitespace', label: 'Spaces'},
];
const ENCODINGS = [
  {value: 'UTF-8', label: 'UTF-8 (most files)'}, {value: 'windows-1252', label: 'Western European (Windows-1252)'},
  {value: 'ISO-8859-1', label: 'Latin-1 (ISO-8859-1)'}, {value: 'UTF-16', label: 'UTF-16'},
];
const DATE_ORDERS = [
  {value: '', label: 'As the CRM writes them, else day first'}, {value: 'DMY', label: 'Day first (31/12/2024)'},
  {value: 'MDY', label: 'Month first (12/31/2024)'}, {value: 'YMD', label: 'Year first (2024/12/31)'},
];
/** Where phone numbers written without their country code are from (the import's region option). */
const REGIONS = [
  {value: '', label: 'The shop\'s country (its settings)'}, {value: 'FR', label: 'France'}, {value: 'BE', label: 'Belgium'},
  {value: 'CH', label: 'Switzerland'}, {value: 'DE', label: 'Germany'}, {value: 'ES', label: 'Spain'}, {value: 'IT', label: 'Italy'},
  {value: 'NL', label: 'Netherlands'}, {value: 'GB', label: 'United Kingdom'}, {value: 'IE', label: 'Ireland'},
  {value: 'US', label: 'United States'}, {value: 'CA', label: 'Canada'}, {value: 'AU', label: 'Australia'},
];
/** What a column can become, by the kind of target (attribute and consent targets carry names). */
const TARGETS = {
  externalId: 'Id in the other system', email: 'E-mail address', phone: 'Phone number', firstName: 'First name', lastName: 'Last name',
  locale: 'Language', timeZone: 'Time zone', tags: 'Tags', attribute: 'Custom field', consent: 'Consent (yes or no)',
  optout: 'Opt-out (yes means no marketing)', ignore: 'Leave out',
  orderId: 'Order number', customerId: 'Customer id', orderDate: 'Order date', amount: 'Amount', currency: 'Currency', quantity: 'Quantity',
  sku: 'Product code (SKU)', itemName: 'Product name', price: 'Unit price',
};
const TYPES = [
  {value: '', label: 'Guess from the values'}, {value: 'STRING', label: 'Text'}, {value: 'NUMBER', label: 'Number'},
  {value: 'BOOLEAN', label: 'Yes or no'}, {value: 'DATE', label: 'Date'}, {value: 'LIST', label: 'List'},
];
const STATES = {queued: 'Waiting to start', running: 'Running', done: 'Finished', cancelled: 'Cancelled', failed: 'Failed'};
const RUNNING = ['queued', 'running'];

const n = (x) => Number(x || 0).toLocaleString();

function stateBadge(state) {
  return h('span', {class: `state ${state}`, dataset: {state}}, STATES[state] || state);
}

/** The error report of a job, downloaded by the browser (the session cookie goes with it). */
function reportLink(job, text = 'Download the error report', label) {
  return h('a', {href: `/api/v1/imports/${enc(job.id)}/errors`, download: `import-errors-${job.id}.csv`, class: 'report', 'aria-label': label},
    text);
}

/** Imports: a wizard for admins (file, preview and mapping, dry run, import with progress), the recent jobs, the HubSpot sync. */
export default async function imports(el) {
  const history = h('section', {class: 'import-history', 'aria-labelledby': 'history-h'});
  const hubspot = h('div', {class: 'hubspot-box'});
  replace(el, h('h1', {}, 'Imports'),
    can('admin') ? wizard(history) : h('p', {class: 'notice'}, 'Only admins can import files. Here are the recent imports.'),
    hubspot, history);
  await Promise.all([loadHistory(history), can('admin') ? loadHubspot(hubspot) : null]);
}

// --- the wizard ----------------------------------------------------------------------------------------

function wizard(history) {
  const st = {file: null, kind: 'contacts', options: {}, custom: {}, preview: null, lines: null, seq: 0, saved: []};
  const previewBox = h('section', {class: 'import-step import-preview', 'aria-labelledby': 'preview-h', hidden: true});
  const runBox = h('section', {class: 'import-step import-run', 'aria-labelledby': 'run-h', hidden: true});
  const savedField = h('div', {class: 'saved-box'});
  const choose = h('form', {class: 'card stacked import-choose', novalidate: true, 'aria-labelledby': 'choose-h'},
    h('h2', {id: 'choose-h'}, '1. Choose a file'),
    h('p', {class: 'help'}, 'A CSV file, as HubSpot, Salesforce, Mailchimp, Zoho, Mautic or a spreadsheet saves it. Nothing is imported before you say so.'),
    field({name: 'file', label: 'File to import', type: 'file', accept: '.csv,.txt,.tsv,text/csv,text/plain', required: true}),
    field({name: 'kind', label: 'What the file holds', type: 'select', options: [{value: 'contacts', label: 'Contacts (people)'}, KINDS[1]],
      value: st.kind}),
    savedField,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Preview')));

  /** Lists the saved settings to start from, with {@code done} (what was just done to them) focused below. */
  async function loadSaved(done) {
    try {
      st.saved = (await get('/imports/mappings')).items;
    } catch (err) {
      st.saved = [];
    }
    const result = done ? h('p', {class: 'result', role: 'status', tabindex: '-1'}, done) : null;
    if (!st.saved.length) {
      replace(savedField, result);
      return;
    }
    const f = field({name: 'saved', label: 'Start from saved settings (optional)', type: 'select',
      options: [{value: '', label: 'None: detect everything'}, ...st.saved.map((m) => ({value: m.name, label: `${m.name} (${m.kind})`}))],
      help: 'Settings saved from an earlier import: the CRM, the separator and the columns you changed.'});
    const sel = f.querySelector('select');
    const remove = h('button', {type: 'button', class: 'danger', hidden: true}, 'Delete');
    const clearError = () => {
      const old = remove.parentNode.querySelector(':scope > .field-error');
      if (old) old.remove();
    };
    sel.addEventListener('change', () => {
      const m = st.saved.find((x) => x.name === sel.value);
      if (m) choose.querySelector('[name=kind]').value = m.kind;
      clearError();
      remove.hidden = !m;
      if (m) remove.setAttribute('aria-label', `Delete saved settings ${m.name}`);
    });
    remove.addEventListener('click', async () => {
      const name = sel.value;
      if (!name || !window.confirm(`Delete the saved settings “${name}”? Imports made with them keep their results.`)) return;
      remove.disabled = true;
      try {
        await del(`/imports/mappings/${enc(name)}`);
      } catch (err) {
        if (err.status !== 404) { // 404: someone else deleted them already, as asked
          remove.disabled = false;
          clearError();
          remove.after(h('span', {class: 'field-error', role: 'alert'}, ` ${err.message}`));
          return;
        }
      }
      await loadSaved(`Saved settings “${name}” deleted.`);
      savedField.querySelector('.result').focus();
    });
    const row = h('div', {class: 'saved-choice'});
    sel.replaceWith(row);
    row.append(sel, remove);
    replace(savedField, f, result);
  }

  onSubmit(choose, async (data) => {
    const file = data.get('file');
    if (!file || !file.size) {
      throw {message: 'Choose a file to import.', errors: [{field: 'file', detail: file && file.name ? 'is empty' : 'is required'}]};
    }
    st.file = file;
    st.kind = data.get('kind');
    st.options = {};
    st.custom = {};
    const saved = st.saved.find((m) => m.name === data.get('saved'));
    if (saved) {
      const {mapping, ...rest} = saved.options || {};
      st.options = rest;
      try {
        st.custom = mapping ? JSON.parse(mapping) : {};
      } catch (e) {
        st.custom = {};
      }
    }
    st.lines = await countLines(file);
    if (!runBox.dataset.running) runBox.hidden = true;
    await runPreview(choose);
    if (!runBox.dataset.running) renderRun();
    previewBox.querySelector('#preview-h').focus();
  });

  /** Reads what the connector makes of the file's start; errors go on {@code form}. */
  async function runPreview(form, keep) {
    const mine = ++st.seq;
    const mapping = Object.keys(st.custom).length ? JSON.stringify(st.custom) : '';
    let p;
    try {
      p = await post(`/imports/preview${query({kind: st.kind, format: FORMAT, ...st.options, mapping})}`, st.file.slice(0, PREVIEW_BYTES), 'text/csv');
    } catch (err) {
      if (mine !== st.seq) return;
      if (err.status === 409) {
        err.message = `${err.message}. ${can('admin', true) ? 'Install the CSV connector on the Plugins page.' : 'Ask the server\'s operator to install the CSV connector.'}`;
      }
      if (form === choose) {
        previewBox.hidden = true;
        if (!runBox.dataset.running) runBox.hidden = true;
        throw err; // shown on the form by onSubmit
      }
      showErrors(form, err, {focus: false});
      return;
    }
    if (mine !== st.seq) return;
    clearErrors(choose);
    st.preview = p;
    renderPreview(keep);
    previewBox.hidden = false;
  }

  /** Re-runs the preview after a change, keeping the keyboard on the control that changed. */
  function rerun(changed) {
    const key = changed && changed.dataset ? changed.dataset.key : null;
    return runPreview(previewBox.querySelector('form.import-options') || choose, key);
  }

  function effective() {
    const d = st.preview.description;
    const opts = {...st.options};
    if (!opts.preset && d.preset) opts.preset = d.preset;
    if (Object.keys(st.custom).length) opts.mapping = JSON.stringify(st.custom);
    return opts;
  }

  function renderPreview(keep) {
    const p = st.preview;
    const d = p.description;
    const presetNow = st.options.preset || d.preset || NO_PRESET;
    const options = h('form', {class: 'inline-form import-options', novalidate: true, 'aria-label': 'How to read the file'},
      select('preset', 'Exported from', presetNow,
        [...d.presets.map((x) => ({value: x, label: PRESETS[x] || x})), {value: NO_PRESET, label: 'Another tool: use the column names'}]),
      select('delimiter', 'Columns separated by', st.options.delimiter || d.delimiter, withCurrent(DELIMITERS, st.options.delimiter || d.delimiter)),
      select('encoding', 'Characters', st.options.encoding || d.encoding, withCurrent(ENCODINGS, st.options.encoding || d.encoding)),
      select('dateOrder', 'Dates', st.options.dateOrder || '', DATE_ORDERS),
      st.kind === 'contacts' ? select('region', 'Phone numbers without +country code are from', st.options.region || '', REGIONS) : null);
    options.addEventListener('change', (ev) => {
      const name = ev.target.name;
      st.options[name] = ev.target.value;
      if (!st.options[name]) delete st.options[name];
      rerun(ev.target);
    });
    options.addEventListener('submit', (ev) => ev.preventDefault());

    const refusedHere = p.rejected.length;
    const summary = `Read as ${d.encoding}, columns separated by ${delimiterText(d.delimiter)}, `
      + (d.preset ? `exported from ${PRESETS[d.preset] || d.preset}. ` : 'from a tool Rapport does not recognise: columns are matched by their names. ')
      + `${n(p.rows.length)} first rows shown; ${refusedHere === 0 ? 'none of them would be refused' : `${n(refusedHere)} of them would be refused`}.`;

    replace(previewBox,
      h('h2', {id: 'preview-h', tabindex: '-1'}, '2. Check how the file is read'),
      h('p', {class: 'detected', role: 'status', dataset: {preset: d.preset || '', delimiter: d.delimiter, encoding: d.encoding}}, summary),
      options,
      h('h3', {id: 'rows-h'}, 'First rows of the file'),
      rowsTable(d.header, p.rows),
      h('h3', {id: 'mapping-h'}, 'Columns'),
      h('p', {class: 'help'}, 'Choose what each column becomes in Rapport. Changes show below at once.'),
      mappingTable(d, p),
      h('h3', {id: 'records-h'}, 'How the first rows will be imported'),
      recordsTable(st.kind, p.records),
      h('h3', {id: 'refused-h'}, 'Rows that would be refused'),
      refusedHere === 0 ? h('p', {class: 'muted'}, 'None of the first rows.')
        : h('div', {class: 'table-wrap'}, h('table', {class: 'refused', 'aria-labelledby': 'refused-h'},
          h('thead', {}, h('tr', {}, ['Line', 'Column', 'Reason'].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, p.rejected.map((r) => h('tr', {}, h('td', {}, String(r.line)), h('td', {}, r.field || '—'), h('td', {}, r.reason)))))),
      saveForm());
    if (keep) {
      const again = previewBox.querySelector(`[data-key="${CSS.escape(keep)}"]`);
      if (again) again.focus();
    }
  }

  function mappingTable(d, p) {
    const rows = d.header.map((column, i) => {
      const target = d.mapping[column] ?? 'ignore';
      const example = p.rows.map((r) => r[i]).find((v) => v !== undefined && v !== null && String(v).trim() !== '');
      return h('tr', {dataset: {column}},
        h('th', {scope: 'row'}, column),
        h('td', {class: 'example'}, example === undefined ? h('span', {class: 'muted'}, 'empty') : String(example)),
        h('td', {}, targetEditor(column, i, target, d.targets)));
    });
    return h('div', {class: 'table-wrap'}, h('table', {class: 'mapping', 'aria-labelledby': 'mapping-h'},
      h('thead', {}, h('tr', {}, ['Column in the file', 'Example', 'Becomes'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows)));
  }

  function targetEditor(column, i, target, targets) {
    const t = parseTarget(target);
    const kinds = [];
    for (const x of targets) {
      const k = parseTarget(x).kind;
      if (!kinds.includes(k)) kinds.push(k);
    }
    const options = kinds.map((k) => ({value: k, label: TARGETS[k] || k}));
    if (!kinds.includes(t.kind)) options.push({value: t.kind, label: t.label});
    const wrap = h('div', {class: 'target'});
    const id = uid('map');
    const sel = h('select', {id, name: `map-${i}`, class: 'target-kind', dataset: {key: `map:${i}`}},
      options.map((o) => h('option', {value: o.value, selected: o.value === t.kind}, o.label)));
    const extra = [];
    if (t.kind === 'attribute') {
      extra.push(small(`name:${i}`, `Field name for “${column}”`, 'Field name', h('input', {type: 'text', value: t.name, autocomplete: 'off',
        spellcheck: 'false'})));
      extra.push(small(`type:${i}`, `Type of “${column}”`, 'Type', h('select', {}, TYPES.map((o) => h('option', {value: o.value,
        selected: o.value === (t.type || '')}, o.label)))));
    } else if (t.kind === 'consent' || t.kind === 'optout') {
      extra.push(small(`purpose:${i}`, `Purpose for “${column}”`, 'Purpose', h('input', {type: 'text', value: t.purpose, autocomplete: 'off'})));
      extra.push(small(`channel:${i}`, `Channel for “${column}”`, 'Channel', h('input', {type: 'text', value: t.channel, autocomplete: 'off'})));
    }
    const set = (value, changed) => {
      st.custom[column] = value;
      rerun(changed);
    };
    sel.addEventListener('change', () => {
      const k = sel.value;
      if (k === 'attribute') set(`attribute:${t.kind === 'attribute' ? t.name : attributeName(column)}`, sel);
      else if (k === 'consent' || k === 'optout') set(`consent:${t.purpose || 'marketing'}:${t.channel || 'email'}${k === 'optout' ? ':optout' : ''}`, sel);
      else set(k, sel);
    });
    wrap.addEventListener('change', (ev) => {
      if (ev.target === sel) return;
      const v = (name) => {
        const x = wrap.querySelector(`[data-key="${name}:${i}"]`);
        return x ? x.value.trim() : '';
      };
      if (t.kind === 'attribute') {
        const name = v('name') || attributeName(column);
        set(`attribute:${name}${v('type') ? `:${v('type')}` : ''}`, ev.target);
      } else {
        set(`consent:${v('purpose') || 'marketing'}:${v('channel') || 'email'}${t.kind === 'optout' ? ':optout' : ''}`, ev.target);
      }
    });
    replace(wrap, h('label', {for: id, class: 'visually-hidden'}, `What “${column}” becomes`), sel, extra.length ? h('div', {class: 'target-extra'}, extra) : null);
    return wrap;
  }

  function saveForm() {
    const result = h('p', {class: 'result', role: 'status', tabindex: '-1'});
    const form = h('form', {class: 'inline-form save-mapping', novalidate: true, 'aria-label': 'Save these settings'},
      field({name: 'mappingName', label: 'Save these settings as', placeholder: 'e.g. Our HubSpot export', required: true,
        help: 'Next time, choose them under “Start from saved settings”.'}),
      h('button', {type: 'submit'}, 'Save settings'));
    onSubmit(form, async (data) => {
      const name = String(data.get('mappingName') || '').trim();
      if (!name) throw {message: 'Give the settings a name.', errors: [{field: 'mappingName', detail: 'is required'}]};
      const {preset, delimiter, encoding, dateOrder, region, mapping} = effective();
      await put(`/imports/mappings/${enc(name)}`, {kind: st.kind, format: FORMAT,
        options: clean({preset, delimiter: delimiter || st.preview.description.delimiter, encoding, dateOrder, region, mapping})});
      result.textContent = `Saved as “${name}”.`;
      result.focus();
      await loadSaved();
    });
    return h('div', {class: 'save-box'}, form, result);
  }

  // --- dry run, import, progress ------------------------------------------------------------------------

  function renderRun() {
    const out = h('div', {class: 'job-box'});
    const dry = h('button', {type: 'button', class: 'primary', dataset: {action: 'dry-run'}}, 'Try it (dry run)');
    const start = h('button', {type: 'button', dataset: {action: 'start'}}, 'Start the import');
    const go = async (dryRun) => {
      dry.disabled = true;
      start.disabled = true;
      runBox.dataset.running = 'true';
      try {
        await runJob(out, dryRun);
      } finally {
        delete runBox.dataset.running;
        dry.disabled = false;
        start.disabled = false;
      }
    };
    dry.addEventListener('click', () => go(true));
    start.addEventListener('click', () => go(false));
    replace(runBox,
      h('h2', {id: 'run-h'}, '3. Try it, then import'),
      h('p', {class: 'help'}, 'A dry run reads the whole file and counts what would be created, updated and refused, without saving anything. '
        + 'Customers already in Rapport are updated, never duplicated.'),
      h('div', {class: 'actions'}, dry, start),
      out);
    runBox.hidden = false;
  }

  async function runJob(out, dryRun) {
    const file = st.file;
    const opts = effective();
    const namespace = st.preview.description.namespace || FORMAT;
    let job;
    try {
      job = await post(`/imports${query({kind: st.kind, format: FORMAT, source: file.name, namespace, dryRun: String(dryRun), ...opts})}`, file, 'text/csv');
    } catch (err) {
      replace(out, h('p', {class: 'form-alert result', role: 'alert', tabindex: '-1'}, err.message));
      out.querySelector('.result').focus();
      return;
    }
    const total = st.lines ? Math.max(1, st.lines.estimate(file.size)) : null;
    const bar = h('progress', {max: total || 1, value: 0, 'aria-labelledby': 'progress-label'});
    const text = h('p', {class: 'progress-text', role: 'status', 'aria-live': 'polite'});
    const counts = h('dl', {class: 'pairs counts'});
    const cancel = h('button', {type: 'button', class: 'danger'}, dryRun ? 'Cancel the dry run' : 'Cancel the import');
    cancel.addEventListener('click', async () => {
      if (!window.confirm(dryRun ? 'Cancel the dry run?' : 'Cancel the import? What it wrote so far stays.')) return;
      cancel.disabled = true;
      try {
        await post(`/imports/${enc(job.id)}/cancel`);
      } catch (err) {
        if (err.status !== 409) cancel.after(h('span', {class: 'field-error', role: 'alert'}, ` ${err.message}`));
      }
    });
    const title = dryRun ? 'Dry run' : 'Import';
    const live = h('div', {class: 'card job', dataset: {job: job.id, dryRun: String(dryRun)}},
      h('h3', {id: 'progress-label'}, `${title} of ${file.name}`),
      bar, text, counts, h('div', {class: 'actions'}, cancel));
    replace(out, live);
    text.setAttribute('tabindex', '-1');
    text.focus();
    const started = Date.now();
    while (RUNNING.includes(job.state)) {
      showProgress(job, bar, text, counts, total, started);
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (!out.isConnected) return; // the page was left: stop asking
      try {
        job = await get(`/imports/${enc(job.id)}`);
      } catch (err) {
        text.textContent = `Could not read the progress: ${err.message}. Trying again…`;
      }
    }
    replace(out, finalResult(job, dryRun, file.name));
    out.querySelector('.result').focus();
    await loadHistory(history);
  }

  loadSaved();
  return h('div', {class: 'wizard'}, choose, previewBox, runBox);
}

function showProgress(job, bar, text, counts, total, started) {
  const c = job.counts;
  const lines = Math.max(0, job.linesDone || 0);
  const rate = job.rowsPerSecond || (c.read ? Math.round(c.read / Math.max(0.5, (Date.now() - started) / 1000)) : 0);
  const parts = [];
  if (job.state === 'queued') {
    parts.push('Waiting to start…');
  } else if (total) {
    const share = Math.min(99, Math.floor((100 * lines) / total));
    bar.value = Math.min(lines, total);
    parts.push(`About ${share}% done: ${n(c.read)} rows read.`);
    if (rate > 0) {
      const left = Math.max(0, total - lines) / rate;
      parts.push(`${n(rate)} rows a second, ${duration(left)} left.`);
    }
  } else {
    bar.removeAttribute('value');
    parts.push(`${n(c.read)} rows read.`);
  }
  text.textContent = parts.join(' ');
  replace(counts, pairs([['Rows read', c.read, 'read'], ['Created', c.created, 'created'], ['Updated', c.updated, 'updated'],
    ['Refused', c.rejected, 'rejected'], ['Rows a second', rate, 'rate']]));
}

function finalResult(job, dryRun, name) {
  const c = job.counts;
  let sentence;
  if (job.state === 'done') {
    sentence = dryRun
      ? `Dry run finished: nothing was saved. Importing ${name} would create ${n(c.created)}, update ${n(c.updated)} and refuse ${n(c.rejected)} of ${n(c.read)} rows.`
      : `Import finished: ${n(c.created)} created, ${n(c.updated)} updated and ${n(c.rejected)} refused of ${n(c.read)} rows.`;
  } else if (job.state === 'cancelled') {
    sentence = `${dryRun ? 'Dry run' : 'Import'} cancelled after ${n(c.read)} rows.${dryRun ? '' : ' What it saved so far stays.'}`;
  } else {
    sentence = `${dryRun ? 'Dry run' : 'Import'} failed after ${n(c.read)} rows.`;
  }
  return h('div', {class: 'card job ended', dataset: {job: job.id, state: job.state, dryRun: String(dryRun)}},
    h('h3', {}, dryRun ? 'Dry run result' : 'Import result', ' ', stateBadge(job.state)),
    h('p', {class: 'result', role: 'status', tabindex: '-1'}, sentence),
    job.state === 'done' ? h('progress', {max: 1, value: 1, 'aria-label': 'Done', class: 'done'}) : null,
    job.failure ? h('p', {class: 'failure'}, h('strong', {}, 'Why: '), job.failure) : null,
    h('dl', {class: 'pairs counts'}, pairs([['Rows read', c.read, 'read'], ['Created', c.created, 'created'], ['Updated', c.updated, 'updated'],
      ['Refused', c.rejected, 'rejected'], ['Rows a second', job.rowsPerSecond, 'rate']])),
    c.rejected > 0 ? h('p', {}, reportLink(job), h('span', {class: 'muted'}, ' (a spreadsheet: line, column and reason of each refused row)'))
      : h('p', {class: 'muted'}, 'No row was refused.'));
}

function pairs(items) {
  return items.filter(([, v]) => v !== undefined && v !== null)
    .map(([label, v, key]) => [h('dt', {}, label), h('dd', {dataset: {count: key}}, n(v))]);
}

function duration(seconds) {
  const s = Math.ceil(seconds);
  if (s < 2) return 'about a second';
  if (s < 90) return `about ${s} seconds`;
  const m = Math.round(s / 60);
  if (m < 90) return `about ${m} minutes`;
  return `about ${Math.round(m / 6) / 10} hours`;
}

/**
 * Counts the lines in the start of the file the preview reads, to estimate the file's lines from its size: the job
 * says which line it reached, so that estimate gives the share done and the time left.
 */
async function countLines(file) {
  const part = file.slice(0, PREVIEW_BYTES);
  const bytes = new Uint8Array(await part.arrayBuffer());
  let lines = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines++;
  const whole = part.size >= file.size;
  if (whole && bytes.length && bytes[bytes.length - 1] !== 10) lines++;
  return {
    estimate(size) {
      if (whole) return lines;
      return lines ? Math.round((size * lines) / part.size) : null;
    },
  };
}

function rowsTable(header, rows) {
  return h('div', {class: 'table-wrap'}, h('table', {class: 'file-rows', 'aria-labelledby': 'rows-h'},
    h('thead', {}, h('tr', {}, header.map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, header.map((_, i) => h('td', {}, r[i] === undefined || r[i] === null ? '' : String(r[i]))))))));
}

function recordsTable(kind, records) {
  if (!records.length) return h('p', {class: 'muted'}, 'None of the first rows can be imported as they are: check the columns.');
  const shown = records.slice(0, 10);
  let cols;
  if (kind === 'orders') {
    cols = [['Line', (r) => r.line], ['Order', (r) => r.orderId], ['Customer', (r) => r.customerId || r.email], ['Date', (r) => when(r.orderedAt)],
      ['Amount', (r) => `${r.amount}${r.currency ? ` ${r.currency}` : ''}`], ['Items', (r) => r.items.map((i) => `${i.quantity} × ${i.name || i.sku || '?'}`).join(', ')]];
  } else {
    cols = [['Line', (r) => r.line], ['Name', (r) => [r.firstName, r.lastName].filter(Boolean).join(' ')], ['E-mail', (r) => r.email],
      ['Phone', (r) => r.phone], ['Id', (r) => r.externalId], ['Tags', (r) => (r.tags || []).join(', ')],
      ['Consents', (r) => (r.consents || []).map((k) => `${k.purpose} by ${k.channel}: ${k.status}`).join(', ')],
      ['Custom fields', (r) => Object.keys(r.attributes || {}).length]];
  }
  return h('div', {class: 'table-wrap'}, h('table', {class: 'records', 'aria-labelledby': 'records-h'},
    h('thead', {}, h('tr', {}, cols.map(([t]) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, shown.map((r) => h('tr', {}, cols.map(([, f]) => {
      const v = f(r);
      return h('td', {}, v === undefined || v === null || v === '' ? '—' : String(v));
    }))))),
    records.length > shown.length ? h('p', {class: 'help'}, `And ${n(records.length - shown.length)} more.`) : null);
}

// --- the recent jobs -------------------------------------------------------------------------------------

async function loadHistory(box) {
  let items;
  try {
    items = (await get(`/imports${query({limit: HISTORY})}`)).items;
  } catch (err) {
    replace(box, h('h2', {id: 'history-h'}, 'Recent imports'), h('p', {class: 'form-alert', role: 'alert'}, err.message));
    return;
  }
  replace(box, h('h2', {id: 'history-h'}, 'Recent imports'),
    items.length === 0 ? h('p', {class: 'muted'}, 'No import yet.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'imports'},
        h('caption', {class: 'visually-hidden'}, 'Recent imports, newest first'),
        h('thead', {}, h('tr', {}, ['Started', 'From', 'Holds', 'State', 'Read', 'Created', 'Updated', 'Refused', 'Errors']
          .map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, items.map((j) => h('tr', {dataset: {job: j.id}},
          h('td', {}, h('time', {datetime: j.createdAt}, when(j.createdAt))),
          h('td', {}, j.source, j.format !== FORMAT ? h('span', {class: 'muted'}, ` (${j.format})`) : null,
            j.dryRun ? [' ', h('span', {class: 'tag'}, 'dry run')] : null),
          h('td', {}, (KINDS.find((k) => k.value === j.kind) || {label: j.kind}).label),
          h('td', {}, stateBadge(j.state), j.failure ? h('p', {class: 'failure small'}, j.failure) : null),
          h('td', {class: 'num'}, n(j.counts.read)), h('td', {class: 'num'}, n(j.counts.created)),
          h('td', {class: 'num'}, n(j.counts.updated)), h('td', {class: 'num'}, n(j.counts.rejected)),
          h('td', {}, j.counts.rejected > 0 ? reportLink(j, 'Report', `Error report of ${j.source}, ${when(j.createdAt)}`) : '—')))))));
}

// --- HubSpot ---------------------------------------------------------------------------------------------

const SCOPE_TEXT = {
  tenant: 'This shop syncs with its own HubSpot account, set below.',
  server: 'This shop syncs through the server\'s shared HubSpot settings. To use your own HubSpot account, fill in the form.',
  none: 'Not set up: fill in the form to sync contacts from HubSpot.',
};

async function loadHubspot(box, done) {
  let s;
  try {
    s = await get(HUBSPOT);
  } catch (err) {
    replace(box); // 404: no HubSpot connector is installed (or this server has no such settings yet): nothing to show
    return;
  }
  const reload = async (text) => {
    await loadHubspot(box, text);
    const r = box.querySelector('.result');
    if (r) r.focus();
  };
  let form;
  try {
    const back = s.scope === 'tenant' ? h('button', {type: 'button', class: 'danger', onclick: async () => {
      if (!window.confirm('Delete this shop\'s own HubSpot settings?')) return;
      await del(HUBSPOT);
      await reload('This shop\'s own HubSpot settings are deleted.');
    }}, 'Delete own settings') : null;
    form = await configForm({name: 'HubSpot', schema: `${HUBSPOT}/schema`, values: s.scope === 'tenant' ? HUBSPOT : null, save: HUBSPOT},
      () => reload('HubSpot settings saved.'), back);
  } catch (err) {
    form = h('p', {class: 'form-alert', role: 'alert'}, err.message);
  }
  replace(box, h('section', {class: 'card hubspot', 'aria-labelledby': 'hubspot-h'},
    h('h2', {id: 'hubspot-h'}, 'HubSpot'),
    h('p', {class: 'scope', dataset: {scope: s.scope}}, SCOPE_TEXT[s.scope] || ''),
    s.scope === 'tenant' && !s.running ? h('p', {class: 'notice'}, 'The sync does not run with these settings: check them.') : null,
    await lastSync(),
    h('details', {class: 'config', open: s.scope === 'none'}, h('summary', {}, 'HubSpot settings'), form),
    done ? h('p', {class: 'result', role: 'status', tabindex: '-1'}, done) : null));
}

async function lastSync() {
  let job;
  try {
    job = (await get(`/imports${query({format: 'hubspot', limit: 1})}`)).items.find((j) => j.format === 'hubspot');
  } catch (err) {
    job = null;
  }
  if (!job) return h('p', {class: 'muted last-sync'}, 'No sync yet.');
  const c = job.counts;
  return h('p', {class: 'last-sync'}, 'Last sync: ', stateBadge(job.state), ' ', h('time', {datetime: job.createdAt}, when(job.finishedAt || job.createdAt)),
    ` — ${n(c.read)} read, ${n(c.created)} created, ${n(c.updated)} updated, ${n(c.rejected)} refused.`,
    job.failure ? h('span', {class: 'failure'}, ` ${job.failure}`) : null,
    c.rejected > 0 ? [' ', reportLink(job, 'Error report')] : null);
}

// --- small helpers -------------------------------------------------------------------------------------

/** A labelled select whose changes the form listens to; data-key lets the keyboard stay on it across re-renders. */
function select(name, label, value, options) {
  const f = field({name, label, type: 'select', value, options});
  f.querySelector('select').dataset.key = `opt:${name}`;
  return f;
}

/** A small labelled control beside a column's target. */
function small(key, label, visible, control) {
  const id = uid('t');
  control.id = id;
  control.dataset.key = key;
  control.setAttribute('aria-label', label);
  return h('div', {class: 'small-field'}, h('label', {for: id}, visible), control);
}

function withCurrent(options, value) {
  return !value || options.some((o) => o.value === value) ? options : [...options, {value, label: value}];
}

function delimiterText(d) {
  return {comma: 'commas', semicolon: 'semicolons', tab: 'tabs', pipe: 'vertical bars', whitespace: 'spaces'}[d] || `“${d}”`;
}

function clean(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

/** The name Rapport gives a custom field made from a column: lower case letters, digits and underscores. */
function attributeName(column) {
  return column.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'field';
}

/** A target as the connector writes it: kind and names, and a label when the list of choices does not have it. */
function parseTarget(t) {
  const parts = String(t).split(':');
  if (parts[0] === 'attribute') return {kind: 'attribute', name: parts[1] === '<name>' ? '' : parts[1] || '', type: parts[2] || ''};
  if (parts[0] === 'consent') {
    const optout = parts[3] === 'optout';
    return {kind: optout ? 'optout' : 'consent', purpose: parts[1] && !parts[1].startsWith('<') ? parts[1] : '',
      channel: parts[2] && !parts[2].startsWith('<') ? parts[2] : ''};
  }
  if (parts[0] === 'consentDate') return {kind: t, label: `Date of the consent (${parts[1]}, ${parts[2]})`};
  return {kind: t, label: TARGETS[t] || t};
}
