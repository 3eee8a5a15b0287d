// What every console test shares: Debian's Chromium driven by playwright-core (no browser download), the Ferry and
// target that ConsoleBrowserTest started, and a log of every request a page made — none may leave for another origin.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './chromium.mjs';

export const ferry = process.env.FERRY_URL;
export const targetAdmin = process.env.FERRY_TARGET_ADMIN;
const [operatorName, operatorPassword] = (process.env.FERRY_OPERATOR || ':').split(':');
const [readerName, readerPassword] = (process.env.FERRY_READER || ':').split(':');
export const operator = { username: operatorName, password: operatorPassword };
export const reader = { username: readerName, password: readerPassword };
assert.ok(ferry, 'FERRY_URL is not set: these tests are run by ConsoleBrowserTest');

export async function launch() {
  return chromium.launch(CHROMIUM);
}

/**
 * A page logged in as `user`, with a log of its requests and of its errors (scripts that throw, console errors, CSP
 * violations): `page.requests`, `page.problems`.
 */
export async function open(browser, user, path = '/console/') {
  const context = await browser.newContext({ httpCredentials: user, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.requests = [];
  page.problems = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (403|404|409)/.test(m.text())) page.problems.push(`console: ${m.text()}`);
  });
  await page.goto(ferry + path);
  return page;
}

/** Every request a page made went to Ferry's own origin, and nothing failed on it. */
export function assertClean(page) {
  const origin = new URL(ferry).origin;
  const foreign = page.requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
  assert.deepEqual(foreign, [], `requests to another origin: ${foreign.join(', ')}`);
  assert.deepEqual(page.problems, [], `problems on the page: ${page.problems.join('; ')}`);
}

/** Ferry's API, as an operator. */
export async function api(method, path, body, user = operator) {
  const headers = { Accept: 'application/json', Authorization: basic(user) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${ferry}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export const basic = (user) => `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;

/** The target's (WireMock's) admin API: stubs, and the requests it received. */
export const target = {
  async stub(mapping) {
    const r = await fetch(`${targetAdmin}/__admin/mappings`, { method: 'POST', body: JSON.stringify(mapping) });
    const text = await r.text();
    assert.equal(r.status, 201, text);
    return JSON.parse(text).id;
  },
  async unstub(id) {
    const r = await fetch(`${targetAdmin}/__admin/mappings/${id}`, { method: 'DELETE' });
    assert.equal(r.status, 200);
  },
  /** The JSON bodies POSTed to a path, in the order received. */
  async received(path) {
    const r = await fetch(`${targetAdmin}/__admin/requests/find`, { method: 'POST', body: JSON.stringify({ method: 'POST', url: path }) });
    return (await r.json()).requests.map((q) => JSON.parse(q.body));
  },
  /** The last path segments of the DELETEs under a path (/erp/customers/C-000042: C-000042). */
  async deleted(path) {
    const r = await fetch(`${targetAdmin}/__admin/requests/find`, {
      method: 'POST', body: JSON.stringify({ method: 'DELETE', urlPathPattern: `${path}/.+` }),
    });
    return (await r.json()).requests.map((q) => q.url.substring(path.length + 1));
  },
};

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeout` ms. */
export async function eventually(check, what, timeout = 30_000) {
  const until = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`${what}: not so within ${timeout} ms${last ? ` (${last.message})` : ''}`);
    await new Promise((resolve) => { setTimeout(resolve, 100); });
  }
}
