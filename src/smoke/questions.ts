import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { SmokeQuestion } from './types.js';

function strings(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  return value.every((item) => typeof item === 'string' || typeof item === 'number') ? value.map(String) : undefined;
}

/**
 * Known-answer questions, one JSON object per line: {"question": "...", "expected": ["doc id", ...]}
 * and/or "spans": ["text a good answer contains", ...].
 */
export function readQuestions(path: string): SmokeQuestion[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the questions file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { where: path, hint: 'check the --questions path', cause: error });
  }
  const questions: SmokeQuestion[] = [];
  let offset = 0;
  text.split('\n').forEach((raw, index) => {
    const start = offset;
    offset += Buffer.byteLength(raw) + 1;
    if (raw.trim() === '') return;
    const fail = (what: string): never => {
      throw new InputError(`line ${index + 1}: ${what}`, { where: path, byteOffset: start, row: index, hint: 'each line: {"question": "...", "expected": ["<doc id>"]} (or "spans": ["..."])' });
    };
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return fail('not valid JSON');
    }
    if (typeof record.question !== 'string' || record.question === '') fail('no "question" string');
    const expected = strings(record.expected) ?? fail('"expected" must be a list of ids');
    const spans = strings(record.spans) ?? fail('"spans" must be a list of strings');
    if (expected.length === 0 && spans.length === 0) fail('no "expected" ids and no "spans": nothing to score');
    questions.push({ question: record.question as string, expected, spans, line: index + 1 });
  });
  if (questions.length === 0) throw new InputError('the questions file has no questions', { where: path });
  return questions;
}
