import assert from 'node:assert/strict';
import { test } from 'node:test';
import { count } from '../../src/core/format.js';

// count() groups integers by hand; it must read exactly as toLocaleString('en-US') does.
test('count groups digits exactly as en-US locale formatting does', () => {
  const values = [0, -0, 1, 12, 999, 1000, -1000, 1234567, -987654321, 4194304, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5, 1234.5678, -0.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let power = 0; power < 16; power++) values.push(10 ** power, 10 ** power - 1, -(10 ** power));
  for (const value of values) assert.equal(count(value), value.toLocaleString('en-US'), String(value));
});
