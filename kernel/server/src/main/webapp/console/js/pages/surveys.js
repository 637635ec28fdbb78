// Surveys (NPS, CSAT, CES): the list, the editor with a live preview of the customer's page, sending to a segment,
// and the answers with their comments.
import {h, replace, when} from '../dom.js';
import {get, post, put, del, enc, query} from '../api.js';
import {field, onSubmit, showErrors} from '../forms.js';
import {can, go} from '../app.js';

export const KINDS = {
  nps: {title: 'Net Promoter Score (NPS)', min: 0, max: [10], ends: ['Not at all likely', 'Extremely likely'],
    question: 'How likely are you to recommend us to a friend or colleague?'},
  csat: {title: 'Customer satisfaction (CSAT)', min: 1, max: [5], ends: ['Very dissatisfied', 'Very satisfied'],
    question: 'How satisfied are you with your order?'},
  ces: {title: 'Customer effort (CES)', min: 1, max: [7, 5], ends: ['Strongly disagree', 'Strongly agree'],
    effortEnds: ['Very little effort', 'A great deal of effort'], question: 'It was easy to get what I needed.'},
};
const DEFAULT_TEXT = 'Hello {{customer.firstName}},\n\n{{survey.question}}\n{{survey.link}}\n\nThank you!';
const RESPONSES_PAGE = 25;
const n = (x) => Number(x || 0).toLocaleString();

/** The words at the ends of a scale, as the customer's page shows them (the server's SurveyPage says the same). */
export function ends(s) {
  const k = KINDS[s.kind] || KINDS.nps;
  return s.kind === 'ces' && s.lowIsBetter ? k.effortEnds : k.ends;
}

