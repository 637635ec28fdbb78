import {h, replace} from '../dom.js';
import {get, enc, query} from '../api.js';
import {field, onSubmit} from '../forms.js';
import {go} from '../app.js';
import {lineChart, format, periodLabel, stackedBar, swatch} from '../kpi-charts.js';

/** The KPIs drawn first, in this order (what an owner reads first); the others follow as the server lists them. */
export const FIRST = ['retention_rate', 'nps', 'repeat_purchase_rate', 'average_order_value', 'churn_rate', 'historical_clv'];
/** The KPIs drawn last: each period of predicted_clv fits two models on every order (seconds on a big shop). */
export const LAST = ['predicted_clv'];
/** The NPS module's KPI and its inputs (kpi-surveys). */
export const NPS = {id: 'nps', parts: [
  {key: 'detractors', label: 'Detractors'}, {key: 'passives', label: 'Passives'}, {key: 'promoters', label: 'Promoters'}]};
/** The scores kpi-clv writes per customer. */
export const SCORES = {clv: 'predicted_clv', alive: 'p_alive', next: 'expected_purchases_90d'};
export const GRANULARITIES = [{value: 'month', label: 'Month'}, {value: 'week', label: 'Week'}, {value: 'day', label: 'Day'}];
/** The periods shown by default: the last 12 months, 12 weeks or 30 days that hold data. */
const SPAN = {month: 12, week: 12, day: 30};
/** Orders older than this (days) are not recent: the default dates then end at the last order rather than today. */
const RECENT_DAYS = 90;
/** How many series the page asks for at once: each may compute its periods on the server. */
const PARALLEL = 2;
/** The widest cohort table the API serves, in months. */
const MAX_COHORT_MONTHS = 60;
const TOP = 20;
/** The upper bounds of the heatmap's shades (a share of the cohort); month 0 is always 100 %. */
const SHADES = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0001];

const day = (d) => d.toISOString().slice(0, 10);
const utc = (iso) => new Date(`${iso}T00:00:00Z`);

/** The first day of the span of {@code granularity} that ends on {@code to}. */
function spanStart(to, granularity) {
  const d = utc(to);
  if (granularity === 'month') {
    return day(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (SPAN.month - 1), 1)));
  }
  d.setUTCDate(d.getUTCDate() - (granularity === 'week' ? 7 * SPAN.week - 1 : SPAN.day - 1));
  return day(d);
}

/** The default dates: the last periods to today, or to the last order when the shop has no recent one (an import of old orders). */
export function defaultRange(orders, granularity, today = day(new Date())) {
  let to = today;
  if (orders && orders.last && (utc(today) - utc(orders.last)) / 86400000 > RECENT_DAYS) to = orders.last;
  let from = spanStart(to, granularity);
  if (orders && orders.first && orders.first > from && orders.first <= to) from = orders.first;
  return {from, to};
}

function months(from, to) {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
}

function minusMonths(month, n) {
  const d = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1 - n, 1));
  return day(d).slice(0, 7);
}

/** Runs the tasks, {@code n} at a time, in their order. */
async function pool(tasks, n) {
  const queue = [...tasks];
  await Promise.all(Array.from({length: n}, async () => {
    while (queue.length) await queue.shift()();
  }));
}

