import { rmSync, writeFileSync } from 'node:fs';
import { writeNpy } from '../../src/io/npy-writer.js';
import type { VectorRows } from '../../src/sources/stores/pgvector/build-store.js';

/**
 * Known-answer questions that ask for stored documents by their own vectors (row r answers to
 * document id r + 1, as the test stores number them): beside `prefix`, removed by `cleanup`.
 */
export function writeSelfQuestions(prefix: string, rows: VectorRows, asked: readonly number[]): { questions: string; embedding: { kind: 'file'; path: string }; cleanup: () => void } {
  const questions = `${prefix}-q.jsonl`;
  const queries = `${prefix}-q.npy`;
  writeFileSync(questions, asked.map((row) => JSON.stringify({ question: `document ${row + 1}`, expected: [String(row + 1)] })).join('\n') + '\n');
  const vectors = new Float32Array(asked.length * rows.dim);
  asked.forEach((row, i) => vectors.set(rows.data.subarray(row * rows.dim, (row + 1) * rows.dim), i * rows.dim));
  writeNpy(queries, vectors, asked.length, rows.dim);
  return { questions, embedding: { kind: 'file', path: queries }, cleanup: () => [questions, queries].forEach((file) => rmSync(file, { force: true })) };
}