/** Surveys: their list with sends and answers; marketers start a new one. */
export default async function surveys(el) {
  const list = await get('/surveys');
  replace(el, h('h1', {}, 'Surveys'),
    h('p', {class: 'help'}, 'A survey asks one question on a fixed scale, sent as a link in a message; each customer answers each send once.'),
    can('marketer') ? h('p', {}, h('a', {href: '#/surveys/new', class: 'button primary'}, 'New survey')) : null,
    list.items.length === 0 ? h('p', {class: 'muted'}, 'No survey yet.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'surveys'},
        h('caption', {class: 'visually-hidden'}, 'Surveys, by name'),
        h('thead', {}, h('tr', {}, ['Name', 'Kind', 'Scale', 'Channel', 'Sent', 'Answers'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, list.items.map((s) => h('tr', {dataset: {survey: s.id}},
          h('th', {scope: 'row'}, h('a', {href: `#/surveys/${s.id}`}, s.name)),
          h('td', {}, s.kind.toUpperCase()),
          h('td', {}, `${s.scaleMin}–${s.scaleMax}`),
          h('td', {}, s.channel),
          h('td', {class: 'num'}, n(s.sends)),
          h('td', {class: 'num', dataset: {count: 'responses'}}, n(s.responses))))))));
}

/** The customer's page for the editor's values, built as the server builds it (no script, nothing sent). */
export function phone(s) {
  const e = ends(s);
  const max = Number(s.scaleMax);
  const scores = [];
  for (let i = Number(s.scaleMin); i <= max; i += 1) scores.push(i);
  return h('div', {class: 'phone', role: 'img', 'aria-label': 'Preview of the customer’s page'},
    h('div', {class: 'survey-page'}, h('div', {class: 'survey', inert: true},
      h('fieldset', {class: `scale scale-${scores.length}`},
        h('legend', {}, h('h1', {}, s.question || '…')),
        h('div', {class: 'choices'}, scores.map((i) => [h('input', {type: 'radio', id: `pv-${i}`, name: 'pv', value: i, tabindex: -1}),
          h('label', {for: `pv-${i}`}, String(i))])),
        h('p', {class: 'ends'}, h('span', {}, `${s.scaleMin} = ${e[0]}`), h('span', {}, `${max} = ${e[1]}`))),
      s.followUp ? h('div', {class: 'field'}, h('label', {}, s.followUp, ' ', h('span', {class: 'optional'}, '(optional)')),
        h('textarea', {rows: 3, tabindex: -1})) : null,
      h('button', {type: 'button', tabindex: -1}, 'Send my answer'))));
}

/** One survey (or a new one): the editor with its preview, sending, and the answers. */
export async function survey(el, {args}) {
  const isNew = args[0] === 'new';
  if (isNew && !can('marketer')) {
    replace(el, h('h1', {}, 'New survey'), h('p', {class: 'notice'}, 'Only marketers and admins can create surveys.'));
    return;
  }
  const s = isNew ? null : await get(`/surveys/${enc(args[0])}`);
  document.title = `${s ? s.name : 'New survey'} · Rapport`;
  const crumbs = h('p', {class: 'crumbs'}, h('a', {href: '#/surveys'}, 'Surveys'));
  const sections = [];
  if (s) {
    sections.push(await summarySection(s));
  }
  if (can('marketer')) {
    sections.unshift(editor(s));
    if (s && !s.archivedAt) sections.push(await sendSection(s));
  } else if (s) {
    sections.unshift(h('section', {class: 'card'}, h('h2', {}, s.question), phone(s)));
  }
  const answers = s ? h('section', {class: 'responses', 'aria-labelledby': 'responses-h'}) : null;
  replace(el, crumbs, h('h1', {}, s ? s.name : 'New survey'), s && s.archivedAt ? h('p', {class: 'notice'}, 'Archived: it is sent no more.') : null,
    sections, answers);
  if (answers) await loadResponses(answers, s.id, null);
}

function editor(s) {
  const v = s || {kind: 'nps', scaleMin: 0, scaleMax: 10, lowIsBetter: false, question: KINDS.nps.question, followUp: 'What is the main reason for your score?',
    channel: 'email', subject: 'One question about your order', text: DEFAULT_TEXT, validityDays: 14};
  const sent = s && s.sends > 0;
  const preview = h('div', {class: 'survey-preview', 'aria-live': 'off'});
  const form = h('form', {class: 'card stacked survey-form', novalidate: true, 'aria-labelledby': 'edit-h'},
    h('h2', {id: 'edit-h'}, s ? 'Change the survey' : 'Build the survey'),
    field({name: 'name', label: 'Name', required: true, value: v.name || '', help: 'Unique in the shop; customers see it as the page’s title.'}),
    field({name: 'kind', label: 'Kind', type: 'select', value: v.kind, options: Object.entries(KINDS).map(([value, k]) => ({value, label: k.title})),
      help: sent ? 'Sent already: the kind and the scale stay as they are (create a new survey to change them).' : null}),
    field({name: 'scaleMax', label: 'Scale', type: 'select', value: v.scaleMax, options: [{value: 7, label: '1 to 7'}, {value: 5, label: '1 to 5'}]}),
    field({name: 'lowIsBetter', label: 'A low score is the good one (the question asks how much effort it took)', type: 'checkbox', value: v.lowIsBetter}),
    field({name: 'question', label: 'Question', required: true, value: v.question}),
    field({name: 'followUp', label: 'Follow-up question', value: v.followUp || '', help: 'Optional: a free-text box under the scale.'}),
    field({name: 'channel', label: 'Channel', value: v.channel, help: 'email, or sms: an SMS survey is also answered by replying with the number.'}),
    field({name: 'subject', label: 'Subject', value: v.subject || ''}),
    field({name: 'text', label: 'Message', type: 'textarea', rows: 6, required: true, value: v.text,
      help: 'Mustache: {{customer.firstName}}, {{survey.question}}, and {{survey.link}}, the link to the page.'}),
    field({name: 'validityDays', label: 'Link valid for (days)', type: 'number', min: 1, max: 365, value: v.validityDays}),
    h('h3', {}, 'The customer’s page'), preview,
    s ? h('p', {class: 'help'}, h('a', {href: `/api/v1/surveys/${enc(s.id)}/preview`, target: '_blank', rel: 'noopener'}, 'Open the saved page')) : null,
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, s ? 'Save changes' : 'Save survey'),
      s && !s.archivedAt ? h('button', {type: 'button', class: 'danger', onclick: () => archive(s)}, 'Archive') : null));
  const read = () => {
    const d = new FormData(form);
    const kind = d.get('kind');
    const ces = kind === 'ces';
    return {name: d.get('name').trim(), kind, scaleMin: KINDS[kind].min, scaleMax: ces ? Number(d.get('scaleMax')) : KINDS[kind].max[0],
      lowIsBetter: ces && d.get('lowIsBetter') === 'on', question: d.get('question').trim(), followUp: d.get('followUp').trim() || null,
      channel: d.get('channel').trim() || 'email', subject: d.get('subject').trim() || null, text: d.get('text'),
      validityDays: Number(d.get('validityDays')) || 14};
  };
  const redraw = () => {
    const x = read();
    const ces = x.kind === 'ces';
    form.querySelector('[name="scaleMax"]').closest('.field').hidden = !ces;
    form.querySelector('[name="lowIsBetter"]').closest('.field').hidden = !ces;
    replace(preview, phone(x));
  };
  form.addEventListener('input', redraw);
  form.addEventListener('change', (ev) => {
    if (ev.target.name === 'kind') {
      const q = form.querySelector('[name="question"]');
      if (Object.values(KINDS).some((k) => k.question === q.value) || !q.value) q.value = KINDS[ev.target.value].question;
    }
    redraw();
  });
  redraw();
  onSubmit(form, async () => {
    const body = read();
    const saved = s ? await put(`/surveys/${enc(s.id)}`, body) : await post('/surveys', body);
    go(`#/surveys/${saved.id}`);
  });
  return form;
}

