import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter } from './filters.js';
import { renderWhere } from './stores/lancedb/filtered-search.js';

test('--filter grammar: column, operator, literal values; canonical text', () => {
  assert.deepEqual(parseFilter('tenant_id = 7'), { column: 'tenant_id', operator: '=', values: [7], text: 'tenant_id = 7' });
  assert.deepEqual(parseFilter("lang IN ('en','de')").values, ['en', 'de']);
  assert.equal(parseFilter('year>=2020').text, 'year >= 2020');
  assert.equal(parseFilter('active = TRUE').values[0], true);
  assert.equal(parseFilter('tenant = acme').values[0], 'acme');
  assert.equal(parseFilter('"my col" <> 3').column, 'my col');
  assert.equal(parseFilter("name = 'O''Brien'").values[0], "O'Brien");
});

test('--filter rejects anything outside the grammar with exit 2 and an example', () => {
  for (const bad of ['tenant_id', '= 7', 'tenant_id = ', 'tenant_id = 1 OR 1 = 1', 'tenant_id = 1; DROP TABLE t', 'a IN 1, 2', 'a IN ()', 'a ~ 3', "a = 'open"]) {
    assert.throws(
      () => parseFilter(bad),
      (error: Error & { exitCode?: number; hint?: string }) => error.exitCode === 2 && /tenant_id = 7/.test(String(error.hint)),
      bad,
    );
  }
});

test('an injection attempt stays one quoted literal in the LanceDB condition', () => {
  const filter = parseFilter("note = 'x'' OR 1=1; --'");
  assert.equal(filter.values[0], "x' OR 1=1; --");
  assert.equal(renderWhere(filter), "`note` = 'x'' OR 1=1; --'");
  assert.equal(renderWhere(parseFilter('"we`ird" IN (1, 2)')), '`we``ird` IN (1, 2)');
});
