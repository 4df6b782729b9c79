import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { lookupPassword, matchPgpass } from './password.js';

const lookup = { host: 'db.internal', port: 5432, database: 'rag', user: 'app' };

test('~/.pgpass: first matching line wins, * matches anything, \\ escapes : and \\', () => {
  const text = ['# comment', 'other:5432:rag:app:wrong', 'db.internal:5432:*:app:s\\:e\\\\cret', '*:*:*:*:fallback'].join('\n');
  assert.equal(matchPgpass(text, lookup), 's:e\\cret');
  assert.equal(matchPgpass(text, { ...lookup, user: 'someone' }), 'fallback');
  assert.equal(matchPgpass('db.internal:5433:rag:app:x', lookup), undefined);
});

test('PGPASSWORD wins; a password file readable by others is ignored, as libpq does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-pgpass-'));
  try {
    const file = join(dir, 'pgpass');
    writeFileSync(file, '*:*:*:*:from-file\n');
    chmodSync(file, 0o600);
    assert.equal(lookupPassword(lookup, { PGPASSFILE: file }), 'from-file');
    assert.equal(lookupPassword(lookup, { PGPASSFILE: file, PGPASSWORD: 'from-env' }), 'from-env');
    chmodSync(file, 0o644);
    assert.equal(lookupPassword(lookup, { PGPASSFILE: file }), undefined);
    assert.equal(lookupPassword(lookup, { PGPASSFILE: join(dir, 'missing') }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
