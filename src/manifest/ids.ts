import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';

/**
 * Document ids for row positions. A rebuild writes one line per stored row: a JSON array whose first
 * entry is the row's id and the rest are ids of near-duplicates folded into it (a hit on the kept
 * row answers a question about any of them).
 */
export type RowIds = readonly (readonly string[])[];

/** One id per line from a JSONL file (e.g. docs.jsonl's `id`), in row order. */
export function readIdColumn(path: string, field = 'id'): string[] {
  const text = readText(path);
  const ids: string[] = [];
  let offset = 0;
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const start = offset;
    offset += Buffer.byteLength(raw) + 1;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = (JSON.parse(raw) as Record<string, unknown>)[field];
    } catch {
      throw new InputError(`line ${line} is not valid JSON`, { where: path, byteOffset: start, row: line - 1, hint: 'each line must be one JSON object' });
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new InputError(`line ${line} has no '${field}' string or number`, { where: path, byteOffset: start, row: line - 1, hint: `every line needs an "${field}" field` });
    }
    ids.push(String(value));
  }
  return ids;
}

export function writeIdSidecar(path: string, ids: RowIds): void {
  writeFileAtomic(path, ids.map((entry) => JSON.stringify(entry)).join('\n') + (ids.length ? '\n' : ''));
}

export function readIdSidecar(path: string): string[][] {
  const text = readText(path);
  const rows: string[][] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    if (raw === '') continue;
    let entry: unknown;
    try {
      entry = JSON.parse(raw);
    } catch {
      entry = undefined;
    }
    if (!Array.isArray(entry) || entry.length === 0 || !entry.every((id) => typeof id === 'string')) {
      throw new InputError(`line ${index + 1} is not a JSON array of id strings`, { where: path, row: index, hint: 'the id list was edited or truncated; re-run `vectorclinic rebuild --apply`' });
    }
    rows.push(entry as string[]);
  }
  return rows;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`, { where: path, hint: 'check the path', cause: error });
  }
}
