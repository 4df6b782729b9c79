import type { RowIssue } from '../source.js';

/**
 * Python's json.dumps writes NaN, Infinity and -Infinity by default (allow_nan=True), so real
 * embedding exports contain them although JSON does not. They are read as the non-finite values
 * they stand for (the nonfinite-values check reports them) instead of failing the whole file.
 * Sentinels are strings no writer emits.
 */
const NON_FINITE_SENTINELS: Readonly<Record<string, number>> = {
  '\u0000vc:NaN': NaN,
  '\u0000vc:Infinity': Infinity,
  '\u0000vc:-Infinity': -Infinity,
};

/** JSON.parse, accepting Python's bare NaN / Infinity / -Infinity tokens outside strings. */
export function parseJsonLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
    const rewritten = replaceNonFiniteTokens(text);
    if (rewritten === text) throw error;
    try {
      return JSON.parse(rewritten);
    } catch {
      throw error;
    }
  }
}

/**
 * Rewrite bare NaN/Infinity tokens to sentinel strings. Hand-written (a few lines) because no JSON
 * library in the dependency set accepts them; it tracks strings so text fields stay untouched.
 */
function replaceNonFiniteTokens(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    const token = text.startsWith('NaN', i) ? 'NaN' : text.startsWith('Infinity', i) ? 'Infinity' : text.startsWith('-Infinity', i) ? '-Infinity' : undefined;
    if (!token) continue;
    out += `${text.slice(copiedUpTo, i)}${JSON.stringify(`\u0000vc:${token}`)}`;
    i += token.length - 1;
    copiedUpTo = i + 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * Reads a (possibly dotted) field path. A key that literally contains the dots wins, so a flat
 * `{"data.embedding": [...]}` and a nested `{"data": {"embedding": [...]}}` both work.
 */
export function fieldReader(path: string): (value: unknown) => unknown {
  if (path === '') return (value) => value;
  const parts = path.split('.');
  return (value) => {
    if (!isPlainObject(value)) return undefined;
    if (path in value) return value[path];
    let current: unknown = value;
    for (const part of parts) {
      if (!isPlainObject(current)) return undefined;
      current = current[part];
    }
    return current;
  };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a JSON value could not become a `dim`-long vector (row and offset are added by the caller). */
export type VectorProblem = Omit<RowIssue, 'row' | 'byteOffset'>;

/**
 * Write the JSON array `value` as `dim` float32 values into `out` at `offset`; a problem instead
 * when it is not an array of `dim` numbers.
 */
export function writeVector(value: unknown, dim: number, out: Float32Array, offset: number): VectorProblem | undefined {
  if (value === null || value === undefined) {
    return { kind: 'null', detail: value === null ? 'the embedding is null' : 'the embedding field is missing' };
  }
  if (!Array.isArray(value)) return { kind: 'parse', detail: `the embedding is ${describeJsonType(value)}, not an array of numbers` };
  if (value.length !== dim) return { kind: 'length', detail: `${value.length} values instead of ${dim}`, length: value.length };
  for (let i = 0; i < dim; i++) {
    const element: unknown = value[i];
    if (typeof element === 'number') {
      out[offset + i] = element;
      continue;
    }
    const nonFinite = typeof element === 'string' ? NON_FINITE_SENTINELS[element] : undefined;
    if (nonFinite !== undefined) {
      out[offset + i] = nonFinite;
      continue;
    }
    if (element === null) return { kind: 'null', detail: `value ${i} is null` };
    return { kind: 'parse', detail: `value ${i} is ${describeJsonType(element)}, not a number` };
  }
  return undefined;
}

/** The numbers of a JSON array, or undefined when it is not an array of numbers (for probing). */
export function numericArray(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const numbers: number[] = [];
  for (const element of value) {
    if (typeof element === 'number') numbers.push(element);
    else if (typeof element === 'string' && NON_FINITE_SENTINELS[element] !== undefined) numbers.push(NON_FINITE_SENTINELS[element]);
    else return undefined;
  }
  return numbers;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 24 ? 'a string' : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
