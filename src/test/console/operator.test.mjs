// The console as an operator uses it, against a running Ferry with the demo connectors delivering to a WireMock
// target (ConsoleBrowserTest starts both). The tests run in order and share that Ferry.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, assertClean, eventually, launch, open, operator, target } from './browser.mjs';

const row = (id) => `tr[data-connector="${id}"]`;

/** A row's last run: its id and status as the page shows them now. */
async function lastRun(page, id) {
  const link = page.locator(`${row(id)} .last-run a[href^="#/runs/"]`).first();
  if (await link.count() === 0) return null;
  return { id: (await link.getAttribute('href')).split('/').pop(), status: (await link.textContent()).trim() };
}

/** Clicks an action and returns the outcome the console shows for it. */
async function act(page, locator) {
  await locator.click();
  const outcome = page.locator('.outcome').first();
  await outcome.waitFor();
  return (await outcome.textContent()).trim();
}

async function patchCustomer(id, change) {
  const r = await fetch(`${process.env.FERRY_URL}/demo/source/customers/${id}`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`${operator.username}:${operator.password}`).toString('base64')}` },
    body: JSON.stringify(change),
  });
  assert.equal(r.status, 200, await r.text());
}

describe('the operator console', () => {
  let browser;
  let page;

  before(async () => {
    browser = await launch();
    page = await open(browser, operator);
    await page.evaluate(() => { window.loadedOnce = true; });
  });

  after(async () => {
    if (page) assertClean(page);
    await browser?.close();
  });

  it('lists the demo connectors with their next fires', async () => {
    for (const id of ['customers-to-erp', 'invoices-to-erp', 'payments-to-billing']) {
      await page.locator(row(id)).waitFor();
      const fires = await page.locator(`${row(id)} ol.fires li time`).allTextContents();
      assert.ok(fires.length >= 1, `${id} shows no next fire`);
      for (const fire of fires) assert.match(fire, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    assert.equal(await page.locator('table.connectors tbody tr').count(), 3);
  });

  it('runs a connector now, and shows the run reach COMPLETED without a reload', async () => {
    const said = await act(page, page.locator(`${row('invoices-to-erp')} button[name="run"]`));
    const [, runId] = said.match(/Run (\d+) of invoices-to-erp started/) || [];
    assert.ok(runId, `the console said: ${said}`);
    await page.waitForFunction((id) => {
      const link = document.querySelector(`tr[data-connector="invoices-to-erp"] .last-run a[href="#/runs/${id}"]`);
      return link && link.textContent.trim() === 'COMPLETED';
    }, runId, { timeout: 60_000 });
    assert.match(await page.locator(`${row('invoices-to-erp')} .last-run .counts`).textContent(), /120 gathered, 120 delivered/);
    assert.equal(await page.evaluate(() => window.loadedOnce), true, 'the page was reloaded');
    await eventually(async () => (await target.received('/erp/invoices')).length === 120, 'the target has the 120 invoices');
  });

  it('shows a preview\'s sample, and Submit delivers exactly what it staged', async () => {
    await page.locator(`${row('customers-to-erp')} button[name="preview"]`).click();
    await page.waitForURL(/#\/runs\/\d+$/);
    const runId = page.url().split('/').pop();
    await page.locator('.run .status-PREVIEW').waitFor({ timeout: 60_000 });
    const sample = page.locator('table.sample tbody tr');
    await sample.first().waitFor();
    assert.equal(await sample.count(), 10);
    const shownKey = await sample.first().getAttribute('data-key');
    assert.match(await sample.first().locator('pre.json').textContent(), /"email"/);

    // changed at the source after the preview: Submit still delivers the record as staged
    await patchCustomer(42, { email: 'changed-after-preview@example.com' });
    await act(page, page.locator('button[name="submit"]'));
    await page.locator('.run .status-COMPLETED').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('.counter .delivered').textContent(), '60');

    // every staged record, once: posted, or deleted when it was a delete at the source
    const { received, deleted } = await eventually(async () => {
      const posted = await target.received('/erp/customers');
      const gone = await target.deleted('/erp/customers');
      return posted.length + gone.length >= 60 && { received: posted, deleted: gone };
    }, 'the target has the 60 customers');
    const numbers = [...received.map((c) => c.customerNumber), ...deleted];
    assert.equal(numbers.length, 60);
    assert.equal(new Set(numbers).size, 60);
    const c42 = received.find((c) => c.customerNumber === 'C-000042');
    assert.notEqual(c42.contact.email, 'changed-after-preview@example.com');
    assert.ok(numbers.includes(`C-${shownKey.padStart(6, '0')}`), `sample record ${shownKey} not delivered`);
    const run = await api('GET', `/runs/${runId}`);
    assert.equal(run.body.run.delivered, 60);
  });

  it('shows a record the target refused with its message, and delivers it once re-queued', async () => {
    const refusal = await target.stub({
      priority: 1,
      request: { method: 'POST', url: '/erp/customers', bodyPatterns: [{ contains: 'C-000007' }] },
      response: { status: 422, headers: { 'Content-Type': 'application/json' }, jsonBody: { error: 'customer C-000007: the ERP needs a VAT number' } },
    });
    await patchCustomer(7, { email: 'c7@example.com' });
    await patchCustomer(8, { email: 'c8@example.com' });
    await page.goto(`${process.env.FERRY_URL}/console/#/connectors`);

    const said = await act(page, page.locator(`${row('customers-to-erp')} button[name="run"]`));
    const [, runId] = said.match(/Run (\d+) of customers-to-erp started/) || [];
    await eventually(async () => (await lastRun(page, 'customers-to-erp'))?.id === runId
      && ['COMPLETED', 'INCOMPLETE'].includes((await lastRun(page, 'customers-to-erp')).status), `run ${runId} ended on screen`, 60_000);

    await page.click(`${row('customers-to-erp')} .last-run a[href="#/runs/${runId}"]`);
    const failed = page.locator('table.failures tr[data-key="7"]');
    await failed.waitFor();
    assert.equal((await failed.locator('.http').textContent()).trim(), '422');
    assert.match(await failed.locator('.error').textContent(), /the ERP needs a VAT number/);

    await page.goto(`${process.env.FERRY_URL}/console/#/connectors/customers-to-erp/failures`);
    const open = page.locator('.failures tr[data-key="7"]');
    await open.waitFor();
    assert.match(await act(page, open.locator('button[name="park"]')), /7 parked/);
    await page.click('.segmented button:text("parked")');
    await page.locator('.failures tr[data-key="7"] .status-PARKED').waitFor();

    await target.unstub(refusal);
    assert.match(await act(page, page.locator('.failures tr[data-key="7"] button[name="requeue"]')), /7 re-queued/);
    await page.locator('header.title button[name="run"]').click();
    await page.waitForURL(/#\/runs\/\d+$/);
    await page.locator('.run .status-COMPLETED').waitFor({ timeout: 60_000 });
    await eventually(async () => (await target.received('/erp/customers'))
      .some((c) => c.customerNumber === 'C-000007' && c.contact.email === 'c7@example.com'), 'C-000007 delivered as changed');
    const ledger = await api('GET', '/connectors/customers-to-erp/failures/7');
    assert.equal(ledger.body.status, 'RESOLVED');
  });

  it('moves a position after a dry run that says what it would gather, and audits who and why', async () => {
    await page.goto(`${process.env.FERRY_URL}/console/#/connectors/customers-to-erp/position`);
    await page.fill('input[name="position"]', 'beginning');
    await page.fill('input[name="reason"]', 'the ERP was restored from a backup');
    assert.equal(await page.locator('button[name="move"]').isDisabled(), true, 'Move before a dry run');
    await act(page, page.locator('button[name="dry-run"]'));
    assert.equal(await page.locator('.dry-run .rows').textContent(), '60');
    assert.match(await page.locator('.dry-run').textContent(), /current watermark .*, 0\.$/s);
    assert.match(await act(page, page.locator('button[name="move"]')), /watermark is now the beginning/);
    const audit = page.locator('.position table tbody tr').first();
    await eventually(async () => /olga/.test(await audit.textContent()), 'the move in the audit trail');
    assert.match(await audit.textContent(), /the ERP was restored from a backup/);
    const connector = await api('GET', '/connectors/customers-to-erp');
    assert.equal(connector.body.watermark, null);
  });

  it('edits a schedule: Ferry\'s message for an invalid one, the next fires of a valid one, saved in force and audited', async () => {
    await page.goto(`${process.env.FERRY_URL}/console/#/connectors/customers-to-erp/schedule`);
    await page.locator('.schedule-editor .in-force').waitFor();
    assert.match(await page.locator('.schedule-editor .source').textContent(), /file/);

    await page.selectOption('select[name="form"]', 'every');
    await page.fill('input[name="every"]', '7 parsecs');
    await page.fill('input[name="reason"]', 'business hours only');
    const message = page.locator('.field-problem[data-key="every"]');
    await message.waitFor();
    assert.ok((await message.textContent()).length > 10, 'no message from Ferry');
    assert.equal(await page.locator('button[name="save"]').isDisabled(), true, 'an invalid schedule can be saved');

    await page.fill('input[name="every"]', '30m');
    await page.fill('input[name="between"]', '08:00-17:00');
    for (const day of ['MON', 'TUE', 'WED', 'THU', 'FRI']) await page.check(`input[name="days-${day}"]`);
    await page.fill('input[name="time-zone"]', 'America/New_York');
    await page.waitForFunction(() => document.querySelectorAll('.check ol.next li').length === 5
      && /America\/New_York/.test(document.querySelector('.check').textContent));
    const fires = await page.locator('.check ol.next time').evaluateAll((times) => times.map((t) => [t.textContent, t.getAttribute('datetime')]));
    for (const [shown, iso] of fires) {
      const [, hour, minute] = shown.match(/ (\d\d):(\d\d):00$/);
      assert.ok(`${hour}:${minute}` >= '08:00' && `${hour}:${minute}` <= '17:00' && ['00', '30'].includes(minute), `fire at ${shown}`);
      const inNewYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short' }).format(new Date(iso));
      assert.ok(!['Sat', 'Sun'].includes(inNewYork), `fire on ${inNewYork}`);
    }
    assert.equal(await page.locator('button[name="save"]').isDisabled(), false);

    // one that fires within seconds, to see it fire
    await page.selectOption('select[name="form"]', 'cron');
    await page.fill('input[name="cron"]', '0/2 * * * * ?');
    await page.fill('input[name="time-zone"]', 'UTC');
    await page.fill('input[name="reason"]', 'catch up after the outage');
    await page.waitForFunction(() => /cron 0\/2/.test(document.querySelector('.check .summary')?.textContent || ''));
    assert.match(await act(page, page.locator('button[name="save"]')), /now runs cron 0\/2/);
    await page.waitForFunction(() => /set by olga/.test(document.querySelector('.schedule-editor .source').textContent));
    await eventually(async () => (await api('GET', '/runs?connector=customers-to-erp&limit=20')).body.items
      .some((r) => r.trigger === 'SCHEDULE'), 'a scheduled run at the new times', 30_000);
    const audit = page.locator('table.schedule-audit tbody tr').first();
    await eventually(async () => /catch up after the outage/.test(await audit.textContent()), 'the change in the audit');
    assert.match(await audit.textContent(), /olga/);

    await page.fill('input[name="reason"]', 'outage over');
    assert.match(await act(page, page.locator('button[name="back-to-file"]')), /file's schedule again/);
    await page.waitForFunction(() => /file/.test(document.querySelector('.schedule-editor .source').textContent));
    assert.equal((await api('GET', '/connectors/customers-to-erp')).body.schedule.source, 'file');
  });

  it('disabled, a connector delivers nothing and the page shows its queued records waiting', async () => {
    const slow = await target.stub({
      priority: 1,
      request: { method: 'POST', url: '/erp/invoices' },
      response: { status: 200, fixedDelayMilliseconds: 250 },
    });
    assert.equal((await api('PUT', '/connectors/invoices-to-erp/position', { position: 'beginning' })).status, 200);
    const before = (await target.received('/erp/invoices')).length;

    await page.goto(`${process.env.FERRY_URL}/console/#/connectors`);
    await page.locator(row('invoices-to-erp')).waitFor();
    const said = await act(page, page.locator(`${row('invoices-to-erp')} button[name="run"]`));
    const [, runId] = said.match(/Run (\d+) of invoices-to-erp started/) || [];
    await page.locator(`${row('invoices-to-erp')} input[role="switch"]`).click();
    await page.locator(`${row('invoices-to-erp')} .queue .waiting`).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(`${row('invoices-to-erp')} input[role="switch"]`).isChecked(), false);
    const queued = Number((await page.locator(`${row('invoices-to-erp')} .queue`).textContent()).replace(/\D+/g, ''));
    assert.ok(queued > 0, 'nothing shown queued');

    // stopped: what the target has does not grow over three more refreshes of the page
    const settled = async () => {
      for (let i = 0; i < 3; i++) await page.waitForResponse((r) => r.url().endsWith('/api/connectors'));
      return (await target.received('/erp/invoices')).length;
    };
    const first = await settled();
    assert.equal(await settled(), first);
    assert.ok(first - before < 120, 'every invoice was delivered while disabled');
    assert.equal((await api('GET', `/runs/${runId}`)).body.run.status, 'SUBMITTED');

    await page.locator(`${row('invoices-to-erp')} input[role="switch"]`).click();
    await page.waitForFunction((id) => {
      const link = document.querySelector(`tr[data-connector="invoices-to-erp"] .last-run a[href="#/runs/${id}"]`);
      return link && link.textContent.trim() === 'COMPLETED';
    }, runId, { timeout: 60_000 });
    await eventually(async () => (await target.received('/erp/invoices')).length - before === 120, 'all 120 invoices delivered');
    await target.unstub(slow);
  });
});
