import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatVectorText, parseVectorText } from './vector-text.js';

test('dense vector and halfvec text parse to float32 values', () => {
  assert.deepEqual(Array.from(parseVectorText('[1,-2.5,3e-2]', 'vector') ?? []), [1, -2.5, Math.fround(0.03)]);
  assert.deepEqual(Array.from(parseVectorText('[0.5]', 'halfvec') ?? []), [0.5]);
  assert.equal(parseVectorText('[]', 'vector')?.length, 0);
});

test('sparsevec text expands to a dense vector (1-based indices)', () => {
  assert.deepEqual(Array.from(parseVectorText('{1:1.5,3:2}/4', 'sparsevec') ?? []), [1.5, 0, 2, 0]);
  assert.deepEqual(Array.from(parseVectorText('{}/3', 'sparsevec') ?? []), [0, 0, 0]);
});

test('malformed text is rejected, not half-parsed', () => {
  for (const [text, type] of [
    ['1,2,3', 'vector'],
    ['[1,x]', 'vector'],
    ['{5:1}/4', 'sparsevec'],
    ['{0:1}/4', 'sparsevec'],
    ['{1:1}', 'sparsevec'],
    ['{1:1}/999999999', 'sparsevec'],
  ] as const) {
    assert.equal(parseVectorText(text, type), undefined, text);
  }
});

test('formatting round-trips float32 values exactly', () => {
  const values = new Float32Array([0.1, -1e-8, 3.4028234663852886e38, 0]);
  assert.deepEqual(parseVectorText(formatVectorText(values, 'vector'), 'vector'), values);
  assert.equal(formatVectorText(new Float32Array([0, 2, 0, -1]), 'sparsevec'), '{2:2,4:-1}/4');
  assert.deepEqual(parseVectorText(formatVectorText(values, 'sparsevec'), 'sparsevec'), values);
});
