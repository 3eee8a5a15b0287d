// The console for a reader, for a caller without credentials and for another site's page: a reader sees every page
// and no action works for it; without credentials nothing is served; a cross-site POST is refused; and no page
// loads anything from another origin.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, assertClean, basic, ferry, launch, open, reader, target } from './browser.mjs';

describe('the console for a reader', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    page = await open(browser, reader);
  });

  after(async () => {
    if (page) assertClean(page);
    await browser?.close();
  });

  it('shows every page, with every action switched off', async () => {
    await page.locator('tr[data-connector="customers-to-erp"]').waitFor();
    assert.match(await page.locator('.caller').textContent(), /rita · reader/);
    const run = await api('POST', '/connectors/invoices-to-erp/runs', {});
    assert.equal(run.status, 202);
    const pages = ['#/connectors', '#/connectors/invoices-to-erp', '#/connectors/invoices-to-erp/failures',
      '#/connectors/invoices-to-erp/position', '#/runs', `#/runs/${run.body.id}`];
    for (const hash of pages) {
      await page.goto(`${ferry}/console/${hash}`);
      await page.locator('main h1').waitFor();
      await page.waitForFunction(() => !document.querySelector('.loading'));
      assert.equal(await page.locator('main .outcome.error').count(), 0, `${hash} shows an error`);
      const controls = page.locator('main button.button, main input[role="switch"]');
      for (let i = 0; i < await controls.count(); i++) {
        assert.equal(await controls.nth(i).isDisabled(), true, `${hash}: ${await controls.nth(i).getAttribute('name')} is enabled for a reader`);
      }
    }
  });

  it("gets the API's 403 for an action whose control is forced on", async () => {
    await page.goto(`${ferry}/console/#/connectors`);
    const button = page.locator('tr[data-connector="customers-to-erp"] button[name="run"]');
    await button.waitFor();
    await button.evaluate((b) => { b.disabled = false; });
    await button.click();
    const outcome = page.locator('.outcome.error');
    await outcome.waitFor();
    assert.match(await outcome.textContent(), /403 user rita may not do this: it needs the operator role/);
    const forced = await page.evaluate(async () => (await fetch('/api/connectors/customers-to-erp/disable', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
    })).status);
    assert.equal(forced, 403);
    assert.equal((await api('GET', '/connectors/customers-to-erp')).body.enabled, true);
  });
});

describe('the console without credentials, and from another site', () => {
  it('answers 401 to a browser without credentials, before anything is served', async () => {
    const bare = await fetch(`${ferry}/console/`);
    assert.equal(bare.status, 401);
    assert.match(bare.headers.get('www-authenticate'), /^Basic realm="ferry"/);
    assert.doesNotMatch(await bare.text(), /<html/i);
    for (const path of ['/console/app.mjs', '/console/vendor/preact.mjs', '/api/me']) {
      assert.equal((await fetch(`${ferry}${path}`)).status, 401, path);
    }
    const browser = await launch();
    try {
      const context = await browser.newContext();
      const anonymous = await context.newPage();
      const statuses = [];
      anonymous.on('response', (r) => statuses.push(r.status()));
      // with no credentials to give, Chromium gives up on the challenge: the page shows nothing of the console
      await assert.rejects(anonymous.goto(`${ferry}/console/`), /ERR_INVALID_AUTH_CREDENTIALS/);
      assert.deepEqual(statuses, [401]);
    } finally {
      await browser.close();
    }
  });

  it("refuses a POST that another site's page sends with the operator's login", async () => {
    // a page of another origin (the target's) that submits a form to Ferry as soon as it opens
    const attack = await target.stub({
      request: { method: 'GET', url: '/attack.html' },
      response: {
        status: 200, headers: { 'Content-Type': 'text/html' },
        body: `<form method="post" enctype="text/plain" action="${ferry}/api/connectors/customers-to-erp/disable">`
          + '<input name=\'{"x":"\' value=\'"}\'></form><script>document.forms[0].submit()</script>',
      },
    });
    const browser = await launch();
    try {
      const context = await browser.newContext({ httpCredentials: { ...operatorFromEnv() } });
      const page = await context.newPage();
      const refused = page.waitForResponse((r) => r.url().endsWith('/api/connectors/customers-to-erp/disable'));
      await page.goto(`${process.env.FERRY_TARGET_ADMIN}/attack.html`);
      const response = await refused;
      assert.equal(response.status(), 403);
      assert.match(await response.text(), /cross-site|another site|origin/i);
      assert.equal((await api('GET', '/connectors/customers-to-erp')).body.enabled, true);
    } finally {
      await browser.close();
      await target.unstub(attack);
    }
  });

  it("sends the console's files with a policy that allows only Ferry's own", async () => {
    const response = await fetch(`${ferry}/console/`, { headers: { Authorization: basic(reader) } });
    assert.equal(response.status, 200);
    const policy = response.headers.get('content-security-policy');
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.match(policy, /connect-src 'self'/);
    assert.match(policy, /frame-ancestors 'none'/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https?:/);
  });
});

function operatorFromEnv() {
  const [username, password] = process.env.FERRY_OPERATOR.split(':');
  return { username, password };
}
