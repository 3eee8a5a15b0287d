// The console's vendored libraries are exactly the files of the versions package-lock.json pins.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { files, root, vendorDir } from './vendor.mjs';

it('ships the front-end libraries unchanged from node_modules', () => {
  for (const [name, from] of Object.entries(files)) {
    const shipped = readFileSync(join(vendorDir, name));
    const installed = readFileSync(join(root, 'node_modules', from));
    assert.ok(shipped.equals(installed), `${name} differs from node_modules/${from}: run npm run vendor`);
  }
});
