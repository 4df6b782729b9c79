import assert from 'node:assert/strict';
import { test } from 'node:test';
import { STORE_CONNECTORS } from '../../src/sources/stores.js';

// The registry names each connector without loading it: what it says must be what the module declares.
test('every lazily registered store connector declares the schemes and example the registry shows', async () => {
  const schemes = STORE_CONNECTORS.flatMap((entry) => entry.schemes);
  assert.equal(new Set(schemes).size, schemes.length, 'a scheme is registered twice');
  for (const entry of STORE_CONNECTORS) {
    const connector = await entry.load();
    assert.deepEqual(connector.schemes, entry.schemes);
    assert.equal(connector.example, entry.example);
  }
});
