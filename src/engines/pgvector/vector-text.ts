import type { VectorType } from './opclasses.js';

/**
 * pgvector's text forms: vector and halfvec print as '[1,2,3]', sparsevec as '{1:0.5,3:2}/5'
 * (1-based indices, then the dimension). Text is what both the wire protocol and PGlite return
 * for extension types without a registered parser.
 */
export function parseVectorText(text: string, type: VectorType): Float32Array | undefined {
  return type === 'sparsevec' ? parseSparse(text) : parseDense(text);
}

function parseDense(text: string): Float32Array | undefined {
  if (text.length < 2 || text[0] !== '[' || text[text.length - 1] !== ']') return undefined;
  const body = text.slice(1, -1);
  if (body.trim() === '') return new Float32Array(0);
  const parts = body.split(',');
  const out = new Float32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const value = Number(parts[i]);
    if (Number.isNaN(value) && !/nan/i.test(parts[i] as string)) return undefined;
    out[i] = value;
  }
  return out;
}

function parseSparse(text: string): Float32Array | undefined {
  const match = /^\{(.*)\}\/(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const dim = Number(match[2]);
  // sparsevec allows up to 1e9 dimensions; a dense copy of anything that large is not a vector we check.
  if (!Number.isSafeInteger(dim) || dim > 1 << 24) return undefined;
  const out = new Float32Array(dim);
  const body = (match[1] as string).trim();
  if (body === '') return out;
  for (const pair of body.split(',')) {
    const [index, value] = pair.split(':');
    const position = Number(index) - 1;
    const number = Number(value);
    if (!Number.isInteger(position) || position < 0 || position >= dim || Number.isNaN(number)) return undefined;
    out[position] = number;
  }
  return out;
}

/** A query vector as pgvector text for `type` (float32 values print exactly and parse back to the same float). */
export function formatVectorText(values: Float32Array, type: string): string {
  if (type !== 'sparsevec') return `[${Array.from(values).join(',')}]`;
  const pairs: string[] = [];
  values.forEach((value, i) => {
    if (value !== 0) pairs.push(`${i + 1}:${value}`);
  });
  return `{${pairs.join(',')}}/${values.length}`;
}
