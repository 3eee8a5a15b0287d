// A connector's schedule: which one is in force (its file's, or an operator's run-time schedule) and an editor for
// the forms of Ferry's schedule table, checked by Ferry itself as one types, with the next fire times before saving.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, query, seg } from '../api.mjs';
import { usePoll } from '../live.mjs';
import { dateTime } from '../format.mjs';
import { Action, Loading, Outcome, Time, useActions, useCaller } from '../ui.mjs';

const DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** The forms of the schedule table (docs/connectors.md), each with the keys it sets. */
const FORMS = [
  ['at', 'Daily at times', ['at']],
  ['every', 'Every interval (within hours, on days)', ['every', 'between', 'days']],
  ['weekly', 'Weekly on days', ['days', 'at']],
  ['monthly', 'Monthly', ['months', 'day-of-month', 'at']],
  ['cron', 'Quartz cron', ['cron']],
  ['default', 'Default: daily at 00:00', []],
];
const COMMON = ['time-zone', 'end-after-runs', 'end-at'];
const CHECK_DELAY = 300;

/** Which form a schedule's keys are. */
function formOf(keys) {
  if (keys.cron) return 'cron';
  if (keys.every) return 'every';
  if (keys.months || keys['day-of-month']) return 'monthly';
  if (keys.days) return 'weekly';
  if (keys.at) return 'at';
  return 'default';
}

/** "MON-FRI,SUN" as the names it covers, in order. */
function expand(text, names) {
  const chosen = new Set();
  for (const part of (text || '').toUpperCase().split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to] = part.split('-');
    const a = names.indexOf(from);
    const b = to ? names.indexOf(to) : a;
    if (a < 0 || b < 0) return null; // not names: the field shows the text as it is
    for (let i = a; i <= b; i++) chosen.add(names[i]);
  }
  return names.filter((n) => chosen.has(n));
}

/** The keys the form sends: its own and the common ones, blank ones left out. */
function keysOf(form, values) {
  const own = FORMS.find(([id]) => id === form)[2];
  const keys = {};
  for (const key of [...own, ...COMMON]) {
    const value = (values[key] || '').trim();
    if (value) keys[key] = value;
  }
  return keys;
}

const zones = (() => {
  try {
    const all = Intl.supportedValuesOf('timeZone');
    return all.includes('UTC') ? all : ['UTC', ...all];
  } catch {
    return ['UTC'];
  }
})();

