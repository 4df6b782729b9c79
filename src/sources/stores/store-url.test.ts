import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePathUrl, redactTarget, rejectUnknownParams } from './store-url.js';

test('passwords are redacted from userinfo and from secret query parameters', () => {
  assert.equal(redactTarget('postgres://app:s3cret@db:5432/rag?table=docs'), 'postgres://app:***@db:5432/rag?table=docs');
  assert.equal(redactTarget('postgres://app:p@ss/word@db/rag'), 'postgres://app:***@db/rag');
  assert.equal(redactTarget('postgres://db/rag?user=app&password=s3cret&table=t'), 'postgres://db/rag?user=app&password=***&table=t');
  assert.equal(redactTarget('chroma://localhost:8000/docs?token=abc'), 'chroma://localhost:8000/docs?token=***');
  assert.equal(redactTarget('postgres://app@db/rag'), 'postgres://app@db/rag');
  assert.equal(redactTarget('lancedb://./data/db/docs'), 'lancedb://./data/db/docs');
});

test('path-style URLs keep relative and absolute paths as written', () => {
  assert.deepEqual(parsePathUrl('lancedb://./data/db/docs', 'lancedb').path, './data/db/docs');
  assert.deepEqual(parsePathUrl('lancedb:///srv/db/docs', 'lancedb').path, '/srv/db/docs');
  const { path, params } = parsePathUrl('pglite://store%20dir?table=docs&column=embedding', 'pglite');
  assert.equal(path, 'store dir');
  assert.equal(params.get('column'), 'embedding');
  assert.throws(() => parsePathUrl('pglite://?table=x', 'pglite'), /no path/);
});

test('a misspelt URL parameter is an error, not silently ignored', () => {
  assert.throws(() => rejectUnknownParams(new URLSearchParams('colum=x'), ['table', 'column'], 'pglite://db?colum=x'), /unknown URL parameter 'colum'/);
});
