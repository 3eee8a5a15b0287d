// The console's screenshots in docs/images, taken from the real console of a running Ferry with the demo:
//   mvn -q compile exec:java -Dexec.args="run --profile demo"     (wait for the first runs, ~1 min)
//   npm run screenshots [-- http://127.0.0.1:8080]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM } from './chromium.mjs';
import { root } from './vendor.mjs';

const ferry = process.argv[2] || 'http://127.0.0.1:8080';
const out = join(root, 'docs', 'images');
mkdirSync(out, { recursive: true });

const browser = await chromium.launch(CHROMIUM);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
  const shoot = async (hash, file, ready) => {
    await page.goto(`${ferry}/console/${hash}`);
    await page.locator(ready).first().waitFor();
    await page.waitForFunction(() => !document.querySelector('.loading'));
    await page.screenshot({ path: join(out, file), fullPage: false });
    console.log(`docs/images/${file}`);
  };
  await shoot('#/connectors', 'console-connectors.png', 'table.connectors tbody tr');
  // the run that delivered most: the demo's first full sync
  const runs = (await (await fetch(`${ferry}/api/runs?status=COMPLETED&limit=100`)).json()).items;
  const biggest = runs.sort((a, b) => b.delivered - a.delivered)[0];
  if (biggest) await shoot(`#/runs/${biggest.id}`, 'console-run.png', '.run .counters');
  await shoot('#/connectors/customers-to-erp/schedule', 'console-schedule.png', '.check .summary');
} finally {
  await browser.close();
}