/** KPIs: a chart per KPI with its goal, the cohort retention table, the NPS answers and the customers of highest predicted value. */
export default async function kpis(el, {params}) {
  const list = await get('/kpis');
  const granularity = GRANULARITIES.some((g) => g.value === params.get('granularity')) ? params.get('granularity') : 'month';
  const defaults = defaultRange(list.orders, granularity);
  const from = params.get('from') || defaults.from;
  const to = params.get('to') || defaults.to;

  const form = h('form', {class: 'inline-form kpi-range', novalidate: true, 'aria-label': 'Dates and granularity'},
    field({name: 'from', label: 'From', type: 'date', value: from, required: true}),
    field({name: 'to', label: 'To', type: 'date', value: to, required: true}),
    field({name: 'granularity', label: 'Granularity', type: 'select', options: GRANULARITIES, value: granularity}),
    h('button', {type: 'submit', class: 'primary'}, 'Show'));
  onSubmit(form, async (data) => {
    const errors = ['from', 'to'].filter((k) => !/^\d{4}-\d{2}-\d{2}$/.test(data.get(k))).map((k) => ({field: k, detail: 'is a date'}));
    if (!errors.length && data.get('to') < data.get('from')) errors.push({field: 'to', detail: 'is on or after From'});
    if (errors.length) throw Object.assign(new Error('Check the dates.'), {errors});
    go(`#/kpis${query({from: data.get('from'), to: data.get('to'), granularity: data.get('granularity')})}`);
  });
  const byId = new Map(list.items.map((d) => [d.id, d]));
  const ordered = [...FIRST.filter((id) => byId.has(id)).map((id) => byId.get(id)),
    ...list.items.filter((d) => !FIRST.includes(d.id) && !LAST.includes(d.id)), ...LAST.filter((id) => byId.has(id)).map((id) => byId.get(id))];

  if (ordered.length === 0) {
    replace(el, h('h1', {}, 'KPIs'), h('p', {class: 'notice'}, 'No KPI plugin is active: an admin can install kpi-retention or kpi-clv on the '
      + 'Plugins page.'));
    return;
  }
  const cards = ordered.map((d) => chartCard(d));
  const nps = byId.has(NPS.id) ? h('section', {class: 'card nps', 'aria-labelledby': 'nps-h'}, h('h2', {id: 'nps-h'}, 'Net Promoter Score answers'),
    h('p', {class: 'muted', 'aria-busy': 'true'}, 'Loading…')) : null;
  const answers = h('div', {class: 'survey-answers'});
  const cohorts = h('section', {class: 'cohorts', 'aria-labelledby': 'cohorts-h'}, h('h2', {id: 'cohorts-h'}, 'Cohort retention'),
    h('p', {class: 'muted', 'aria-busy': 'true'}, 'Loading…'));
  const top = byId.has(SCORES.clv) ? h('section', {class: 'top-clv', 'aria-labelledby': 'top-h'},
    h('h2', {id: 'top-h'}, 'Top customers by predicted lifetime value'), h('p', {class: 'muted', 'aria-busy': 'true'}, 'Loading…')) : null;

  replace(el, h('h1', {}, 'KPIs'),
    form,
    h('p', {class: 'help data-range'}, list.orders ? `The shop's orders run from ${list.orders.first} to ${list.orders.last}. ` : 'The shop has no order yet. ',
      'In each chart the values are a solid line with round points, the goal a dashed line labelled “goal”; a period without a value (no order, '
      + 'no answer) is a gap in the line with a cross under the axis, not a zero. Every chart has its values in a table.'),
    h('section', {'aria-labelledby': 'series-h'}, h('h2', {id: 'series-h'}, `By ${granularity}, ${from} to ${to}`),
      h('ul', {class: 'kpi-grid'}, cards.map((c) => c.li))),
    cohorts,
    nps ? h('div', {}, nps, answers) : answers,
    top);

  const q = query({granularity, from, to});
  const npsSeries = new Promise((resolve) => {
    const tasks = cards.map((c) => async () => {
      try {
        const series = await get(`/kpis/${enc(c.definition.id)}${q}`);
        c.draw(series, granularity);
        if (c.definition.id === NPS.id) resolve(series);
      } catch (err) {
        c.fail(err);
        if (c.definition.id === NPS.id) resolve(null);
      }
    });
    pool(tasks, PARALLEL).then(() => resolve(null));
  });
  await Promise.all([
    drawCohorts(cohorts, from.slice(0, 7), to.slice(0, 7)),
    top ? drawTop(top) : null,
    nps ? npsSeries.then((series) => drawNps(nps, series)) : null,
    drawAnswers(answers),
  ]);
}

function chartCard(d) {
  const slot = h('div', {class: 'chart-slot', 'aria-busy': 'true'}, h('p', {class: 'muted'}, 'Loading…'));
  const meta = h('p', {class: 'kpi-meta'}, `Unit: ${d.unit} · ${d.direction === 'lower' ? 'Lower is better' : 'Higher is better'}`);
  const li = h('li', {class: 'card kpi-card', dataset: {kpi: d.id}},
    h('h3', {}, d.title),
    d.description ? h('p', {class: 'help'}, d.description) : null,
    meta, slot);
  return {definition: d, li,
    draw(series, granularity) {
      const goal = series.goal ? Number(series.goal.target) : null;
      if (series.goal) {
        meta.append(` · Goal: ${format(d.unit, series.goal.target)} per ${series.goal.granularity}`
          + `${series.goal.progress !== null ? ` (${Math.round(Number(series.goal.progress) * 100)} % of it reached)` : ''}`);
      }
      slot.removeAttribute('aria-busy');
      replace(slot,
        lineChart({title: d.title, unit: d.unit, granularity, items: series.items, goal}),
        h('details', {class: 'kpi-values'}, h('summary', {}, 'Values'),
          h('div', {class: 'table-wrap'}, h('table', {class: 'kpi-table'},
            h('caption', {class: 'visually-hidden'}, `${d.title} by ${granularity}`),
            h('thead', {}, h('tr', {}, ['Period', 'Value', 'Inputs'].map((t) => h('th', {scope: 'col'}, t)))),
            h('tbody', {}, series.items.map((i) => h('tr', {dataset: {start: i.start}},
              h('th', {scope: 'row'}, periodLabel(i.start, granularity)),
              h('td', {class: 'num', dataset: {value: i.value === null ? '' : String(i.value)}}, format(d.unit, i.value)),
              h('td', {class: 'inputs'}, Object.entries(i.inputs || {}).map(([k, v]) => `${k} ${v === null ? '—' : Number(v).toLocaleString()}`)
                .join(' · ')))))))));
    },
    fail(err) {
      slot.removeAttribute('aria-busy');
      replace(slot, h('p', {class: 'form-alert', role: 'alert'}, `The series could not be read: ${err.message}`));
    }};
}

