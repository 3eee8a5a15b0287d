// Connectors: every sync as its operator thinks of it — on or off, when it runs next, how its last run went, how
// far behind it is, what waits in its queue and what failed — with Run now and Preview.
import { html } from '../html.mjs';
import { api, seg } from '../api.mjs';
import { usePoll } from '../live.mjs';
import { count, dateTime } from '../format.mjs';
import { Action, Loading, Outcome, Stale, Status, Time, Toggle, useActions } from '../ui.mjs';
import { lag } from './connector.mjs';

export function ConnectorsPage({ navigate }) {
  const { data, error, refresh } = usePoll(() => api.get('/connectors'), []);
  const actions = useActions(refresh);
  if (data === undefined) return html`<${Loading} error=${error} what="the connectors" />`;
  return html`<section>
    <h1>Connectors</h1>
    <${Stale} error=${error} />
    <${Outcome} ...${actions} />
    ${data.length === 0 ? html`<p class="muted">No connector is loaded: add a connector file to the instance's routes folder.</p>` : html`
    <table class="grid connectors">
      <thead><tr>
        <th>Connector</th><th>Enabled</th><th>Schedule</th><th>Next fires</th><th>Last run</th>
        <th>Watermark</th><th class="number">Queued</th><th class="number">Failures</th><th></th>
      </tr></thead>
      <tbody>
        ${data.map((c) => html`<${ConnectorRow} key=${c.id} connector=${c} actions=${actions} navigate=${navigate} />`)}
      </tbody>
    </table>`}
  </section>`;
}

function ConnectorRow({ connector: c, actions, navigate }) {
  const { act, busy } = actions;
  const toggle = () => act(c.enabled ? `Disable ${c.id}` : `Enable ${c.id}`, async () => {
    await api.post(`/connectors/${seg(c.id)}/${c.enabled ? 'disable' : 'enable'}`);
    return `${c.id} ${c.enabled ? 'disabled: no runs start and queued records wait' : 'enabled'}`;
  });
  const run = (mode) => act(mode === 'PREVIEW' ? `Preview ${c.id}` : `Run ${c.id}`, async () => {
    const started = await api.post(`/connectors/${seg(c.id)}/runs`, { mode });
    if (mode === 'PREVIEW') navigate(`/runs/${started.id}`);
    return `${mode === 'PREVIEW' ? 'Preview' : 'Run'} ${started.id} of ${c.id} started`;
  });
  const activate = () => act(`Activate ${c.id}`, async () => {
    await api.post(`/connectors/${seg(c.id)}/activate`);
    return `${c.id} activated: its scheduled runs count from zero`;
  });
  const last = c.lastRun;
  return html`<tr data-connector=${c.id} class=${c.enabled ? '' : 'disabled'}>
    <th scope="row"><a href=${`#/connectors/${seg(c.id)}`}>${c.id}</a>
      ${c.rejected && html`<div class="problem" title=${c.rejected}>file rejected: ${c.rejected}</div>`}</th>
    <td><${Toggle} on=${c.enabled} label=${`${c.id} enabled`} busy=${busy} onChange=${toggle} /></td>
    <td>${schedule(c)}
      ${c.ended && html`<div class="ended">ended${c.endedReason ? `: ${c.endedReason}` : ''}
        <${Action} label="Activate" name="activate" busy=${busy} onClick=${activate} /></div>`}
      ${c.skippedFires > 0 && html`<div class="muted" title="fires skipped because a run was still processing">${count(c.skippedFires)} skipped fire(s)</div>`}</td>
    <td class="fires">${nextFires(c)}</td>
    <td class="last-run">${last ? html`<a href=${`#/runs/${last.id}`}><${Status} status=${last.status} /></a>
        <div class="counts">${runCounts(last)}</div><div class="muted"><${Time} iso=${last.endedAt || last.startedAt || last.createdAt} /></div>`
      : html`<span class="muted">never ran</span>`}
      ${c.pendingPreview && html`<div><a href=${`#/runs/${c.pendingPreview}`}>preview ${c.pendingPreview} awaits review</a></div>`}</td>
    <td class="watermark"><code>${c.watermark || c.startPosition || '–'}</code>${lag(c.watermarkLagSeconds)}</td>
    <td class="number queue">${c.queue.depth === null ? html`<span class="muted" title="the broker did not answer">?</span>` : count(c.queue.depth)}
      ${!c.enabled && c.queue.depth > 0 && html`<div class="waiting">waiting</div>`}</td>
    <td class="number failures"><a href=${`#/connectors/${seg(c.id)}/failures`}>${count(c.failures.OPEN || 0)} open, ${count(c.failures.PARKED || 0)} parked</a></td>
    <td class="actions">
      <${Action} label="Run now" name="run" kind="primary" busy=${busy} onClick=${() => run('SYNC')} />
      <${Action} label="Preview" name="preview" busy=${busy} onClick=${() => run('PREVIEW')} />
    </td>
  </tr>`;
}

export function schedule(c) {
  const s = c.schedule;
  if (!s.valid) return html`<div class="problem">${s.problems.join('; ')}</div>`;
  return html`<div class="schedule">${s.description}</div>
    ${s.source === 'run-time' && html`<div class="tag run-time" title=${`set by ${s.setBy}; the file's: ${s.file}`}>run-time</div>`}`;
}

export function nextFires(c, limit = 3) {
  const fires = c.schedule.nextFires || [];
  if (!c.enabled) return html`<span class="muted">disabled</span>`;
  if (c.ended) return html`<span class="muted">ended</span>`;
  if (fires.length === 0) return html`<span class="muted">none</span>`;
  return html`<ol class="fires">${fires.slice(0, limit).map((f) => html`<li><time datetime=${f}>${dateTime(f, c.schedule.timeZone)}</time></li>`)}</ol>`;
}

export function runCounts(run) {
  const parts = [`${count(run.gathered)} gathered`, `${count(run.delivered)} delivered`];
  if (run.failed) parts.push(`${count(run.failed)} failed`);
  if (run.skipped) parts.push(`${count(run.skipped)} skipped`);
  if (run.refresh === 'FULL') parts.push(`full refresh: ${count(run.unchanged)} unchanged, ${count(run.deleted)} deletes`);
  return parts.join(', ');
}