async function archive(s) {
  await del(`/surveys/${enc(s.id)}`);
  go('#/surveys');
}

async function summarySection(s) {
  const sum = await get(`/surveys/${enc(s.id)}/summary`);
  const value = sum.value === null ? '—' : Number(sum.value).toLocaleString(undefined, {maximumFractionDigits: 2}) + (s.kind === 'csat' ? ' %' : '');
  return h('section', {class: 'card survey-summary', 'aria-labelledby': 'summary-h'},
    h('h2', {id: 'summary-h'}, 'Results'),
    h('dl', {class: 'pairs'},
      h('dt', {}, s.kind.toUpperCase()), h('dd', {dataset: {value: 'value'}}, value),
      h('dt', {}, 'Sent'), h('dd', {}, n(sum.sends)),
      h('dt', {}, 'Answers'), h('dd', {dataset: {value: 'responses'}}, n(sum.responses)),
      h('dt', {}, 'Response rate'), h('dd', {}, sum.responseRate === null ? '—' : `${sum.responseRate} %`)),
    h('table', {class: 'score-counts'}, h('caption', {}, 'Answers by score'),
      h('thead', {}, h('tr', {}, Object.keys(sum.counts).map((k) => h('th', {scope: 'col'}, k)))),
      h('tbody', {}, h('tr', {}, Object.values(sum.counts).map((c) => h('td', {class: 'num'}, n(c)))))));
}

async function sendSection(s) {
  const segments = await get('/segments');
  const result = h('p', {class: 'result', role: 'status', tabindex: '-1'});
  const form = h('form', {class: 'card send-survey', novalidate: true, 'aria-labelledby': 'send-h'},
    h('h2', {id: 'send-h'}, 'Send'),
    h('p', {class: 'help'}, `Each member gets the survey by ${s.channel} if they agreed to “${s.purpose}” messages there; at most once a day.`),
    field({name: 'segmentId', label: 'Segment', type: 'select', required: true,
      options: [{value: '', label: 'Choose a segment'}, ...segments.items.map((g) => ({value: g.id, label: `${g.name} (${n(g.members)})`}))]}),
    h('div', {class: 'actions'}, h('button', {type: 'submit', class: 'primary'}, 'Send the survey')), result);
  onSubmit(form, async (d) => {
    if (!d.get('segmentId')) {
      showErrors(form, {message: 'Choose a segment.', errors: [{pointer: '/segmentId', detail: 'Choose a segment to send to.'}]});
      return;
    }
    const r = await post(`/surveys/${enc(s.id)}/sends`, {segmentId: d.get('segmentId')});
    const parts = Object.entries(r.counts).map(([state, c]) => `${n(c)} ${state.toLowerCase()}`);
    result.textContent = `Done: ${parts.length ? parts.join(', ') : 'nothing new'}${r.alreadySent ? `; ${n(r.alreadySent)} had it today already` : ''}.`;
    result.focus();
  });
  return form;
}

async function loadResponses(box, id, cursor) {
  const page = await get(`/surveys/${enc(id)}/responses${query({limit: RESPONSES_PAGE, cursor})}`);
  const more = page.next ? h('button', {type: 'button'}, 'Older answers') : null;
  const rows = page.items.map((r) => h('tr', {},
    h('td', {}, h('a', {href: `#/customers/${r.customerId}`}, 'Customer')),
    h('td', {class: 'num'}, String(r.score)),
    h('td', {class: 'comment'}, r.comment || '—'),
    h('td', {}, h('time', {datetime: r.answeredAt}, when(r.answeredAt))),
    h('td', {}, r.channel)));
  if (!cursor) {
    replace(box, h('h2', {id: 'responses-h'}, 'Answers'),
      page.items.length === 0 ? h('p', {class: 'muted'}, 'No answer yet.')
        : h('div', {class: 'table-wrap'}, h('table', {class: 'survey-responses'},
          h('caption', {class: 'visually-hidden'}, 'Answers, newest first'),
          h('thead', {}, h('tr', {}, ['Who', 'Score', 'Comment', 'Answered', 'Channel'].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, rows))),
      more);
  } else {
    box.querySelector('tbody').append(...rows);
    box.querySelector('.more')?.remove();
    if (more) box.append(more);
  }
  if (more) {
    more.classList.add('more');
    more.addEventListener('click', () => loadResponses(box, id, page.next));
  }
}
