import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { installSpec } from './drivers.js';

// The install hint must name the versions vectorclinic is tested with: if this module moves and
// loses its way to package.json, the hint silently degrades to a bare package name.
test('installSpec pins every optional store driver to the peer range in package.json', () => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { peerDependencies: Record<string, string> };
  const peers = Object.entries(manifest.peerDependencies);
  assert.ok(peers.length >= 5, 'the store drivers are peer dependencies');
  for (const [name, range] of peers) assert.equal(installSpec(name), `'${name}@${range}'`);
  assert.equal(installSpec('not-a-driver'), 'not-a-driver');
});
