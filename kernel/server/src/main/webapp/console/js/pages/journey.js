import {h, replace, when, uid} from '../dom.js';
import {get, post, put, del, enc} from '../api.js';
import {field} from '../forms.js';
import {can, go} from '../app.js';
import {customerPicker} from '../customer-picker.js';
import {conditionFields} from '../condition-fields.js';
import {journeyGraph} from '../journey-graph.js';
import * as M from '../journey-model.js';
import {statusBadge} from './journeys.js';

const EVENTS_LIST = 'journey-event-types';
const PURPOSES = [{value: 'marketing', label: 'Marketing (needs consent)'}, {value: 'transactional', label: 'Transactional'}];
const REENTRY = [{value: 'once', label: 'Once ever'}, {value: 'always', label: 'Every time the trigger fires'},
  {value: 'afterDays', label: 'Again after some days'}];
/** A cart for the dry run of a journey that reads one (the abandoned-cart template's). */
const SAMPLE_CART = {items: [{name: 'Red shoes', quantity: 1, price: '59.90'}, {name: 'Wool socks', quantity: 2, price: '9.50'}],
  url: 'https://shop.example/cart'};

const clone = (x) => JSON.parse(JSON.stringify(x));

/**
 * One journey: its graph of steps, a form for the selected step and one for the journey's settings (marketers), the
 * checks, saving, publishing and the other status changes, a dry run, and the analytics. Viewers read the same without
 * the forms and buttons.
 */
