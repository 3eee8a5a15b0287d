// The console's shell: who is logged in, the navigation, and which page the address (#/...) names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.mjs';
import { api } from './api.mjs';
import { Caller, Loading } from './ui.mjs';
import { ConnectorsPage } from './pages/connectors.mjs';
import { ConnectorPage } from './pages/connector.mjs';
import { RunsPage } from './pages/runs.mjs';
import { RunPage } from './pages/run.mjs';

/** The address after '#': a path and its parameters ("#/runs?connector=x"). */
function location() {
  const hash = window.location.hash.replace(/^#/, '') || '/connectors';
  const [path, search] = hash.split('?');
  return { path, params: new URLSearchParams(search || '') };
}

const navigate = (to) => {
  window.location.hash = to;
};

function page({ path, params }) {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'connectors' && parts.length === 1) return html`<${ConnectorsPage} navigate=${navigate} />`;
  if (parts[0] === 'connectors' && parts.length <= 3) {
    return html`<${ConnectorPage} key=${parts[1]} id=${parts[1]} tab=${parts[2] || ''} navigate=${navigate} />`;
  }
  if (parts[0] === 'runs' && parts.length === 1) return html`<${RunsPage} params=${params} navigate=${navigate} />`;
  if (parts[0] === 'runs' && parts.length === 2) return html`<${RunPage} key=${parts[1]} id=${parts[1]} />`;
  return html`<section><h1>Not found</h1><p>The console has no page <code>${path}</code>. <a href="#/connectors">Connectors</a></p></section>`;
}

function App() {
  const [where, setWhere] = useState(location());
  const [caller, setCaller] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const changed = () => setWhere(location());
    window.addEventListener('hashchange', changed);
    api.get('/me').then((me) => setCaller({ ...me, mayAct: me.roles.includes('operator') }), setError);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  if (!caller) return html`<${Loading} error=${error} what="who you are" />`;
  const section = where.path.split('/')[1];
  return html`<${Caller.Provider} value=${caller}>
    <header class="top">
      <a class="brand" href="#/connectors"><img src="./ferry.svg" alt="" width="24" height="24" /> Ferry</a>
      <nav>
        <a href="#/connectors" aria-current=${section === 'connectors' ? 'page' : undefined}>Connectors</a>
        <a href="#/runs" aria-current=${section === 'runs' ? 'page' : undefined}>Runs</a>
      </nav>
      <span class="spacer"></span>
      <span class="caller" title=${caller.mayAct ? 'may act' : 'reads only: actions need the operator role'}>
        ${caller.name} · ${caller.mayAct ? 'operator' : 'reader'}</span>
    </header>
    <main>${page(where)}</main>
  <//>`;
}

render(html`<${App} />`, document.getElementById('app'));
