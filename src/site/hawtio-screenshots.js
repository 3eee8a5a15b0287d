// Takes the README's Hawtio screenshots from a real browser session (headless Chromium driven by Playwright),
// through Hawtio's proxy, and prints every Jolokia answer Ferry refused (a check of jolokia-access.xml against what
// Hawtio asks for: none is expected).
// Needs: Ferry running (mvn -q compile exec:java -Dexec.args="run --profile demo"), Hawtio running (mvn -Phawtio -DskipTests jetty:run-war),
// Debian's chromium, and playwright-core (npm install playwright-core) — none of it is part of Ferry's build.
//   node src/site/hawtio-screenshots.js
const { chromium } = require('playwright-core');
const images = __dirname + '/resources/images/';

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'] });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  let refused = 0;
  context.on('response', async r => {
    if (!r.url().includes('/proxy/')) return;
    const body = await r.text().catch(() => '');
    if (r.status() === 403 || body.includes('"status":403')) {
      refused++;
      console.log('refused by Ferry:', body.slice(0, 300));
    }
  });
  const page = await context.newPage();

  // Connect › Remote › Add connection: Ferry's Jolokia on the management port
  await page.goto('http://127.0.0.1:8090/hawtio/connect/remote', { waitUntil: 'networkidle' });
  await page.getByRole('button', { name: 'Add connection' }).click();
  await page.fill('#connection-form-name', 'ferry');
  await page.locator('#connection-form-scheme').uncheck({ force: true }); // http
  await page.fill('#connection-form-host', '127.0.0.1');
  await page.fill('#connection-form-port', '9876');
  await page.fill('#connection-form-path', '/observe/jolokia');
  await page.getByRole('button', { name: /^(Add|Save)$/ }).click();
  await page.waitForTimeout(2500);
  await page.locator('button:has-text("Connect")').last().click(); // opens the connection in a new tab
  await page.waitForTimeout(6000);
  const hawtio = context.pages()[context.pages().length - 1];
  // Hawtio polls Jolokia, so the network never idles: wait a fixed time instead
  await hawtio.waitForTimeout(8000);

  // Camel › routes › customers-to-erp-gather › Route Diagram
  await hawtio.locator('text=customers-to-erp-gather').first().click();
  await hawtio.waitForTimeout(2000);
  await hawtio.locator('text=Route Diagram').first().click();
  await hawtio.waitForTimeout(3000);
  await hawtio.screenshot({ path: images + 'hawtio-route-diagram.png' });

  // JMX › org.apache.camel › ferry › ferry-connectors › customers-to-erp
  await hawtio.getByText('JMX').first().click();
  await hawtio.waitForTimeout(2000);
  await hawtio.getByText('Expand all').first().click();
  await hawtio.waitForTimeout(1500);
  await hawtio.getByText('customers-to-erp', { exact: true }).last().click();
  await hawtio.waitForTimeout(2500);
  await hawtio.evaluate(() => { document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; }); });
  await hawtio.waitForTimeout(1000);
  await hawtio.screenshot({ path: images + 'hawtio-connector-mbean.png' });
  console.log(refused === 0 ? 'Hawtio: no request refused' : 'Hawtio: ' + refused + ' answer(s) refused');
  await browser.close();
})();
