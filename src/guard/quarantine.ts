import { appendFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { RejectedRow } from './types.js';

/** JSON has no NaN or Infinity: they are written as strings so the bad value survives for inspection. */
function jsonValue(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** One JSONL line per rejected row: where it came from, why, and the row itself. */
export function quarantineLines(batchId: string, rejected: readonly RejectedRow[], original: (row: number) => ArrayLike<number>): string {
  let text = '';
  for (const row of rejected) {
    const values = original(row.row);
    const vector: (number | string)[] = new Array(values.length);
    for (let j = 0; j < values.length; j++) vector[j] = jsonValue(values[j] as number);
    text += `${JSON.stringify({ batch: batchId, row: row.row, id: row.id, cause: row.cause, detail: row.detail, ...(row.duplicateOf !== undefined ? { duplicateOf: row.duplicateOf } : {}), vector })}\n`;
  }
  return text;
}

/** Rows a reader could not decode: the line says why; `vector` is null because there was none to keep. */
export function unreadableLines(batchId: string, rejected: readonly RejectedRow[]): string {
  let text = '';
  for (const row of rejected) text += `${JSON.stringify({ batch: batchId, row: row.row, id: row.id, cause: row.cause, detail: row.detail, vector: null })}\n`;
  return text;
}

/** Append a batch's rejected rows in one write, so a batch is never half quarantined. */
export function appendQuarantine(path: string, text: string): void {
  if (!text) return;
  try {
    appendFileSync(path, text);
  } catch (error) {
    throw new InputError(`cannot write the quarantine file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      where: path,
      hint: 'give --quarantine a writable path',
      cause: error,
    });
  }
}
