import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { parsePathUrl, parseQualifiedName, parseStoreUrl, redactTarget } from './store-url.js';

test('passwords are redacted from userinfo and from secret query parameters', () => {
  assert.equal(redactTarget('postgres://app:s3cret@db:5432/rag?table=docs'), 'postgres://app:***@db:5432/rag?table=docs');
  assert.equal(redactTarget('postgres://app:p@ss/word@db/rag'), 'postgres://app:***@db/rag');
  assert.equal(redactTarget('postgres://db/rag?user=app&password=s3cret&table=t'), 'postgres://db/rag?user=app&password=***&table=t');
  assert.equal(redactTarget('chroma://localhost:8000/docs?token=abc'), 'chroma://localhost:8000/docs?token=***');
  assert.equal(redactTarget('libsql://db.example.io?authToken=abc'), 'libsql://db.example.io?authToken=***');
  assert.equal(redactTarget('postgres://app@db/rag'), 'postgres://app@db/rag');
  assert.equal(redactTarget('postgres://db?table=t'), 'postgres://db?table=t');
  assert.equal(redactTarget('lancedb://./data/db/docs'), 'lancedb://./data/db/docs');
  assert.equal(redactTarget('embeddings.npy'), 'embeddings.npy');
});

test('the redactor and the connector split a hostile password at the same place (the last @ before the host)', () => {
  for (const password of ['p@ss/w:rd%25x', 'a@b@c', 'x/y/z', 'colon:s:here', 'q?mark', 'Qv9?x=1', '123/b?c=d', 'a?user=b']) {
    const target = `postgres://app:${password}@db.internal:6543/rag?table=docs`;
    const url = parseStoreUrl(target);
    assert.equal(url.user, 'app');
    assert.equal(url.password, decodeURIComponent(password));
    assert.equal(url.host, 'db.internal');
    assert.equal(url.port, 6543);
    assert.equal(url.path, 'rag');
    assert.equal(url.params.get('table'), 'docs');
    assert.equal(url.shown, 'postgres://app:***@db.internal:6543/rag?table=docs');
  }
  // An '@' inside a parameter value is not userinfo.
  const mail = parseStoreUrl('postgres://db/rag?user=me@corp&table=t');
  assert.equal(mail.host, 'db');
  assert.equal(mail.params.get('user'), 'me@corp');
  assert.equal(parseStoreUrl('postgres://db:5432?table=t&user=me@corp').params.get('user'), 'me@corp');
  const unknown = parseStoreUrl('postgres://app:pw@db/rag?table=t&passwd=p@ss');
  assert.equal(unknown.host, 'db');
  assert.equal(unknown.shown, 'postgres://app:***@db/rag?table=t&passwd=***');
  // libpq keeps '+' as a plus sign; IPv6 literals keep their colons.
  assert.equal(parseStoreUrl('postgres://[::1]:5433/db?password=a+b').params.get('password'), 'a+b');
  assert.equal(parseStoreUrl('postgres://[::1]:5433/db').host, '::1');
});

/** The error thrown by `run`, which must be a UsageError. */
function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UsageError, `not a usage error: ${String(error)}`);
    return error;
  }
  assert.fail('no error thrown');
}

test('a malformed %-escape anywhere is a usage error that shows no part of the password', () => {
  const secret = 'Zq7%zzWord';
  const error = usageError(() => parseStoreUrl(`postgres://app:${secret}@db/rag`));
  const text = error.describe();
  assert.match(text, /password in the URL has a malformed %-escape/);
  assert.match(text, /%25/);
  assert.ok(!text.includes('Zq7') && !text.includes('Word'), text);
  assert.match(usageError(() => parseStoreUrl('postgres://db/r%zzag')).message, /path after the host/);
  assert.match(usageError(() => parseStoreUrl('postgres://db/rag?table=a%zz')).message, /value of URL parameter 'table'/);
  assert.match(usageError(() => parsePathUrl('pglite://dir%zz?table=t', 'pglite')).message, /path in the URL/);
  assert.match(usageError(() => parsePathUrl('file:///x/a%zz.npy', 'file')).message, /malformed/);
});

test('a repeated URL parameter, a bad port and an unknown parameter are named', () => {
  assert.match(usageError(() => parseStoreUrl('postgres://db/rag?table=a&table=b')).message, /URL parameter 'table' given twice/);
  assert.match(usageError(() => parseStoreUrl('postgres://db:abc/rag')).message, /invalid port after the host/);
  assert.match(usageError(() => parseStoreUrl('postgres://db:70000/rag')).message, /invalid port/);
  assert.match(usageError(() => parseStoreUrl('postgres://db/rag?table')).message, /no value/);
  assert.match(usageError(() => parseStoreUrl('pglite://db?colum=x').params.expectOnly(['table', 'column'])).message, /unknown URL parameter 'colum'/);
});

test('path-style URLs keep relative and absolute paths as written', () => {
  assert.equal(parsePathUrl('lancedb://./data/db/docs', 'lancedb').path, './data/db/docs');
  assert.equal(parsePathUrl('lancedb:///srv/db/docs', 'lancedb').path, '/srv/db/docs');
  const { path, params } = parsePathUrl('pglite://store%20dir?table=docs&column=embedding', 'pglite');
  assert.equal(path, 'store dir');
  assert.equal(params.get('column'), 'embedding');
  assert.throws(() => parsePathUrl('pglite://?table=x', 'pglite'), /no path/);
  assert.equal(parsePathUrl('file:///data/a%20b.npy', 'file').path, '/data/a b.npy');
  assert.equal(parsePathUrl('file://localhost/data/a.npy', 'file').path, '/data/a.npy');
});

test('duckdb:// takes a relative or absolute database file path and table parameters', () => {
  const relative = parsePathUrl('duckdb://./app.duckdb?table=docs&column=embedding', 'duckdb');
  assert.equal(relative.path, './app.duckdb');
  assert.equal(relative.params.get('table'), 'docs');
  assert.equal(parsePathUrl('duckdb:///data/app%20v2.duckdb?table=main.docs', 'duckdb').path, '/data/app v2.duckdb');
  assert.throws(() => parsePathUrl('duckdb://?table=docs', 'duckdb'), /no path/);
});

test('a schema name with a dot is addressed with double quotes', () => {
  assert.deepEqual(parseQualifiedName('items', ''), { table: 'items' });
  assert.deepEqual(parseQualifiedName('app.items', ''), { schema: 'app', table: 'items' });
  assert.deepEqual(parseQualifiedName('"my.schema".items', ''), { schema: 'my.schema', table: 'items' });
  assert.deepEqual(parseQualifiedName('"my.schema"."odd ""x"".t"', ''), { schema: 'my.schema', table: 'odd "x".t' });
  assert.throws(() => parseQualifiedName('my.schema.items', ''), /3 dot-separated parts/);
  assert.throws(() => parseQualifiedName('"open.items', ''), /not closed/);
});