export function SchedulePage({ connector: c, refreshConnector }) {
  const s = c.schedule;
  const { mayAct } = useCaller();
  const changes = usePoll(() => api.get(`/connectors/${seg(c.id)}/schedule-changes`), [c.id]);
  const [form, setForm] = useState(formOf(s.keys || {}));
  const [values, setValues] = useState({ ...(s.keys || {}) });
  const [reason, setReason] = useState('');
  const [check, setCheck] = useState(null);
  const actions = useActions(() => { changes.refresh(); refreshConnector(); });
  const { act, busy } = actions;
  const keys = keysOf(form, values);
  const keysText = JSON.stringify(keys);

  // checked by Ferry as one types: a moment after the last change
  useEffect(() => {
    let current = true;
    const timer = setTimeout(async () => {
      try {
        const result = await api.post(`/connectors/${seg(c.id)}/schedule/check`, keys);
        if (current) setCheck({ ...result, keysText });
      } catch (e) {
        if (current) setCheck({ valid: false, problems: [{ key: '', message: e.message }], keysText });
      }
    }, CHECK_DELAY);
    return () => { current = false; clearTimeout(timer); };
  }, [c.id, keysText]);

  const checked = check && check.keysText === keysText;
  const problem = (key) => (checked && !check.valid ? check.problems.filter((p) => p.key === key) : [])
    .map((p) => html`<span class="field-problem" data-key=${key} role="alert">${p.message}</span>`);
  const set = (key) => (e) => setValues({ ...values, [key]: e.currentTarget.value });
  const text = (key, label, placeholder) => html`<label class=${`field field-${key}`}>${label}
    <input name=${key} value=${values[key] || ''} placeholder=${placeholder} onInput=${set(key)} />${problem(key)}</label>`;
  const choices = (key, label, names) => {
    const chosen = expand(values[key], names);
    if (chosen === null) return text(key, label, names.join(','));
    const toggle = (name) => {
      const next = new Set(chosen);
      if (next.has(name)) next.delete(name); else next.add(name);
      setValues({ ...values, [key]: names.filter((n) => next.has(n)).join(',') });
    };
    return html`<fieldset class=${`field choices field-${key}`}><legend>${label}</legend>
      ${names.map((n) => html`<label class="choice"><input type="checkbox" name=${`${key}-${n}`} checked=${chosen.includes(n)}
        onChange=${() => toggle(n)} />${n}</label>`)}${problem(key)}</fieldset>`;
  };
  const fields = {
    at: () => text('at', 'At (times of day)', '06:00,18:00'),
    every: () => text('every', 'Every', '30m, 6h, 24h'),
    between: () => text('between', 'Between (optional)', '08:00-17:00'),
    days: () => choices('days', form === 'every' ? 'Days (optional)' : 'Days', DAYS),
    months: () => choices('months', 'Months', MONTHS),
    'day-of-month': () => text('day-of-month', 'Day of month', '1'),
    cron: () => text('cron', 'Cron (seconds first)', '0 0/5 * * * ?'),
  };

  const save = () => act('Save the schedule', async () => {
    const saved = await api.put(`/connectors/${seg(c.id)}/schedule`, { schedule: keys, reason: reason.trim() });
    setReason('');
    return `${c.id} now runs ${saved.schedule.description}`;
  });
  const backToFile = () => act('Back to the file\'s schedule', async () => {
    const back = await api.del(`/connectors/${seg(c.id)}/schedule${query({ reason: reason.trim() })}`);
    setReason('');
    setForm(formOf(back.schedule.keys || {}));
    setValues({ ...(back.schedule.keys || {}) });
    return `${c.id} runs its file's schedule again: ${back.schedule.description}`;
  });
  const zone = checked && check.valid ? check.timeZone : undefined;
  const own = FORMS.find(([id]) => id === form)[2];
  return html`<div class="schedule-editor">
    <dl class="facts">
      <dt>In force</dt><dd class="in-force">${s.valid ? s.description : html`<span class="problem">${s.problems.join('; ')}</span>`}</dd>
      <dt>Whose</dt><dd class="source">${s.source === 'run-time'
        ? html`a run-time schedule, set by ${s.setBy} <${Time} iso=${s.setAt} /> <span class="muted">(the file's: ${s.file})</span>`
        : 'the connector\'s file'}</dd>
    </dl>
    <${Outcome} ...${actions} />
    <h2>Change the schedule</h2>
    <form class="editor" onSubmit=${(e) => { e.preventDefault(); if (checked && check.valid && reason.trim()) save(); }}>
      <label class="field">Form <select name="form" value=${form} onChange=${(e) => setForm(e.currentTarget.value)}>
        ${FORMS.map(([id, label]) => html`<option value=${id}>${label}</option>`)}
      </select></label>
      <div class="fields">${own.map((key) => fields[key]())}</div>
      <div class="fields">
        <label class="field field-time-zone">Time zone <input name="time-zone" list="ferry-zones" value=${values['time-zone'] || ''}
          placeholder="the instance's default" onInput=${set('time-zone')} />${problem('time-zone')}</label>
        <datalist id="ferry-zones">${zones.map((z) => html`<option value=${z} />`)}</datalist>
        ${text('end-after-runs', 'End after runs (optional)', '10')}
        ${text('end-at', 'End at (optional)', '2027-06-30T18:00')}
      </div>
      ${problem('')}
      <div class="check" aria-live="polite">
        ${!checked ? html`<span class="muted">Checking…</span>` : check.valid ? html`
          <p class="summary">${check.description}</p>
          ${check.warnings.map((w) => html`<p class="warning">${w}</p>`)}
          <p class="muted">Next fires (${check.timeZone}):</p>
          <ol class="fires next">${check.nextFires.map((f) => html`<li><time datetime=${f}>${dateTime(f, zone)}</time></li>`)}</ol>`
        : html`<p class="problem">Not a schedule Ferry can run: see the fields above.</p>`}
      </div>
      <div class="toolbar">
        <label class="field">Reason <input name="reason" value=${reason} placeholder="why, for the audit" onInput=${(e) => setReason(e.currentTarget.value)} /></label>
        <${Action} label="Save" name="save" kind="primary" busy=${busy || !checked || !check.valid || !reason.trim()} onClick=${save} />
        ${s.source === 'run-time' && html`<${Action} label="Back to the file's schedule" name="back-to-file" busy=${busy || !reason.trim()} onClick=${backToFile} />`}
        ${mayAct && !reason.trim() && html`<span class="muted">A reason is needed to save.</span>`}
      </div>
    </form>
    <h2>Audit trail</h2>
    ${changes.data === undefined ? html`<${Loading} error=${changes.error} what="the schedule's audit" />` : html`
    <table class="grid schedule-audit">
      <thead><tr><th>When</th><th>By</th><th>From</th><th>To</th><th>Reason</th></tr></thead>
      <tbody>
        ${changes.data.length === 0 && html`<tr><td colspan="5" class="muted">No run-time schedule was ever set.</td></tr>`}
        ${[...changes.data].reverse().map((ch) => html`<tr>
          <td><${Time} iso=${ch.changedAt} /></td><td>${ch.changedBy}</td>
          <td>${ch.oldSummary}${ch.oldSchedule ? '' : html` <span class="muted">(file)</span>`}</td>
          <td>${ch.newSummary}${ch.newSchedule ? '' : html` <span class="muted">(file)</span>`}</td>
          <td>${ch.reason || ''}</td>
        </tr>`)}
      </tbody>
    </table>`}
  </div>`;
}
