// The console's front-end libraries, copied from node_modules (installed from package-lock.json) into the classpath,
// so that Ferry is built and run without Node.js and the console loads nothing from another host.
// `npm run vendor` after changing a version in package.json; vendor.test.mjs checks the copies are exact.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const vendorDir = join(root, 'src', 'main', 'resources', 'dev', 'ferry', 'console', 'vendor');

/** vendored file name -> its path under node_modules */
export const files = {
  'preact.mjs': 'preact/dist/preact.mjs',
  'preact.mjs.map': 'preact/dist/preact.mjs.map',
  'hooks.mjs': 'preact/hooks/dist/hooks.mjs',
  'hooks.mjs.map': 'preact/hooks/dist/hooks.mjs.map',
  'htm.mjs': 'htm/dist/htm.mjs',
  'LICENSE-preact': 'preact/LICENSE',
  'LICENSE-htm': 'htm/LICENSE',
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(vendorDir, { recursive: true });
  for (const [name, from] of Object.entries(files)) {
    copyFileSync(join(root, 'node_modules', from), join(vendorDir, name));
    console.log(`${from} -> ${join('src/main/resources/dev/ferry/console/vendor', name)}`);
  }
}