/** The shade of a share of a cohort: 0 (none) to SHADES.length. */
function shade(rate) {
  if (rate === null || rate === undefined) return 'none';
  if (Number(rate) === 0) return '0';
  return String(SHADES.findIndex((b) => Number(rate) < b) + 1);
}

function percent(rate) {
  const p = Number(rate) * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)} %`;
}

async function drawCohorts(box, fromMonth, toMonth) {
  const heading = box.querySelector('h2');
  let start = fromMonth;
  let clipped = false;
  if (months(fromMonth, toMonth) > MAX_COHORT_MONTHS) {
    start = minusMonths(toMonth, MAX_COHORT_MONTHS - 1);
    clipped = true;
  }
  let t;
  try {
    t = await get(`/kpis/cohorts${query({from: start, to: toMonth})}`);
  } catch (err) {
    replace(box, heading, h('p', {class: 'form-alert', role: 'alert'}, `The cohort table could not be read: ${err.message}`));
    return;
  }
  const width = t.cohorts.reduce((w, c) => Math.max(w, c.active.length), 0);
  const legend = h('ul', {class: 'heat-legend', 'aria-label': 'Shades'},
    h('li', {}, h('span', {class: 'heat heat-0 key', 'aria-hidden': 'true'}), '0 %'),
    SHADES.map((b, i) => h('li', {}, h('span', {class: `heat heat-${i + 1} key`, 'aria-hidden': 'true'}),
      i === 0 ? `under ${percent(b)}` : i === SHADES.length - 1 ? `${percent(SHADES[i - 1])} or more` : `${percent(SHADES[i - 1])} to ${percent(b)}`)));
  replace(box, heading,
    h('p', {class: 'help'}, `Customers by the month of their first order (${t.event}), and the share of them who ordered in each month after it: `
      + 'month 0 is the month they started. Each cell prints its share; darker cells are higher.'
      + `${clipped ? ` The table shows the last ${MAX_COHORT_MONTHS} months of the dates.` : ''}`),
    t.cohorts.every((c) => c.customers === 0) ? h('p', {class: 'muted'}, 'No customer made a first order in these months.')
      : [h('div', {class: 'table-wrap'}, h('table', {class: 'cohort-table'},
        h('caption', {class: 'visually-hidden'}, `Cohort retention from ${t.from} to ${t.to}: share of each cohort ordering in each month after its first`),
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'First order'), h('th', {scope: 'col'}, 'Customers'),
          Array.from({length: width}, (_, k) => h('th', {scope: 'col', class: 'num'}, `Month ${k}`)))),
        h('tbody', {}, t.cohorts.map((c) => h('tr', {dataset: {month: c.month}},
          h('th', {scope: 'row'}, periodLabel(`${c.month}-01`, 'month')),
          h('td', {class: 'num', dataset: {count: 'customers'}}, c.customers.toLocaleString()),
          Array.from({length: width}, (_, k) => (k < c.rates.length && c.customers > 0
            ? h('td', {class: `num heat heat-${shade(c.rates[k])}`, dataset: {offset: String(k), rate: String(c.rates[k])},
              title: `${c.active[k].toLocaleString()} of ${c.customers.toLocaleString()} customers`}, percent(c.rates[k]))
            : h('td', {class: 'heat-empty'}, k < c.rates.length ? '—' : '')))))))),
      legend]);
}

async function drawTop(box) {
  const heading = box.querySelector('h2');
  let top;
  try {
    top = await get(`/kpis/scores/${SCORES.clv}/top${query({limit: TOP})}`);
  } catch (err) {
    replace(box, heading, h('p', {class: 'form-alert', role: 'alert'}, `The predictions could not be read: ${err.message}`));
    return;
  }
  replace(box, heading,
    h('p', {class: 'help'}, 'The 12-month value each customer is predicted to spend (BG/NBD and Gamma-Gamma, from the current month\'s computation), '
      + 'the probability that they are still a customer, and the orders expected in the next 90 days.'),
    top.items.length === 0 ? h('p', {class: 'muted'}, 'No prediction yet: they are written when the current month\'s predicted lifetime value is '
      + 'computed with enough repeat customers.')
      : h('div', {class: 'table-wrap'}, h('table', {class: 'top-customers'},
        h('caption', {class: 'visually-hidden'}, 'Customers with the highest predicted lifetime value, highest first'),
        h('thead', {}, h('tr', {}, ['Customer', 'Email', 'Predicted value (12 months)', 'Still a customer', 'Orders expected (90 days)']
          .map((t, i) => h('th', {scope: 'col', class: i >= 2 ? 'num' : null}, t)))),
        h('tbody', {}, top.items.map((c) => h('tr', {dataset: {customer: c.id}},
          h('th', {scope: 'row'}, h('a', {href: `#/customers/${c.id}`}, c.name || c.email || c.externalId || c.id)),
          h('td', {}, c.email || '—'),
          h('td', {class: 'num', dataset: {score: SCORES.clv}}, format('currency', c.score)),
          h('td', {class: 'num', dataset: {score: SCORES.alive}}, c.scores[SCORES.alive] === undefined ? '—' : percent(c.scores[SCORES.alive])),
          h('td', {class: 'num', dataset: {score: SCORES.next}}, c.scores[SCORES.next] === undefined ? '—'
            : Number(c.scores[SCORES.next]).toLocaleString(undefined, {maximumSignificantDigits: 3}))))))));
}

