// The console's shared pieces: who is logged in, statuses, times, action buttons and the outcome of an action.
import { createContext } from 'preact';
import { useCallback, useContext, useState } from 'preact/hooks';
import { html } from './html.mjs';
import { dateTime, relative } from './format.mjs';

/** The caller ({name, roles}) and whether it may act: the operator role. */
export const Caller = createContext({ name: '', roles: [], mayAct: false });
export const useCaller = () => useContext(Caller);

export const OPERATOR_ONLY = 'needs the operator role';

export function Status({ status }) {
  if (!status) return html`<span class="muted">–</span>`;
  return html`<span class=${`status status-${status}`}>${status}</span>`;
}

/** An instant in the browser's zone (or the given one), with how far it is from now as its tooltip. */
export function Time({ iso, zone }) {
  if (!iso) return html`<span class="muted">–</span>`;
  return html`<time datetime=${iso} title=${relative(iso)}>${dateTime(iso, zone)}</time>`;
}

/** A button for an action: disabled while it runs and for a caller without the operator role. */
export function Action({ label, onClick, busy, kind = 'secondary', name, confirm: question }) {
  const { mayAct } = useCaller();
  const click = () => {
    if (question && !window.confirm(question)) return;
    onClick();
  };
  return html`<button type="button" class=${`button ${kind}`} name=${name || label} disabled=${!mayAct || busy}
      title=${mayAct ? '' : OPERATOR_ONLY} onClick=${click}>${label}</button>`;
}

/** An on/off switch (a checkbox with the switch role): disabled while an action runs and for a reader. */
export function Toggle({ on, label, busy, onChange }) {
  const { mayAct } = useCaller();
  return html`<label class="switch" title=${mayAct ? '' : OPERATOR_ONLY}>
    <input type="checkbox" role="switch" aria-label=${label} checked=${on} disabled=${!mayAct || busy}
      onChange=${(e) => { e.currentTarget.checked = on; onChange(); }} />
    <span>${on ? 'on' : 'off'}</span>
  </label>`;
}

/**
 * Runs operators' actions and says how each ended: `act(label, fn)` calls fn (an API call), then shows what it
 * answered (fn's result, as text) or the API's error, and calls `after` (usually the view's refresh).
 */
export function useActions(after) {
  const [busy, setBusy] = useState(null);
  const [outcome, setOutcome] = useState(null);
  const act = useCallback(async (label, fn) => {
    setBusy(label);
    setOutcome(null);
    try {
      const said = await fn();
      setOutcome({ ok: true, text: typeof said === 'string' ? said : `${label}: done` });
    } catch (e) {
      setOutcome({ ok: false, text: `${label}: ${e.status ? `${e.status} ` : ''}${e.message}` });
    } finally {
      setBusy(null);
      if (after) after();
    }
  }, [after]);
  return { act, busy, outcome, clear: () => setOutcome(null) };
}

export function Outcome({ outcome, clear }) {
  if (!outcome) return null;
  return html`<div class=${outcome.ok ? 'outcome ok' : 'outcome error'} role=${outcome.ok ? 'status' : 'alert'}>
    <span>${outcome.text}</span>
    <button type="button" class="dismiss" aria-label="Dismiss" onClick=${clear}>×</button>
  </div>`;
}

/** A view's state while it loads or when the API does not answer. */
export function Loading({ error, what }) {
  if (error) {
    return html`<div class="outcome error" role="alert">${what} could not be read: ${error.status ? `${error.status} ` : ''}${error.message}</div>`;
  }
  return html`<p class="loading">Loading ${what}…</p>`;
}

/** A stale-data warning above a view whose last poll failed while older data are still shown. */
export function Stale({ error }) {
  if (!error) return null;
  return html`<div class="outcome warning" role="status">Not current: ${error.status ? `${error.status} ` : ''}${error.message}</div>`;
}

/** A record as the target receives it, indented. */
export function Json({ value }) {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}
