// One connector: its state and schedule, its recent runs, its failure ledger and its position (watermark).
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, query, seg } from '../api.mjs';
import { usePoll } from '../live.mjs';
import { count, duration } from '../format.mjs';
import { Action, Loading, Outcome, Stale, Time, Toggle, useActions } from '../ui.mjs';
import { nextFires, runCounts, schedule } from './connectors.mjs';
import { RunsTable } from './runs.mjs';
import { SchedulePage } from './schedule.mjs';

const TABS = [['', 'Overview'], ['schedule', 'Schedule'], ['failures', 'Failures'], ['position', 'Position']];

/** The watermark's lag (now minus the newest change queued) when the cursor is a time. */
export function lag(seconds) {
  if (seconds === null || seconds === undefined) return null;
  return html`<div class="lag muted" title="now minus the newest change the connector has queued">${duration(seconds * 1000)} behind</div>`;
}

export function ConnectorPage({ id, tab = '', navigate }) {
  const { data: c, error, refresh } = usePoll(() => api.get(`/connectors/${seg(id)}`), [id]);
  const actions = useActions(refresh);
  if (c === undefined) return html`<${Loading} error=${error} what=${`connector ${id}`} />`;
  const { act, busy } = actions;
  const run = (mode) => act(mode === 'PREVIEW' ? 'Preview' : 'Run now', async () => {
    const started = await api.post(`/connectors/${seg(id)}/runs`, { mode });
    navigate(`/runs/${started.id}`);
    return `${mode === 'PREVIEW' ? 'Preview' : 'Run'} ${started.id} started`;
  });
  const toggle = () => act(c.enabled ? 'Disable' : 'Enable', async () => {
    await api.post(`/connectors/${seg(id)}/${c.enabled ? 'disable' : 'enable'}`);
    return c.enabled ? `${id} disabled: no runs start and queued records wait` : `${id} enabled`;
  });
  return html`<section class="connector" data-connector=${id}>
    <nav class="crumbs"><a href="#/connectors">Connectors</a> / ${id}</nav>
    <header class="title">
      <h1>${id}</h1>
      <${Toggle} on=${c.enabled} label=${`${id} enabled`} busy=${busy} onChange=${toggle} />
      <span class="spacer"></span>
      <${Action} label="Run now" name="run" kind="primary" busy=${busy} onClick=${() => run('SYNC')} />
      <${Action} label="Preview" name="preview" busy=${busy} onClick=${() => run('PREVIEW')} />
    </header>
    <${Stale} error=${error} />
    <${Outcome} ...${actions} />
    <nav class="tabs" role="tablist">
      ${TABS.map(([key, label]) => html`<a role="tab" aria-selected=${tab === key}
        href=${`#/connectors/${seg(id)}${key ? `/${key}` : ''}`}>${label}${key === 'failures' ? ` (${count((c.failures.OPEN || 0) + (c.failures.PARKED || 0))})` : ''}</a>`)}
    </nav>
    ${tab === 'failures' ? html`<${Failures} id=${id} refreshConnector=${refresh} />`
      : tab === 'position' ? html`<${Position} connector=${c} refreshConnector=${refresh} />`
      : tab === 'schedule' ? html`<${SchedulePage} connector=${c} refreshConnector=${refresh} />`
      : html`<${Overview} connector=${c} actions=${actions} />`}
  </section>`;
}

/** What the connector's runs read: changes or everything, and when a scheduled one reads everything. */
function refresh(c) {
  const r = c.refresh;
  if (!r) return '–';
  if (r.fullRefreshProblems.length > 0) return html`<span class="problem">${r.fullRefreshProblems.join('; ')}</span>`;
  if (r.scheduled === 'FULL') return `every row each run (full refresh), deletes up to ${r.deleteLimit} % of the keys`;
  const changes = 'what changed';
  if (!r.fullRefreshSchedule) return r.keyRegistry ? `${changes}; keeps the key registry for full refreshes` : changes;
  return html`${changes}; every row after ${r.fullRefreshSchedule}, next <${Time} iso=${r.nextFullRefresh} />`;
}