export default async function journey(el, {args}) {
  const id = args[0];
  const edit = can('marketer');
  const [j, segments, channels, surveys] = await Promise.all([
    get(`/journeys/${enc(id)}`),
    get('/segments').then((r) => r.items).catch(() => []),
    get('/channels').then((r) => [...new Set([...r.items, ...(r.provided || []).map((p) => p.type)])]).catch(() => []),
    get('/surveys').then((r) => r.items).catch(() => []),
  ]);
  const st = {j, def: clone(j.definition), name: j.name, description: j.description || '', selected: null, problems: [], dirty: false};
  const channelList = () => [...new Set([...(channels.length ? channels : ['email']),
    ...Object.values(st.def.steps).filter((s) => s.type === 'send' && s.channel).map((s) => s.channel)])];

  const heading = h('h1', {});
  const statusLine = h('p', {class: 'journey-status'});
  const dirtyNote = h('span', {class: 'dirty', role: 'status'});
  const toolbar = h('div', {class: 'actions journey-actions', role: 'toolbar', 'aria-label': 'Journey actions'});
  const message = h('p', {class: 'result journey-message', role: 'status', tabindex: '-1'});
  const problemsBox = h('div', {class: 'problems', tabindex: '-1'});
  const graphBox = h('div', {class: 'graph-box'});
  const panel = h('div', {class: 'step-panel card', 'aria-live': 'off'});
  const addBox = h('div', {});
  const settingsBox = h('section', {class: 'card journey-settings', 'aria-labelledby': 'settings-h'});
  const dryBox = h('section', {class: 'card dry-run', 'aria-labelledby': 'dry-h'});
  const analyticsBox = h('section', {class: 'card analytics', 'aria-labelledby': 'analytics-h'});
  const json = h('pre', {class: 'journey-json'});

  replace(el,
    h('p', {class: 'crumbs'}, h('a', {href: '#/journeys'}, 'Journeys')),
    heading, statusLine,
    edit ? toolbar : null,
    message,
    problemsBox,
    h('datalist', {id: EVENTS_LIST}, M.EVENT_TYPES.map((t) => h('option', {value: t}))),
    h('section', {class: 'journey-steps', 'aria-labelledby': 'steps-h'},
      h('h2', {id: 'steps-h', tabindex: '-1'}, 'Steps'),
      h('p', {class: 'help'}, edit ? 'Select a step to change it: click it, or Tab to it and press Enter.' : 'Select a step to see it.'),
      h('div', {class: 'journey-editor'}, graphBox, panel),
      edit ? addBox : null),
    settingsBox,
    edit ? dryBox : null,
    analyticsBox,
    h('details', {class: 'json-view'}, h('summary', {}, 'Definition as JSON (read-only)'), json));

  // --- header, toolbar, messages ----------------------------------------------------------------------------

  function renderHeader() {
    heading.textContent = st.j.name;
    replace(statusLine, statusBadge(st.j.status), ' ',
      st.j.liveVersion ? `Version ${st.j.liveVersion} is live${st.j.status === 'live' ? '' : ` (${st.j.status})`}. ` : 'Never published. ',
      (st.j.versions || []).length ? `${st.j.versions.length} published version${st.j.versions.length === 1 ? '' : 's'}. ` : '',
      edit ? 'What you change here is a draft until you publish it. ' : '', dirtyNote);
    if (!edit) return;
    const s = st.j.status;
    replace(toolbar,
      button('Validate', validate),
      button('Save draft', save, 'primary'),
      button('Publish…', publish),
      s === 'live' ? button('Pause', () => status('pause', 'Paused: no one enters; customers inside go on.')) : null,
      s === 'paused' ? button('Resume', () => status('resume', 'Resumed: customers enter again.')) : null,
      s === 'live' || s === 'paused' ? button('Stop…', stop, 'danger') : null,
      !st.j.liveVersion ? button('Delete…', remove, 'danger') : null);
  }

  function button(text, action, cls) {
    return h('button', {type: 'button', class: cls, onclick: async (ev) => {
      const b = ev.currentTarget;
      toolbar.querySelectorAll('button').forEach((x) => { x.disabled = true; });
      try {
        await action(b);
      } catch (err) {
        say(err.message || String(err), true);
      } finally {
        toolbar.querySelectorAll('button').forEach((x) => { x.disabled = false; });
      }
    }}, text);
  }

  function say(text, bad) {
    message.textContent = text;
    message.classList.toggle('failure', !!bad);
    message.focus();
  }

  function changed() {
    st.dirty = true;
    dirtyNote.textContent = 'Unsaved changes.';
    drawGraph();
    refreshAdd();
    json.textContent = JSON.stringify(st.def, null, 2);
  }

  function saved(view) {
    st.j = {...st.j, ...view};
    st.dirty = false;
    dirtyNote.textContent = '';
    renderHeader();
  }

  /** Problems from a 400 go next to what they name and in a list that leads there; anything else is said. */
  function problems(err) {
    if (err.status === 400 && err.errors.length) {
      st.problems = err.errors.map((e) => ({pointer: e.pointer ?? e.field ?? '', detail: e.detail}));
      showProblems();
      const n = st.problems.length;
      say(`${n === 1 ? 'One problem' : `${n} problems`} to fix: see the list below and the steps marked ⚠.`, true);
      return true;
    }
    throw err;
  }

  function clearProblems() {
    st.problems = [];
    showProblems();
  }

  function showProblems() {
    const problemSteps = new Map();
    for (const p of st.problems) {
      const s = M.problemStep(p.pointer);
      if (s) problemSteps.set(s, (problemSteps.get(s) || 0) + 1);
    }
    st.problemSteps = problemSteps;
    drawGraph();
    place(el, st.problems);
    replace(problemsBox, st.problems.length === 0 ? null : h('div', {class: 'form-alert', role: 'alert'},
      h('p', {}, st.problems.length === 1 ? 'The journey has a problem:' : `The journey has ${st.problems.length} problems:`),
      h('ul', {}, st.problems.map((p) => {
        const step = M.problemStep(p.pointer);
        const where = step ? `Step ${step}` : where0(p.pointer);
        return h('li', {dataset: {pointer: p.pointer}}, h('button', {type: 'button', class: 'link', onclick: () => reveal(p.pointer)}, where), ': ',
          p.detail, step ? h('span', {class: 'muted'}, ` (${p.pointer.split('/').slice(4).join(' › ') || 'the step'})`) : null);
      }))));
  }

  function where0(pointer) {
    const parts = pointer.split('/').filter(Boolean);
    if (parts[0] === 'definition') parts.shift();
    return parts.length ? `Settings › ${parts.join(' › ')}` : 'The journey';
  }

  /** Goes to what a problem names: its step's form, or the settings field. */
  function reveal(pointer) {
    const step = M.problemStep(pointer);
    if (step && st.def.steps[step]) {
      select(step, false);
    }
    const target = find(el, pointer);
    if (target) target.focus();
    else if (step) panel.querySelector('h3')?.focus();
  }

  // --- the graph and the selected step ---------------------------------------------------------------------

  function drawGraph() {
    replace(graphBox, journeyGraph(st.def, {selected: st.selected, problems: st.problemSteps || new Map(),
      trigger: M.describeTrigger(st.def.trigger), onSelect: (sid) => select(sid, true)}));
  }

  function select(sid, focus) {
    st.selected = sid;
    drawGraph();
    renderStep();
    refreshAdd();
    place(panel, st.problems);
    if (focus) panel.querySelector('h3').focus();
  }

  function renderStep() {
    const sid = st.selected;
    const step = sid && st.def.steps[sid];
    if (!step) {
      replace(panel, h('h3', {tabindex: '-1'}, 'No step selected'), h('p', {class: 'muted'}, 'Select a step in the graph.'));
      return;
    }
    const P = `/definition/steps/${M.escapeToken(sid)}`;
    const title = h('h3', {tabindex: '-1', id: 'step-h'}, `Step ${sid}`, h('span', {class: 'muted'}, ` · ${M.typeLabel(step.type)}`));
    if (!edit) {
      replace(panel, title, describeStep(step));
      return;
    }
    const form = h('form', {class: 'step-form', novalidate: true, 'aria-labelledby': 'step-h', dataset: {step: sid}});
    form.addEventListener('submit', (ev) => ev.preventDefault());
    const rebuild = (focusName) => {
      renderStep();
      place(panel, st.problems);
      if (focusName) panel.querySelector(`[name="${focusName}"]`)?.focus();
    };

    const idField = field({name: 'stepId', label: 'Step id', value: sid, required: true,
      help: 'Letters, digits, - and _; the arrows that lead here follow a new id.'});
    const idInput = idField.querySelector('input');
    idInput.dataset.pointer = P;
    idInput.addEventListener('change', () => {
      const to = idInput.value.trim();
      const err = idField.querySelector('.field-error');
      if (to === sid) return;
      if (!M.STEP_ID.test(to)) {
        err.textContent = 'starts with a letter and has up to 64 letters, digits, - or _';
        idInput.setAttribute('aria-invalid', 'true');
        return;
      }
      if (st.def.steps[to]) {
        err.textContent = `there is already a step ${to}`;
        idInput.setAttribute('aria-invalid', 'true');
        return;
      }
      M.renameStep(st.def, sid, to);
      st.problems = st.problems.filter((p) => M.problemStep(p.pointer) !== sid);
      st.selected = to;
      changed();
      showProblems();
      rebuild('stepId');
    });

    const typeField = bind({name: 'stepType', label: 'Step type', type: 'select', value: step.type,
      options: Object.entries(M.STEP_TYPES).map(([value, t]) => ({value, label: t.label}))}, `${P}/type`, (v) => {
      st.def.steps[sid] = M.newStep(v, M.firstTarget(step), channelList()[0]);
    }, () => rebuild('stepType'));

    replace(panel, title, form);
    form.append(idField, typeField, ...stepFields(step, P, rebuild),
      h('div', {class: 'actions'},
        h('button', {type: 'button', class: 'danger', disabled: Object.keys(st.def.steps).length < 2, onclick: () => {
          M.deleteStep(st.def, sid);
          st.problems = st.problems.filter((p) => M.problemStep(p.pointer) !== sid);
          st.selected = null;
          changed();
          showProblems();
          renderStep();
          say(`Step ${sid} deleted; what led to it now leads to where it went. Save the draft to keep it.`);
        }}, `Delete step ${sid}`)));
  }

  /** A labelled field bound to the definition: {@code set(value)} on every change, then the graph follows. */
  function bind(spec, pointer, set, after) {
    const f = field(spec);
    const input = f.querySelector('input, select, textarea');
    input.dataset.pointer = pointer;
    if (spec.list) input.setAttribute('list', spec.list);
    input.addEventListener(spec.type === 'select' || spec.type === 'checkbox' ? 'change' : 'input', () => {
      set(spec.type === 'checkbox' ? input.checked : input.value);
      changed();
      if (after) after();
    });
    return f;
  }

  /** A number and a unit that make an ISO-8601 duration. */
  function durationField(label, iso, pointer, set) {
    const {amount, unit} = M.splitDuration(iso);
    const nid = uid('duration');
    const num = h('input', {type: 'number', id: nid, min: 1, step: 1, value: amount, 'data-pointer': pointer,
      'aria-describedby': `${nid}-iso ${nid}-error`});
    const sel = h('select', {id: `${nid}-unit`, 'aria-label': `${label}, unit`},
      M.UNITS.map((u) => h('option', {value: u.value, selected: u.value === unit}, u.label)));
    const note = h('p', {class: 'help', id: `${nid}-iso`}, iso ? `Stored as ${iso}.` : '');
    const update = () => {
      const v = M.isoDuration(num.value, sel.value);
      set(v);
      note.textContent = v ? `Stored as ${v}.` : 'A whole number above zero.';
      changed();
    };
    num.addEventListener('input', update);
    sel.addEventListener('change', update);
    return h('div', {class: 'field duration'}, h('label', {for: nid}, label),
      h('div', {class: 'duration-row'}, num, sel), note, h('p', {class: 'field-error', id: `${nid}-error`, 'aria-live': 'polite'}));
  }

  function nextField(label, name, value, pointer, set) {
    const options = [{value: '', label: 'End the journey'}, ...Object.keys(st.def.steps).map((x) => ({value: x, label: `Step ${x}`}))];
    return bind({name, label, type: 'select', value: value || '', options}, pointer, (v) => set(v || null));
  }

  function eventField(label, name, value, pointer, set, help) {
    return bind({name, label, value: value || '', list: EVENTS_LIST, placeholder: 'order.completed',
      help: help || 'An event type such as order.completed; suggestions appear as you type.'}, pointer, (v) => set(v.trim()));
  }

  function stepFields(step, P, rebuild) {
    const out = [];
    switch (step.type) {
      case 'wait':
        out.push(durationField('Wait for', step.duration, `${P}/duration`, (v) => { step.duration = v; }),
          bind({name: 'reorderInterval', label: 'Use the customer\'s own time between orders (from their second order on)', type: 'checkbox',
            value: !!step.reorderInterval}, `${P}/reorderInterval`, (v) => { if (v) step.reorderInterval = true; else delete step.reorderInterval; }),
          nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'waitForEvent':
        out.push(eventField('Event to wait for', 'event', step.event, `${P}/event`, (v) => { step.event = v; }),
          durationField('Wait at most', step.timeout, `${P}/timeout`, (v) => { step.timeout = v; }),
          nextField('When it happens, go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }),
          nextField('If it does not happen in time, go to', 'timeoutNext', step.timeoutNext, `${P}/timeoutNext`, (v) => { step.timeoutNext = v; }));
        break;
      case 'waitUntil':
        out.push(bind({name: 'time', label: 'Time of day (the customer\'s zone)', type: 'time', value: step.time}, `${P}/time`, (v) => { step.time = v; }),
          nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'branch':
        out.push(conditionFields({legend: 'Condition (read on the customer when they get here)', value: step.condition, pointer: `${P}/condition`,
          required: true, channels: channelList(), onChange: (c) => {
            if (c) step.condition = c; else delete step.condition;
            changed();
          }}),
        nextField('If it holds, go to', 'then', step.then, `${P}/then`, (v) => { step.then = v; }),
        nextField('Otherwise, go to', 'else', step.else, `${P}/else`, (v) => { step.else = v; }));
        break;
      case 'split':
        out.push(armsFields(step, P, rebuild));
        break;
      case 'send': {
        const chans = [...new Set([...channelList(), step.channel].filter(Boolean))];
        out.push(bind({name: 'channel', label: 'Channel', type: 'select', value: step.channel, options: chans.map((c) => ({value: c, label: c})),
          help: channels.length ? null : 'No channel is active yet: an admin enables one.'}, `${P}/channel`, (v) => { step.channel = v; }),
        bind({name: 'purpose', label: 'Purpose', type: 'select', value: step.purpose || 'marketing', options: PURPOSES}, `${P}/purpose`,
          (v) => { step.purpose = v; }),
        bind({name: 'subject', label: 'Subject', value: step.subject || ''}, `${P}/subject`, (v) => { if (v) step.subject = v; else delete step.subject; }),
        bind({name: 'text', label: 'Text', type: 'textarea', rows: 7, value: step.text || '',
          help: 'Mustache: {{customer.firstName}}; the trigger event\'s properties under data.event, such as '
            + '{{#data.event.items}}{{name}} × {{quantity}}{{/data.event.items}}.'}, `${P}/text`, (v) => { step.text = v; }),
        bind({name: 'html', label: 'HTML (optional)', type: 'textarea', rows: 4, value: step.html || ''}, `${P}/html`,
          (v) => { if (v) step.html = v; else delete step.html; }),
        nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      }
      case 'survey':
        out.push(bind({name: 'survey', label: 'Survey', type: 'select', value: step.survey || '',
          options: [{value: '', label: 'Choose a survey'}, ...surveys.map((v) => ({value: v.id, label: `${v.name} (${v.kind.toUpperCase()}, ${v.channel})`}))],
          help: surveys.length ? 'Sent as the survey says: its channel, consent purpose and text.' : 'No survey yet: create one under Surveys.'},
        `${P}/survey`, (v) => { step.survey = v; }),
        nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'tag':
        out.push(bind({name: 'tag', label: 'Tag to add', value: step.tag || ''}, `${P}/tag`, (v) => { step.tag = v; }),
          nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'update':
        out.push(profileFields(step, P, rebuild), nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'webhook':
        out.push(bind({name: 'url', label: 'URL', type: 'url', value: step.url || '',
          help: 'Gets a POST with the journey, the run, the step and the customer.'}, `${P}/url`, (v) => { step.url = v; }),
        nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      case 'task':
        out.push(bind({name: 'title', label: 'Task title', value: step.title || '', help: 'May use {{customer.firstName}} and the like.'},
          `${P}/title`, (v) => { step.title = v; }),
        bind({name: 'assignee', label: 'Assignee (a username, optional)', value: step.assignee || ''}, `${P}/assignee`,
          (v) => { if (v) step.assignee = v; else delete step.assignee; }),
        nextField('Then go to', 'next', step.next, `${P}/next`, (v) => { step.next = v; }));
        break;
      default:
        out.push(h('p', {class: 'muted'}, 'The customer leaves the journey here.'));
    }
    return out;
  }

  function armsFields(step, P, rebuild) {
    step.arms = step.arms || [];
    const total = h('p', {class: 'help', role: 'status'});
    const sum = () => {
      const t = step.arms.reduce((a, x) => a + (Number(x.percent) || 0), 0);
      total.textContent = t === 100 ? 'The arms add up to 100%.' : `The arms add up to ${t}%: they must add up to 100%.`;
    };
    sum();
    return h('fieldset', {class: 'arms', 'data-pointer': `${P}/arms`},
      h('legend', {}, 'Arms (each customer always takes the same one)'),
      h('ol', {}, step.arms.map((a, i) => h('li', {class: 'arm'},
        bind({name: `arm${i}Name`, label: `Arm ${i + 1} name`, value: a.name}, `${P}/arms/${i}/name`, (v) => { a.name = v.trim(); }),
        bind({name: `arm${i}Percent`, label: `Arm ${i + 1} percent`, type: 'number', value: a.percent, min: 1, max: 99, step: 1},
          `${P}/arms/${i}/percent`, (v) => { a.percent = v === '' ? '' : Number(v); }, sum),
        nextField(`Arm ${i + 1} goes to`, `arm${i}Next`, a.next, `${P}/arms/${i}/next`, (v) => { a.next = v; }),
        step.arms.length > 2 ? h('button', {type: 'button', class: 'link', onclick: () => {
          step.arms.splice(i, 1);
          changed();
          rebuild();
        }}, `Remove arm ${i + 1}`) : null))),
      total,
      step.arms.length < 10 ? h('button', {type: 'button', onclick: () => {
        const names = new Set(step.arms.map((x) => x.name));
        let n = 'A';
        for (let c = 65; names.has(n); c++) n = String.fromCharCode(c);
        step.arms.push({name: n, percent: 10, next: null});
        changed();
        rebuild(`arm${step.arms.length - 1}Name`);
      }}, 'Add an arm') : null);
  }

  function profileFields(step, P, rebuild) {
    step.profile = step.profile || {};
    const attrs = step.profile.attributes = step.profile.attributes || {};
    const rows = Object.entries(attrs);
    return h('fieldset', {class: 'profile-patch', 'data-pointer': `${P}/profile`},
      h('legend', {}, 'Set these attributes'),
      rows.length === 0 ? h('p', {class: 'muted'}, 'None yet.') : null,
      h('ol', {}, rows.map(([k, v], i) => h('li', {class: 'inline-form'},
        bind({name: `attr${i}Name`, label: `Attribute ${i + 1}`, value: k}, `${P}/profile/attributes`, (x) => {
          const entries = Object.entries(step.profile.attributes);
          entries[i][0] = x.trim();
          step.profile.attributes = Object.fromEntries(entries);
        }),
        bind({name: `attr${i}Value`, label: `Value ${i + 1}`, value: v === null ? '' : String(v)}, `${P}/profile/attributes/${k}`, (x) => {
          const key = Object.keys(step.profile.attributes)[i];
          step.profile.attributes[key] = /^-?\d+(\.\d+)?$/.test(x) ? Number(x) : x === 'true' || x === 'false' ? x === 'true' : x;
        }),
        h('button', {type: 'button', class: 'link', onclick: () => {
          delete step.profile.attributes[Object.keys(step.profile.attributes)[i]];
          changed();
          rebuild();
        }}, `Remove attribute ${i + 1}`)))),
      h('button', {type: 'button', onclick: () => {
        let n = 'attribute';
        for (let c = 2; n in step.profile.attributes; c++) n = `attribute${c}`;
        step.profile.attributes[n] = '';
        changed();
        rebuild(`attr${rows.length}Name`);
      }}, 'Add an attribute'),
      bind({name: 'stage', label: 'Journey stage (optional)', value: step.profile.stage || ''}, `${P}/profile/stage`,
        (x) => { if (x) step.profile.stage = x; else delete step.profile.stage; }));
  }

  function describeStep(step) {
    const pairs = [['Type', M.typeLabel(step.type)], ['Does', M.summary(step)]];
    if (step.type === 'send') {
      pairs.push(['Channel', step.channel], ['Purpose', step.purpose || 'marketing'], ['Subject', step.subject || '—']);
    }
    for (const e of M.exits(step)) pairs.push([e.label === 'next' ? 'Then' : e.label, e.target ? `step ${e.target}` : 'the journey ends']);
    return h('div', {},
      h('dl', {class: 'pairs'}, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      step.type === 'send' ? [h('h4', {}, 'Text'), h('pre', {class: 'preview-text'}, step.text || '')] : null);
  }

  // --- adding a step -----------------------------------------------------------------------------------------

  const addForm = h('form', {class: 'add-step inline-form', novalidate: true, 'aria-labelledby': 'add-h'});
  const addType = field({name: 'addType', label: 'Type', type: 'select', value: 'send',
    options: Object.entries(M.STEP_TYPES).map(([value, t]) => ({value, label: t.label}))});
  const addAfter = field({name: 'addAfter', label: 'Comes after', type: 'select', options: []});
  const addId = field({name: 'addId', label: 'Step id', required: true});
  addForm.append(addType, addAfter, addId, h('button', {type: 'submit'}, 'Add the step'));
  addType.querySelector('select').addEventListener('change', () => {
    addId.querySelector('input').value = M.freeId(st.def, addType.querySelector('select').value);
  });

  function refreshAdd() {
    if (!edit) return;
    const sel = addAfter.querySelector('select');
    const was = sel.value;
    const list = M.entries(st.def);
    const value = (e) => (e.from === null ? 'start' : `${e.from}|${e.exit.key}`);
    replace(sel, list.map((e) => h('option', {value: value(e)},
      e.from === null ? `The start (before ${e.target})` : `Step ${e.label}${e.target ? ` (before ${e.target})` : ' (at the end)'}`)));
    const pick = st.selected ? list.find((e) => e.from === st.selected) : null;
    if (pick && st.lastPicked !== st.selected) sel.value = value(pick);
    else if (list.some((e) => value(e) === was)) sel.value = was;
    else sel.value = value(pick || list[list.length - 1]);
    st.lastPicked = st.selected;
    const idIn = addId.querySelector('input');
    if (!idIn.value || st.def.steps[idIn.value]) idIn.value = M.freeId(st.def, addType.querySelector('select').value);
  }

  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const type = addType.querySelector('select').value;
    const idIn = addId.querySelector('input');
    const err = addId.querySelector('.field-error');
    const nid = idIn.value.trim();
    err.textContent = '';
    idIn.removeAttribute('aria-invalid');
    if (!M.STEP_ID.test(nid) || st.def.steps[nid]) {
      err.textContent = st.def.steps[nid] ? `there is already a step ${nid}` : 'starts with a letter and has up to 64 letters, digits, - or _';
      idIn.setAttribute('aria-invalid', 'true');
      idIn.focus();
      return;
    }
    const v = addAfter.querySelector('select').value;
    const entry = M.entries(st.def).find((e) => (e.from === null ? 'start' : `${e.from}|${e.exit.key}`) === v);
    M.insertStep(st.def, nid, M.newStep(type, entry.target, channelList()[0]), entry);
    idIn.value = '';
    changed();
    select(nid, true);
    say(`Step ${nid} added. Save the draft to keep it.`);
    panel.querySelector('h3').focus();
  });

  if (edit) replace(addBox, h('h3', {id: 'add-h'}, 'Add a step'), addForm);

  // --- settings ------------------------------------------------------------------------------------------------

  function renderSettings() {
    const d = st.def;
    if (!edit) {
      const pairs = [['Trigger', M.describeTrigger(d.trigger)],
        ['Who may enter', d.filter ? M.describeCondition(d.filter) : 'everyone'],
        ['Re-entry', d.reentry && d.reentry.mode === 'afterDays' ? `again after ${d.reentry.days} days` : (d.reentry && d.reentry.mode) || 'once'],
        ['Goal', d.goal ? `${d.goal.event} within ${d.goal.withinDays ?? 30} days${d.goal.exit === false ? '' : ', then the journey ends'}` : 'none'],
        ['Exit rules', `${(d.exitOn || {}).unsubscribed === false ? '' : 'unsubscribing ends it; '}${(d.exitOn || {}).otherJourney ? 'entering another journey ends it' : ''}`
          || 'none'],
        ['Quiet hours', d.quietHours ? `${d.quietHours.start}–${d.quietHours.end}` : 'none'],
        ['Frequency cap', d.frequencyCap ? `${d.frequencyCap.messages} messages in ${d.frequencyCap.days} days` : 'none']];
      replace(settingsBox, h('h2', {id: 'settings-h'}, 'Settings'), st.j.description ? h('p', {}, st.j.description) : null,
        h('dl', {class: 'pairs'}, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
      return;
    }
    const form = h('form', {class: 'settings-form', novalidate: true, 'aria-labelledby': 'settings-h'});
    form.addEventListener('submit', (ev) => ev.preventDefault());
    const triggerBox = h('div', {class: 'sub-fields'});
    const renderTrigger = () => {
      const t = d.trigger;
      const P = '/definition/trigger';
      const parts = [];
      if (t.type === 'event') {
        parts.push(eventField('Event type', 'triggerEvent', t.event, `${P}/event`, (v) => { t.event = v; }));
      } else if (t.type === 'segment') {
        parts.push(segments.length === 0 ? h('p', {class: 'notice', 'data-pointer': `${P}/segment`}, 'The shop has no segment yet: create one first.')
          : bind({name: 'triggerSegment', label: 'Segment', type: 'select', value: t.segment || '',
            options: [{value: '', label: 'Choose a segment'}, ...segments.map((s) => ({value: s.id, label: `${s.name} (${s.members} members now)`}))]},
          `${P}/segment`, (v) => { t.segment = v; }));
      } else if (t.type === 'date') {
        parts.push(bind({name: 'triggerAttribute', label: 'Date attribute', value: t.attribute || '', placeholder: 'birthday'}, `${P}/attribute`,
          (v) => { t.attribute = v.trim(); }),
        bind({name: 'triggerOffset', label: 'Days before (negative) or after the date', type: 'number', step: 1, value: t.offsetDays ?? 0},
          `${P}/offsetDays`, (v) => { t.offsetDays = v === '' ? 0 : Number(v); }),
        bind({name: 'triggerTime', label: 'At (the customer\'s time)', type: 'time', value: t.time || '09:00'}, `${P}/time`, (v) => { t.time = v; }));
      } else {
        parts.push(h('p', {class: 'help'}, 'Customers enter when enrolled through POST /api/v1/journeys/{id}/enrol.'));
      }
      replace(triggerBox, parts);
    };
    const fresh = {event: () => ({type: 'event', event: 'order.completed'}), segment: () => ({type: 'segment', segment: segments.length ? segments[0].id : ''}),
      date: () => ({type: 'date', attribute: 'birthday', offsetDays: 0, time: '09:00'}), manual: () => ({type: 'manual'})};
    d.trigger = d.trigger || {type: 'manual'};
    renderTrigger();

    // optional parts: a checkbox that adds or removes them, and their fields
    const optional = (key, label, make, fields, help) => {
      const box = h('div', {class: 'sub-fields'});
      const draw = () => replace(box, d[key] ? fields(d[key]) : null);
      draw();
      return [bind({name: `has-${key}`, label, type: 'checkbox', value: !!d[key], help}, `/definition/${key}`, (v) => {
        if (v) d[key] = make(); else delete d[key];
      }, draw), box];
    };
    const reentry = d.reentry || {mode: 'once'};
    const daysBox = h('div', {class: 'sub-fields'});
    const drawDays = () => replace(daysBox, d.reentry && d.reentry.mode === 'afterDays'
      ? bind({name: 'reentryDays', label: 'Days since the last entry', type: 'number', min: 1, step: 1, value: d.reentry.days ?? 30},
        '/definition/reentry/days', (v) => { d.reentry.days = v === '' ? '' : Number(v); }) : null);
    drawDays();
    const exitOn = () => (d.exitOn = d.exitOn || {});

    form.append(
      bind({name: 'name', label: 'Name', required: true, value: st.name}, '/name', (v) => { st.name = v; }),
      bind({name: 'description', label: 'Description', type: 'textarea', rows: 2, value: st.description}, '/description', (v) => { st.description = v; }),
      h('fieldset', {}, h('legend', {}, 'Trigger: who enters, and when'),
        bind({name: 'triggerType', label: 'Customers enter', type: 'select', value: d.trigger.type, options: M.TRIGGER_TYPES}, '/definition/trigger/type',
          (v) => { d.trigger = fresh[v](); }, renderTrigger),
        triggerBox,
        optional('filter', 'Only customers who match a condition may enter', () => ({consent: {purpose: 'marketing', channel: channelList()[0], status: 'granted'}}),
          (f) => conditionFields({legend: 'Who may enter', value: f, pointer: '/definition/filter', channels: channelList(), onChange: (c) => {
            if (c) d.filter = c; else delete d.filter;
            changed();
          }})),
        bind({name: 'reentryMode', label: 'A customer may enter', type: 'select', value: reentry.mode, options: REENTRY}, '/definition/reentry/mode', (v) => {
          d.reentry = v === 'afterDays' ? {mode: v, days: (d.reentry && d.reentry.days) || 30} : {mode: v};
        }, drawDays),
        daysBox),
      h('fieldset', {}, h('legend', {}, 'Goal and exits'),
        ...optional('goal', 'Count a conversion when the customer does something', () => ({event: 'order.completed', withinDays: 7, exit: true}), (g) => [
          eventField('Goal event', 'goalEvent', g.event, '/definition/goal/event', (v) => { g.event = v; }),
          bind({name: 'goalDays', label: 'Within days of entering', type: 'number', min: 1, step: 1, value: g.withinDays ?? 30}, '/definition/goal/withinDays',
            (v) => { g.withinDays = v === '' ? '' : Number(v); }),
          bind({name: 'goalExit', label: 'The journey ends for the customer when they reach the goal', type: 'checkbox', value: g.exit !== false},
            '/definition/goal/exit', (v) => { g.exit = v; })]),
        bind({name: 'exitUnsubscribed', label: 'Withdrawing marketing consent takes the customer out', type: 'checkbox',
          value: (d.exitOn || {}).unsubscribed !== false}, '/definition/exitOn/unsubscribed', (v) => { exitOn().unsubscribed = v; }),
        bind({name: 'exitOther', label: 'Entering another journey takes the customer out of this one', type: 'checkbox',
          value: !!(d.exitOn || {}).otherJourney}, '/definition/exitOn/otherJourney', (v) => { exitOn().otherJourney = v; })),
      h('fieldset', {}, h('legend', {}, 'Messages'),
        ...optional('quietHours', 'Quiet hours: hold this journey\'s messages during these hours', () => ({start: '21:00', end: '08:00'}), (q) => [
          bind({name: 'quietStart', label: 'From', type: 'time', value: q.start}, '/definition/quietHours/start', (v) => { q.start = v; }),
          bind({name: 'quietEnd', label: 'Until', type: 'time', value: q.end}, '/definition/quietHours/end', (v) => { q.end = v; })],
        'In the customer\'s time zone; the shop\'s own quiet hours apply as well.'),
        ...optional('frequencyCap', 'Frequency cap: at most so many messages from this journey', () => ({messages: 2, days: 7}), (c) => [
          bind({name: 'capMessages', label: 'Messages', type: 'number', min: 1, step: 1, value: c.messages}, '/definition/frequencyCap/messages',
            (v) => { c.messages = v === '' ? '' : Number(v); }),
          bind({name: 'capDays', label: 'In any … days', type: 'number', min: 1, step: 1, value: c.days}, '/definition/frequencyCap/days',
            (v) => { c.days = v === '' ? '' : Number(v); })])));
    replace(settingsBox, h('h2', {id: 'settings-h'}, 'Settings'), form);
  }

  // --- actions -----------------------------------------------------------------------------------------------

  async function validate() {
    try {
      const r = await post('/journeys/validate', {definition: st.def});
      clearProblems();
      say(`The journey is valid: ${r.steps} step${r.steps === 1 ? '' : 's'}.`);
    } catch (err) {
      problems(err);
    }
  }

  async function save() {
    try {
      const v = await put(`/journeys/${enc(id)}`, {name: st.name.trim(), description: st.description.trim() || null, definition: st.def});
      clearProblems();
      saved(v);
      say('Draft saved. Customers see it once you publish it.');
      return true;
    } catch (err) {
      problems(err);
      return false;
    }
  }

  async function publish() {
    const next = (st.j.versions || []).length + 1;
    if (!window.confirm(`Publish the draft as version ${next}? Customers who meet the trigger start entering at once; those inside stay on their version.`)) {
      return;
    }
    if (st.dirty && !(await save())) return;
    try {
      saved(await post(`/journeys/${enc(id)}/publish`));
    } catch (err) {
      problems(err);
      return;
    }
    st.j = await get(`/journeys/${enc(id)}`);
    renderHeader();
    say(`Published: version ${st.j.liveVersion} is live.`);
  }

  async function status(action, text) {
    saved(await post(`/journeys/${enc(id)}/${action}`));
    say(text);
  }

  async function stop() {
    if (!window.confirm('Stop the journey? No one enters again, and everyone inside leaves now. This cannot be undone.')) return;
    const r = await post(`/journeys/${enc(id)}/stop`);
    st.j = await get(`/journeys/${enc(id)}`);
    renderHeader();
    say(`Stopped: ${r.left} customer${r.left === 1 ? '' : 's'} left the journey.`);
  }

  async function remove() {
    if (!window.confirm(`Delete the journey “${st.j.name}”? It was never published.`)) return;
    await del(`/journeys/${enc(id)}`);
    go('#/journeys');
  }

  // --- dry run ---------------------------------------------------------------------------------------------------

  function renderDryRun() {
    const picker = customerPicker(() => {});
    picker.fields[1].querySelector('select').dataset.pointer = '/customerId';
    const sim = [];
    const readsCart = (st.def.trigger && st.def.trigger.event === 'cart.updated')
      || Object.values(st.def.steps).some((s) => /data\.event\.items/.test(`${s.text || ''}${s.html || ''}${s.subject || ''}`));
    const cart = readsCart ? clone(SAMPLE_CART) : {items: [], url: ''};
    const simBox = h('div', {});
    const cartBox = h('div', {});
    const result = h('div', {class: 'dry-result'});
    const form = h('form', {novalidate: true, 'aria-labelledby': 'dry-h'});

    const drawSim = () => replace(simBox, h('fieldset', {class: 'simulated'},
      h('legend', {}, 'What the customer does (optional)'),
      h('p', {class: 'help'}, 'Without events every wait for an event times out.'),
      h('ol', {}, sim.map((e, i) => h('li', {class: 'inline-form'},
        (() => {
          const f = field({name: `simType${i}`, label: `Event ${i + 1} type`, value: e.type});
          const input = f.querySelector('input');
          input.setAttribute('list', EVENTS_LIST);
          input.dataset.pointer = `/events/${i}/type`;
          input.addEventListener('input', () => { e.type = input.value.trim(); });
          return f;
        })(),
        (() => {
          const f = durationFieldPlain(`Event ${i + 1} after entry`, e.after, `/events/${i}/after`, (v) => { e.after = v; });
          return f;
        })(),
        h('button', {type: 'button', class: 'link', onclick: () => { sim.splice(i, 1); drawSim(); }}, `Remove event ${i + 1}`)))),
      h('button', {type: 'button', onclick: () => {
        sim.push({type: st.def.goal ? st.def.goal.event : 'order.completed', after: 'PT30M'});
        drawSim();
        simBox.querySelector(`[name="simType${sim.length - 1}"]`).focus();
      }}, 'Add an event')));

    const drawCart = () => replace(cartBox, h('fieldset', {class: 'cart'},
      h('legend', {}, 'The trigger event\'s cart (optional)'),
      h('p', {class: 'help'}, 'Messages read these as data.event.items and data.event.url.'),
      h('ol', {}, cart.items.map((it, i) => h('li', {class: 'inline-form'},
        small(`Item ${i + 1} name`, it.name, `/eventProperties/items/${i}/name`, (v) => { it.name = v; }),
        small(`Item ${i + 1} quantity`, it.quantity, `/eventProperties/items/${i}/quantity`, (v) => { it.quantity = v === '' ? '' : Number(v); }, 'number'),
        small(`Item ${i + 1} price`, it.price, `/eventProperties/items/${i}/price`, (v) => { it.price = v; }),
        h('button', {type: 'button', class: 'link', onclick: () => { cart.items.splice(i, 1); drawCart(); }}, `Remove item ${i + 1}`)))),
      h('button', {type: 'button', onclick: () => {
        cart.items.push({name: '', quantity: 1, price: ''});
        drawCart();
        cartBox.querySelector(`[name="item${cart.items.length - 1}name"]`)?.focus();
      }}, 'Add an item'),
      small('Cart URL', cart.url, '/eventProperties/url', (v) => { cart.url = v; }, 'url')));

    function small(label, value, pointer, set, type = 'text') {
      const f = field({name: label.replace(/[^A-Za-z0-9]/g, '').toLowerCase(), label, type, value});
      const input = f.querySelector('input');
      input.dataset.pointer = pointer;
      input.addEventListener('input', () => set(input.value));
      return f;
    }

    drawSim();
    drawCart();
    form.append(picker.fields[0], picker.fields[1], simBox, cartBox, h('button', {type: 'submit', class: 'primary'}, 'Run the dry run'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      place(form, []);
      form.querySelector(':scope > .form-alert')?.remove();
      const customerId = picker.value();
      if (!customerId) {
        place(form, [{pointer: '/customerId', detail: 'choose a test customer: search, then pick one'}]);
        find(form, '/customerId').focus();
        return;
      }
      const props = {};
      const items = cart.items.filter((x) => x.name).map((x) => {
        const o = {name: x.name, quantity: x.quantity === '' ? 1 : x.quantity};
        if (x.price !== '' && x.price !== undefined) o.price = x.price;
        return o;
      });
      if (items.length) props.items = items;
      if (cart.url) props.url = cart.url;
      // the saved draft's own dry run; with unsaved changes, the editor's definition
      const body = {customerId, events: sim.map((e) => ({type: e.type, after: e.after}))};
      if (st.dirty) body.definition = st.def;
      if (Object.keys(props).length) body.eventProperties = props;
      const b = form.querySelector('button[type="submit"]');
      b.disabled = true;
      replace(result, h('p', {class: 'muted', role: 'status'}, 'Running…'));
      try {
        const r = await post(st.dirty ? '/journeys/dry-run' : `/journeys/${enc(id)}/dry-run`, body);
        showDryRun(result, r);
      } catch (err) {
        replace(result);
        const mine = (err.errors || []).filter((e) => !String(e.pointer || '').startsWith('/definition'));
        const theirs = (err.errors || []).filter((e) => String(e.pointer || '').startsWith('/definition'));
        if (theirs.length) problems(err);
        if (mine.length) place(form, mine);
        if (!theirs.length) {
          form.prepend(h('div', {class: 'form-alert', role: 'alert', tabindex: '-1'}, h('p', {}, err.message),
            mine.length ? h('ul', {}, mine.map((e) => h('li', {}, `${e.pointer}: ${e.detail}`))) : null));
          (mine.length ? find(form, mine[0].pointer) : null)?.focus();
        }
      } finally {
        b.disabled = false;
      }
    });
    replace(dryBox, h('h2', {id: 'dry-h'}, 'Dry run'),
      h('p', {class: 'help'}, 'Walks the journey as the editor shows it (the saved draft, or your unsaved changes) for one test customer, '
        + 'with time fast-forwarded. Nothing is sent or written.'),
      form, result);
  }

  function durationFieldPlain(label, iso, pointer, set) {
    const {amount, unit} = M.splitDuration(iso);
    const nid = uid('after');
    const num = h('input', {type: 'number', id: nid, name: `${pointer}`, min: 0, step: 1, value: amount, 'data-pointer': pointer,
      'aria-describedby': `${nid}-error`});
    const sel = h('select', {'aria-label': `${label}, unit`}, M.UNITS.map((u) => h('option', {value: u.value, selected: u.value === unit}, u.label)));
    const update = () => set(M.isoDuration(num.value, sel.value) || (num.value === '0' ? 'PT0S' : ''));
    num.addEventListener('input', update);
    sel.addEventListener('change', update);
    return h('div', {class: 'field duration'}, h('label', {for: nid}, label), h('div', {class: 'duration-row'}, num, sel),
      h('p', {class: 'field-error', id: `${nid}-error`, 'aria-live': 'polite'}));
  }

  function showDryRun(box, r) {
    const start = new Date(r.start);
    const out = h('h3', {tabindex: '-1'}, 'Dry run result');
    replace(box, out,
      h('p', {class: 'dry-summary'}, `The run ${r.end === 'completed' ? 'completes' : `ends: ${r.end}`}. `,
        r.converted ? 'The customer converts (reaches the goal).' : 'The customer does not reach the goal.'),
      h('ol', {class: 'dry-timeline'}, r.steps.map((s) => {
        const d = s.detail || {};
        const after = (new Date(s.at) - start) / 1000;
        return h('li', {class: `dry-step outcome-${s.outcome.replace(/[^a-z0-9-]/gi, '-')}`, dataset: {step: s.step || '', outcome: s.outcome}},
          h('p', {class: 'dry-head'},
            h('time', {datetime: s.at, title: when(s.at)}, after <= 0 ? 'At entry' : `After ${elapsed(after)}`), ' · ',
            h('strong', {}, s.type === 'goal' ? 'Goal' : `Step ${s.step}`), ` (${s.type === 'goal' ? 'conversion' : M.typeLabel(s.type)}) · `,
            h('span', {class: 'state'}, `outcome: ${s.outcome}`)),
          s.type === 'send' ? [
            h('dl', {class: 'pairs small'}, h('dt', {}, 'Channel'), h('dd', {}, d.channel), d.subject ? [h('dt', {}, 'Subject'), h('dd', {class: 'dry-subject'}, d.subject)] : null),
            d.text ? h('pre', {class: 'preview-text dry-text'}, d.text) : null,
            d.reason ? h('p', {class: 'notice'}, `Would be rejected: ${d.reason}.`) : null,
            d.error ? h('p', {class: 'failure'}, `Does not render: ${d.error}`) : null]
            : Object.keys(d).length ? h('dl', {class: 'pairs small'}, Object.entries(d).map(([k, v]) => [h('dt', {}, k),
              h('dd', {}, typeof v === 'object' ? JSON.stringify(v) : ['timeout', 'duration'].includes(k) ? `${M.humanDuration(v)} (${v})` : String(v))]))
              : null);
      })));
    out.focus();
  }

  // --- analytics ---------------------------------------------------------------------------------------------------

  async function renderAnalytics() {
    const refresh = h('button', {type: 'button', onclick: () => renderAnalytics().then(() => analyticsBox.querySelector('h2').focus())}, 'Refresh');
    let a;
    try {
      a = await get(`/journeys/${enc(id)}/analytics`);
    } catch (err) {
      replace(analyticsBox, h('h2', {id: 'analytics-h', tabindex: '-1'}, 'Analytics'), h('p', {class: 'failure'}, err.message));
      return;
    }
    const totals = [['Entered', a.entered], ['Active now', a.active], ['Completed', a.completed], ['Exited', a.exited], ['Converted', a.converted]];
    replace(analyticsBox, h('h2', {id: 'analytics-h', tabindex: '-1'}, 'Analytics'),
      h('dl', {class: 'pairs counts'}, totals.map(([k, v]) => [h('dt', {}, k), h('dd', {dataset: {count: k.toLowerCase().split(' ')[0]}}, Number(v).toLocaleString())])),
      a.steps.length ? funnel(a.steps) : h('p', {class: 'muted'}, 'No step yet.'),
      a.steps.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'funnel-table'},
        h('caption', {}, 'Per step'),
        h('thead', {}, h('tr', {}, ['Step', 'Entered', 'Waiting now', 'Left there', 'Converted', 'Outcomes'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, a.steps.map((s) => h('tr', {dataset: {step: s.step}},
          h('th', {scope: 'row'}, s.step, s.type ? h('span', {class: 'muted'}, ` · ${M.typeLabel(s.type)}`) : null),
          ...[s.entered, s.waiting, s.left, s.converted].map((n) => h('td', {class: 'num'}, Number(n).toLocaleString())),
          h('td', {}, Object.entries(s.outcomes || {}).map(([k, n]) => `${k} ${n}`).join(' · ') || '—')))))) : null,
      a.arms.length ? arms(a.arms) : null,
      h('div', {class: 'actions'}, refresh));
  }

  function funnel(steps) {
    const NS = 'http://www.w3.org/2000/svg';
    const mk = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      Object.entries(attrs).forEach(([k, v]) => e.setAttribute(k, String(v)));
      if (text !== undefined) e.textContent = text;
      return e;
    };
    const max = Math.max(1, ...steps.map((s) => s.entered));
    const LABEL = 170;
    const BAR = 360;
    const ROW = 30;
    const width = LABEL + BAR + 250;
    const svg = mk('svg', {class: 'funnel', viewBox: `0 0 ${width} ${steps.length * ROW + 8}`, role: 'img',
      'aria-label': `Customers per step: ${steps.map((s) => `${s.step} ${s.entered} entered, ${s.converted} converted`).join('; ')}`});
    steps.forEach((s, i) => {
      const y = i * ROW + 4;
      const w = s.entered === 0 ? 0 : Math.max(2, (s.entered / max) * BAR);
      const cw = s.converted === 0 ? 0 : Math.max(2, (s.converted / max) * BAR);
      svg.append(mk('text', {x: LABEL - 8, y: y + 17, 'text-anchor': 'end', class: 'funnel-label'}, s.step.length > 22 ? `${s.step.slice(0, 21)}…` : s.step),
        mk('rect', {x: LABEL, y, width: BAR, height: ROW - 8, class: 'funnel-track'}),
        mk('rect', {x: LABEL, y, width: w, height: ROW - 8, class: 'funnel-bar'}),
        mk('rect', {x: LABEL, y: y + ROW - 14, width: cw, height: 6, class: 'funnel-converted'}),
        mk('text', {x: LABEL + BAR + 8, y: y + 17, class: 'funnel-value'},
          `${s.entered} entered${s.waiting ? ` · ${s.waiting} waiting` : ''}${s.converted ? ` · ${s.converted} converted` : ''}`));
    });
    return h('figure', {class: 'funnel-figure'}, svg,
      h('figcaption', {class: 'help'}, 'Bars: customers who reached each step; the thin line under a bar: those who then converted.'));
  }

  function arms(list) {
    return h('div', {class: 'table-wrap'}, h('table', {class: 'arms-table'},
      h('caption', {}, 'A/B arms (each against the first, two-proportion z-test)'),
      h('thead', {}, h('tr', {}, ['Arm', 'Entered', 'Converted', 'Conversion rate', 'z', 'p-value', 'Result'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, list.map((a, i) => h('tr', {dataset: {arm: a.name}},
        h('th', {scope: 'row'}, a.name),
        h('td', {class: 'num'}, String(a.entered)),
        h('td', {class: 'num'}, String(a.converted)),
        h('td', {class: 'num'}, `${(a.rate * 100).toFixed(1)}%`),
        h('td', {class: 'num'}, a.z === null || a.z === undefined ? '—' : a.z.toFixed(2)),
        h('td', {class: 'num'}, a.p === null || a.p === undefined ? '—' : a.p < 0.001 ? '< 0.001' : a.p.toFixed(3)),
        h('td', {}, i === 0 ? 'baseline' : a.p === null || a.p === undefined ? 'not enough data'
          : a.p < 0.05 ? `significant at 5% (${a.rate > list[0].rate ? 'better' : 'worse'} than ${list[0].name})` : 'not significant at 5%'))))));
  }

  // --- start -----------------------------------------------------------------------------------------------------------

  renderHeader();
  drawGraph();
  renderStep();
  refreshAdd();
  renderSettings();
  if (edit) renderDryRun();
  json.textContent = JSON.stringify(st.def, null, 2);
  await renderAnalytics();
}

/** Elapsed seconds in words: "1 hour", "1 day 1 hour". */
function elapsed(sec) {
  const parts = [];
  let s = Math.round(sec);
  for (const [n, u] of [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']]) {
    const k = Math.floor(s / n);
    if (k) parts.push(`${k} ${u}${k === 1 ? '' : 's'}`);
    s -= k * n;
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0 seconds';
}

/** The element whose data-pointer is the problem's pointer or its longest prefix, and that has an error line. */
function find(root, pointer) {
  let best = null;
  for (const e of root.querySelectorAll('[data-pointer]')) {
    const p = e.dataset.pointer;
    if (!e.id || !document.getElementById(`${e.id}-error`)) continue;
    if ((pointer === p || pointer.startsWith(`${p}/`)) && (!best || p.length > best.dataset.pointer.length)) best = e;
  }
  return best;
}

/** Shows each problem next to the field it names (clearing the old ones first). */
function place(root, list) {
  root.querySelectorAll('.field-error[data-placed]').forEach((e) => {
    e.textContent = '';
    delete e.dataset.placed;
  });
  root.querySelectorAll('[data-pointer][aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  for (const p of list) {
    const target = find(root, p.pointer);
    if (!target) continue;
    const out = document.getElementById(`${target.id}-error`);
    out.textContent = out.dataset.placed ? `${out.textContent} ${p.detail}` : p.detail;
    out.dataset.placed = 'true';
    target.setAttribute('aria-invalid', 'true');
  }
}
