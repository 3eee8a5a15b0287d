// Runs: every sync and preview, newest first, filtered by connector, status and time.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, query } from '../api.mjs';
import { usePoll } from '../live.mjs';
import { between, count } from '../format.mjs';
import { Loading, Stale, Status, Time } from '../ui.mjs';
import { Pager } from './connector.mjs';

export const RUN_STATUSES = ['CREATED', 'PROCESSING', 'SUBMITTED', 'PREVIEW', 'COMPLETED', 'INCOMPLETE', 'FAILED', 'DELETED'];
const PAGE = 50;

/** A datetime-local field's value (the browser's zone) as an instant, or undefined. */
const instant = (local) => (local ? new Date(local).toISOString() : undefined);

export function RunsPage({ params, navigate }) {
  const filter = {
    connector: params.get('connector') || '',
    status: params.get('status') || '',
    from: params.get('from') || '',
    to: params.get('to') || '',
  };
  const [offset, setOffset] = useState(0);
  const connectors = usePoll(() => api.get('/connectors'), []);
  const { data, error } = usePoll(() => api.get(`/runs${query({
    connector: filter.connector, status: filter.status, from: instant(filter.from), to: instant(filter.to), offset, limit: PAGE,
  })}`), [filter.connector, filter.status, filter.from, filter.to, offset]);
  const set = (name, value) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value); else next.delete(name);
    setOffset(0);
    navigate(`/runs${next.toString() ? `?${next}` : ''}`);
  };
  return html`<section>
    <h1>Runs</h1>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Connector <select name="connector" value=${filter.connector} onChange=${(e) => set('connector', e.currentTarget.value)}>
        <option value="">all</option>
        ${(connectors.data || []).map((c) => html`<option value=${c.id}>${c.id}</option>`)}
        ${filter.connector && !(connectors.data || []).some((c) => c.id === filter.connector) && html`<option value=${filter.connector}>${filter.connector}</option>`}
      </select></label>
      <label>Status <select name="status" value=${filter.status} onChange=${(e) => set('status', e.currentTarget.value)}>
        <option value="">all</option>
        ${RUN_STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select></label>
      <label>Created from <input type="datetime-local" name="from" value=${filter.from} onChange=${(e) => set('from', e.currentTarget.value)} /></label>
      <label>to <input type="datetime-local" name="to" value=${filter.to} onChange=${(e) => set('to', e.currentTarget.value)} /></label>
    </form>
    ${data === undefined ? html`<${Loading} error=${error} what="the runs" />` : html`
      <${Stale} error=${error} />
      <${RunsTable} runs=${data.items} showConnector=${true} />
      <${Pager} page=${data} onOffset=${setOffset} />`}
  </section>`;
}

export function RunsTable({ runs, showConnector }) {
  return html`<table class="grid runs">
    <thead><tr>
      <th>Run</th>${showConnector && html`<th>Connector</th>`}<th>Status</th><th>Trigger</th><th>Created</th><th>Duration</th>
      <th class="number">Gathered</th><th class="number">Delivered</th><th class="number">Failed</th><th class="number">Skipped</th>
    </tr></thead>
    <tbody>
      ${runs.length === 0 && html`<tr><td colspan=${showConnector ? 10 : 9} class="muted">No run.</td></tr>`}
      ${runs.map((r) => html`<tr data-run=${r.id}>
        <th scope="row"><a href=${`#/runs/${r.id}`}>${r.id}</a>${r.mode === 'PREVIEW' && html` <span class="tag">preview</span>`}${r.refresh === 'FULL' && html` <span class="tag" title="read every row; sent what changed and the deletes">full</span>`}</th>
        ${showConnector && html`<td><a href=${`#/connectors/${encodeURIComponent(r.connector)}`}>${r.connector}</a></td>`}
        <td><${Status} status=${r.status} /></td>
        <td>${r.trigger}</td>
        <td><${Time} iso=${r.createdAt} /></td>
        <td>${between(r.startedAt, r.endedAt)}</td>
        <td class="number gathered">${count(r.gathered)}</td>
        <td class="number delivered">${count(r.delivered)}</td>
        <td class="number failed">${count(r.failed)}</td>
        <td class="number">${count(r.skipped)}</td>
      </tr>`)}
    </tbody>
  </table>`;
}