function Overview({ connector: c, actions }) {
  const { act, busy } = actions;
  const activate = () => act('Activate', async () => {
    await api.post(`/connectors/${seg(c.id)}/activate`);
    return `${c.id} activated: its scheduled runs count from zero`;
  });
  const runs = usePoll(() => api.get(`/runs${query({ connector: c.id, limit: 10 })}`), [c.id]);
  return html`<div class="overview">
    <dl class="facts">
      <dt>State</dt><dd class="state">${c.enabled ? 'enabled' : 'disabled'}${c.ended ? html`, ended${c.endedReason ? ` (${c.endedReason})` : ''}
        <${Time} iso=${c.endedAt} /> <${Action} label="Activate" name="activate" busy=${busy} onClick=${activate} />` : ''}
        ${c.changedBy && html`<span class="muted"> — changed by ${c.changedBy} <${Time} iso=${c.changedAt} /></span>`}</dd>
      ${c.rejected && html`<dt>File</dt><dd class="problem">${c.rejected}</dd>`}
      <dt>Schedule</dt><dd>${schedule(c)}</dd>
      <dt>Next fires</dt><dd>${nextFires(c, 5)}</dd>
      <dt>Skipped fires</dt><dd>${count(c.skippedFires)}</dd>
      <dt>Reads</dt><dd>${refresh(c)}</dd>
      <dt>Watermark</dt><dd><code>${c.watermark || '–'}</code>${c.watermark ? '' : html` <span class="muted">(starts at ${c.startPosition})</span>`}${lag(c.watermarkLagSeconds)}</dd>
      <dt>Queue</dt><dd class="queue"><code>${c.queue.name}</code>: ${c.queue.depth === null ? 'the broker did not answer' : `${count(c.queue.depth)} queued`}
        ${!c.enabled && c.queue.depth > 0 && html`<span class="waiting"> waiting until the connector is enabled</span>`}</dd>
      <dt>Failures</dt><dd><a href=${`#/connectors/${seg(c.id)}/failures`}>${count(c.failures.OPEN || 0)} open, ${count(c.failures.PARKED || 0)} parked, ${count(c.failures.RESOLVED || 0)} resolved</a></dd>
      <dt>Processing</dt><dd>${c.processingRun ? html`<a href=${`#/runs/${c.processingRun}`}>run ${c.processingRun}</a>` : html`<span class="muted">no run</span>`}
        ${c.pendingPreview && html` · <a href=${`#/runs/${c.pendingPreview}`}>preview ${c.pendingPreview} awaits review</a>`}</dd>
      ${c.lastRun && html`<dt>Last run</dt><dd>${runCounts(c.lastRun)}</dd>`}
    </dl>
    <h2>Recent runs <a class="more" href=${`#/runs${query({ connector: c.id })}`}>all runs</a></h2>
    ${runs.data === undefined ? html`<${Loading} error=${runs.error} what="the runs" />` : html`<${RunsTable} runs=${runs.data.items} showConnector=${false} />`}
  </div>`;
}

const STATUSES = ['OPEN', 'PARKED', 'RESOLVED'];
const PAGE = 50;

function Failures({ id, refreshConnector }) {
  const [status, setStatus] = useState('OPEN');
  const [offset, setOffset] = useState(0);
  const { data, error, refresh } = usePoll(
    () => api.get(`/connectors/${seg(id)}/failures${query({ status, offset, limit: PAGE })}`), [id, status, offset]);
  const actions = useActions(() => { refresh(); refreshConnector(); });
  const { act, busy } = actions;
  const change = (key, verb) => act(`${verb === 'park' ? 'Park' : 'Re-queue'} ${key}`, async () => {
    await api.post(`/connectors/${seg(id)}/failures/${seg(key)}/${verb}`);
    return verb === 'park' ? `${key} parked: kept, not retried until re-queued` : `${key} re-queued: the next run gathers it again`;
  });
  const requeueAll = () => act('Re-queue all parked', async () => {
    const { requeued } = await api.post(`/connectors/${seg(id)}/failures/requeue`);
    return `${count(requeued)} parked record(s) re-queued: the next run gathers them again`;
  });
  return html`<div class="failures">
    <div class="toolbar">
      <div class="segmented" role="group" aria-label="Status">
        ${STATUSES.map((s) => html`<button type="button" aria-pressed=${status === s} onClick=${() => { setStatus(s); setOffset(0); }}>${s.toLowerCase()}</button>`)}
        <button type="button" aria-pressed=${status === ''} onClick=${() => { setStatus(''); setOffset(0); }}>all</button>
      </div>
      <span class="spacer"></span>
      <${Action} label="Re-queue all parked" name="requeue-all" busy=${busy} onClick=${requeueAll}
        confirm="Re-queue every parked record of this connector? The next run gathers them again." />
    </div>
    <${Outcome} ...${actions} />
    ${data === undefined ? html`<${Loading} error=${error} what="the failure ledger" />` : html`
    <${Stale} error=${error} />
    <table class="grid">
      <thead><tr><th>Record</th><th>Status</th><th class="number">Attempts</th><th>HTTP</th><th>Target's answer / error</th><th>Last failed</th><th>Run</th><th></th></tr></thead>
      <tbody>
        ${data.items.length === 0 && html`<tr><td colspan="8" class="muted">No ${status ? status.toLowerCase() : ''} failed record.</td></tr>`}
        ${data.items.map((f) => html`<tr data-key=${f.recordKey}>
          <th scope="row"><code>${f.recordKey}</code><div class="muted">${f.recordVersion}</div></th>
          <td><span class=${`status status-${f.status}`}>${f.status}</span></td>
          <td class="number">${count(f.attempts)}</td>
          <td class="http">${f.httpStatus ?? '–'}</td>
          <td class="error"><pre>${f.lastError}</pre></td>
          <td><${Time} iso=${f.lastFailedAt} /></td>
          <td><a href=${`#/runs/${f.runId}`}>${f.runId}</a></td>
          <td class="actions">
            ${f.status === 'OPEN' && html`<${Action} label="Park" name="park" busy=${busy} onClick=${() => change(f.recordKey, 'park')} />`}
            ${f.status === 'PARKED' && html`<${Action} label="Re-queue" name="requeue" busy=${busy} onClick=${() => change(f.recordKey, 'requeue')} />`}
          </td>
        </tr>`)}
      </tbody>
    </table>
    <${Pager} page=${data} onOffset=${setOffset} />`}
  </div>`;
}

export function Pager({ page, onOffset }) {
  if (page.total <= page.limit && page.offset === 0) return null;
  const last = Math.min(page.offset + page.items.length, page.total);
  return html`<div class="pager">
    <button type="button" disabled=${page.offset === 0} onClick=${() => onOffset(Math.max(0, page.offset - page.limit))}>Newer</button>
    <span>${count(page.offset + 1)}–${count(last)} of ${count(page.total)}</span>
    <button type="button" disabled=${last >= page.total} onClick=${() => onOffset(page.offset + page.limit)}>Older</button>
  </div>`;
}

function Position({ connector: c, refreshConnector }) {
  const changes = usePoll(() => api.get(`/connectors/${seg(c.id)}/position-changes`), [c.id]);
  const [position, setPosition] = useState('');
  const [reason, setReason] = useState('');
  const [check, setCheck] = useState(null);
  const actions = useActions(() => { changes.refresh(); refreshConnector(); });
  const { act, busy } = actions;
  const checked = check && check.position === position.trim();
  const dryRun = () => act('Dry run', async () => {
    const result = await api.post(`/connectors/${seg(c.id)}/position/dry-run`, { position: position.trim() });
    setCheck(result);
    return `Moving to ${result.position} would gather ${count(result.rows)} row(s) now`;
  });
  const move = () => act('Move the position', async () => {
    const moved = await api.put(`/connectors/${seg(c.id)}/position`, { position: position.trim(), reason: reason.trim() });
    setPosition('');
    setReason('');
    setCheck(null);
    return `${c.id}'s watermark is now ${moved.watermark || 'the beginning'}`;
  });
  return html`<div class="position">
    <dl class="facts">
      <dt>Watermark</dt><dd><code>${c.watermark || '–'}</code>${lag(c.watermarkLagSeconds)}</dd>
      <dt>Start position</dt><dd><code>${c.startPosition}</code> <span class="muted">(where a connector without a watermark starts)</span></dd>
    </dl>
    <h2>Move the position</h2>
    <form class="move" onSubmit=${(e) => { e.preventDefault(); if (checked) move(); else dryRun(); }}>
      <label>New position <input name="position" value=${position} required placeholder="beginning, now, or a cursor value"
        onInput=${(e) => setPosition(e.currentTarget.value)} /></label>
      <label>Reason <input name="reason" value=${reason} required placeholder="why, for the audit"
        onInput=${(e) => setReason(e.currentTarget.value)} /></label>
      <${Action} label="Dry run" name="dry-run" busy=${busy || !position.trim()} onClick=${dryRun} />
      <${Action} label="Move" name="move" kind="primary" busy=${busy || !checked || !reason.trim()} onClick=${move} />
    </form>
    ${checked && check.rows < 0 && html`<p class="dry-run">${'From '}<code>${check.watermark || 'the beginning'}</code>${' a run would ask the API for the records changed since; how many it cannot tell without reading them. The current watermark is '}<code>${check.currentWatermark || 'the beginning'}</code>.</p>`}
    ${checked && check.rows >= 0 && html`<p class="dry-run">${'From '}<code>${check.watermark || 'the beginning'}</code>${' a run would gather '}<strong class="rows">${count(check.rows)}</strong>${' row(s) now; from the current watermark '}<code>${check.currentWatermark || 'the beginning'}</code>${`, ${count(check.rowsFromCurrent)}.`}</p>`}
    ${!checked && position.trim() && html`<p class="muted">A dry run first: it says how many rows the move would gather.</p>`}
    <${Outcome} ...${actions} />
    <h2>Audit trail</h2>
    ${changes.data === undefined ? html`<${Loading} error=${changes.error} what="the position's audit" />` : html`
    <table class="grid">
      <thead><tr><th>When</th><th>By</th><th>From</th><th>To</th><th>Reason</th></tr></thead>
      <tbody>
        ${changes.data.length === 0 && html`<tr><td colspan="5" class="muted">The position was never moved.</td></tr>`}
        ${[...changes.data].reverse().map((ch) => html`<tr>
          <td><${Time} iso=${ch.changedAt} /></td><td>${ch.changedBy}</td>
          <td><code>${ch.oldPosition || '–'}</code></td><td><code>${ch.newPosition}</code></td><td>${ch.reason}</td>
        </tr>`)}
      </tbody>
    </table>`}
  </div>`;
}