function drawNps(box, series) {
  const heading = box.querySelector('h2');
  if (!series) {
    replace(box, heading, h('p', {class: 'muted'}, 'The NPS series could not be read.'));
    return;
  }
  const sum = (key) => series.items.reduce((a, i) => a + Number((i.inputs || {})[key] || 0), 0);
  const parts = NPS.parts.map((p) => ({...p, count: sum(p.key)}));
  const total = parts.reduce((a, p) => a + p.count, 0);
  if (total === 0) {
    replace(box, heading, h('p', {class: 'muted'}, 'No survey answer in these dates.'));
    return;
  }
  const share = (n) => Math.round((n / total) * 100);
  const score = share(parts[2].count) - share(parts[0].count);
  const label = `${total.toLocaleString()} answers: ${parts.map((p) => `${p.label.toLowerCase()} ${p.count.toLocaleString()} (${share(p.count)} %)`).join(', ')}`;
  replace(box, heading,
    h('p', {}, `Over these dates: NPS ${score} from ${total.toLocaleString()} answers (promoters 9–10, passives 7–8, detractors 0–6).`),
    stackedBar(parts, label),
    h('ul', {class: 'nps-legend'}, parts.map((p) => h('li', {dataset: {part: p.key}}, swatch(p.key),
      h('strong', {}, p.label), ` ${p.count.toLocaleString()} (${share(p.count)} %)`))));
}

/** The free-text answers of the shop's surveys, when the server offers surveys (an answer of 404 means it does not: nothing is shown). */
async function drawAnswers(box) {
  let surveys;
  try {
    surveys = await get('/surveys');
  } catch (err) {
    if (err.status !== 404) replace(box, h('p', {class: 'muted'}, `The surveys could not be read: ${err.message}`));
    return;
  }
  const items = (surveys && surveys.items) || [];
  const rows = [];
  await Promise.all(items.slice(0, 5).map(async (survey) => {
    try {
      const r = await get(`/surveys/${enc(survey.id)}/responses${query({limit: TOP})}`);
      for (const a of (r && r.items) || []) {
        const text = freeText(a);
        if (text) rows.push({survey, text, score: a.score, at: a.answeredAt || ''});
      }
    } catch (err) {
      // a survey whose answers cannot be read adds none
    }
  }));
  rows.sort((a, b) => String(b.at).localeCompare(String(a.at)));
  replace(box, h('section', {class: 'card answers', 'aria-labelledby': 'answers-h'}, h('h2', {id: 'answers-h'}, 'What customers wrote'),
    rows.length === 0 ? h('p', {class: 'muted'}, 'No written answer yet.')
      : h('ul', {class: 'answer-list'}, rows.slice(0, TOP).map((r) => h('li', {},
        h('blockquote', {}, r.text),
        h('p', {class: 'help'}, [r.survey.name || 'Survey', typeof r.score === 'number' ? `score ${r.score}` : null,
          r.at ? String(r.at).slice(0, 10) : null].filter(Boolean).join(' · ')))))));
}

/** The written part of a survey answer (GET /surveys/{id}/responses: items of {customerId, score, comment, answeredAt, channel}). */
function freeText(a) {
  return typeof a.comment === 'string' && a.comment.trim() ? a.comment.trim() : null;
}
