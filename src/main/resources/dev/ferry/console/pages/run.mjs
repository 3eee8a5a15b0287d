// One run: its status and counts as they change, its watermark before and after, the records that failed with the
// target's answer, and for a preview the sample of what it staged, with Submit and Delete.
import { useState } from 'preact/hooks';
import { html } from '../html.mjs';
import { api, query, seg } from '../api.mjs';
import { usePoll } from '../live.mjs';
import { between, count } from '../format.mjs';
import { Action, Json, Loading, Outcome, Stale, Status, Time, useActions } from '../ui.mjs';
import { Pager } from './connector.mjs';

const PAGE = 50;

export function RunPage({ id }) {
  const [offset, setOffset] = useState(0);
  const { data, error, refresh } = usePoll(
    () => api.get(`/runs/${seg(id)}${query({ failuresOffset: offset, failuresLimit: PAGE })}`), [id, offset]);
  const actions = useActions(refresh);
  if (data === undefined) return html`<${Loading} error=${error} what=${`run ${id}`} />`;
  const { run: r, failures, sample } = data;
  const { act, busy } = actions;
  const submit = () => act('Submit', async () => {
    await api.post(`/runs/${seg(id)}/submit`);
    return `Preview ${id} submitted: exactly its ${count(r.gathered)} staged record(s) are being delivered`;
  });
  const remove = () => act('Delete', async () => {
    await api.del(`/runs/${seg(id)}`);
    return `Preview ${id} deleted: nothing delivered, the watermark stays`;
  });
  return html`<section class="run" data-run=${r.id}>
    <nav class="crumbs"><a href="#/runs">Runs</a> / <a href=${`#/connectors/${seg(r.connector)}`}>${r.connector}</a> / ${r.id}</nav>
    <header class="title">
      <h1>Run ${r.id}${r.mode === 'PREVIEW' ? ' (preview)' : ''}</h1>
      <${Status} status=${r.status} />
      <span class="spacer"></span>
      ${r.status === 'PREVIEW' && html`
        <${Action} label="Submit" name="submit" kind="primary" busy=${busy} onClick=${submit} />
        <${Action} label="Delete" name="delete" kind="danger" busy=${busy} onClick=${remove}
          confirm="Delete this preview? Nothing is delivered and the watermark stays." />`}
    </header>
    <${Stale} error=${error} />
    <${Outcome} ...${actions} />
    <dl class="facts">
      <dt>Connector</dt><dd><a href=${`#/connectors/${seg(r.connector)}`}>${r.connector}</a></dd>
      <dt>Trigger</dt><dd>${r.trigger}, ${r.mode}${r.refresh === 'FULL' ? ', full refresh' : ''}</dd>
      <dt>Created</dt><dd><${Time} iso=${r.createdAt} /></dd>
      <dt>Started</dt><dd><${Time} iso=${r.startedAt} /></dd>
      ${r.submittedAt && html`<dt>Submitted</dt><dd><${Time} iso=${r.submittedAt} /></dd>`}
      <dt>Ended</dt><dd><${Time} iso=${r.endedAt} /></dd>
      <dt>Duration</dt><dd>${between(r.startedAt, r.endedAt)}${r.endedAt ? '' : r.startedAt ? ' so far' : ''}</dd>
      <dt>Watermark before</dt><dd><code>${r.watermarkBefore || '–'}</code></dd>
      <dt>Watermark after</dt><dd><code>${r.watermarkAfter || '–'}</code></dd>
      <dt>Gathered by</dt><dd>${r.gatheredBy || '–'}</dd>
      ${r.deliveredBy.length > 0 && html`<dt>Delivered by</dt><dd>${r.deliveredBy.map((d) => `${d.instance}: ${count(d.delivered)} delivered, ${count(d.failed)} failed`).join('; ')}</dd>`}
      ${r.error && html`<dt>Error</dt><dd class="problem"><pre>${r.error}</pre></dd>`}
    </dl>
    <div class="counters">
      <div class="counter"><span class="value gathered">${count(r.gathered)}</span><span>gathered</span></div>
      <div class="counter"><span class="value delivered">${count(r.delivered)}</span><span>delivered</span></div>
      <div class="counter"><span class=${`value failed${r.failed > 0 ? ' bad' : ''}`}>${count(r.failed)}</span><span>failed</span></div>
      <div class="counter"><span class="value skipped">${count(r.skipped)}</span><span>skipped</span></div>
      ${r.refresh === 'FULL' && html`
        <div class="counter" title="rows read whose content the target already has: not sent"><span class="value unchanged">${count(r.unchanged)}</span><span>unchanged</span></div>
        <div class="counter" title="keys gone from the source, sent as deletes (among the gathered)"><span class="value deleted">${count(r.deleted)}</span><span>deletes</span></div>`}
    </div>
    ${sample && sample.length > 0 && html`
      <h2>Staged records <span class="muted">(a sample of ${count(sample.length)} of ${count(r.gathered)})</span></h2>
      <table class="grid sample">
        <thead><tr><th>Key</th><th>Version</th><th>Operation</th><th>Record</th></tr></thead>
        <tbody>${sample.map((s) => html`<tr data-key=${s.key}>
          <th scope="row"><code>${s.key}</code></th><td><code>${s.version}</code></td><td>${s.operation}</td><td><${Json} value=${s.record} /></td>
        </tr>`)}</tbody>
      </table>`}
    <h2>Failed records <span class="muted">(${count(failures.total)})</span></h2>
    <table class="grid failures">
      <thead><tr><th>Record</th><th>Version</th><th>HTTP</th><th>Target's answer / error</th><th>Failed</th></tr></thead>
      <tbody>
        ${failures.items.length === 0 && html`<tr><td colspan="5" class="muted">No record failed in this run.</td></tr>`}
        ${failures.items.map((f) => html`<tr data-key=${f.recordKey}>
          <th scope="row"><a href=${`#/connectors/${seg(r.connector)}/failures`}><code>${f.recordKey}</code></a></th>
          <td><code>${f.recordVersion}</code></td><td class="http">${f.httpStatus ?? '–'}</td>
          <td class="error"><pre>${f.error}</pre></td><td><${Time} iso=${f.failedAt} /></td>
        </tr>`)}
      </tbody>
    </table>
    <${Pager} page=${failures} onOffset=${setOffset} />
  </section>`;
}
