// Builds the demo slice committed under demo/data/ from ../shared/data/wordnet-ft128 (run once:
// `npx tsx scripts/make-demo-slice.ts`). The slice keeps the documents that answer the first
// QUESTIONS queries plus random others, in corpus order, so `smoke` has known answers.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../src/math/rng.js';
import { writeNpy } from '../test/helpers/npy.js';
import { normalized, wordnet, WORDNET_DIR } from '../test/helpers/wordnet.js';

const DOCS = 3000;
const QUESTIONS = 200;
const out = new URL('../demo/data/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });

const docLines = readFileSync(join(WORDNET_DIR, 'docs.jsonl'), 'utf8').trim().split('\n');
const queryLines = readFileSync(join(WORDNET_DIR, 'queries.jsonl'), 'utf8').trim().split('\n');
const rowOfId = new Map(docLines.map((line, row) => [(JSON.parse(line) as { id: string }).id, row]));

const keep = new Set<number>();
const questions = queryLines.slice(0, QUESTIONS);
for (const line of questions) for (const id of (JSON.parse(line) as { expected: string[] }).expected) keep.add(rowOfId.get(id) as number);
const rng = new Rng(2025);
while (keep.size < DOCS) keep.add(rng.nextInt(docLines.length));
const rows = [...keep].sort((a, b) => a - b);

const docs = normalized(wordnet('docs.f32.npy'));
const slice = new Float32Array(rows.length * docs.dim);
rows.forEach((row, i) => slice.set(docs.data.subarray(row * docs.dim, (row + 1) * docs.dim), i * docs.dim));
writeNpy(join(out, 'docs.npy'), slice, rows.length, docs.dim);
writeFileSync(join(out, 'docs.jsonl'), rows.map((row) => docLines[row]).join('\n') + '\n');

const queries = normalized(wordnet('queries.f32.npy'));
writeNpy(join(out, 'queries.npy'), queries.data.slice(0, QUESTIONS * queries.dim), QUESTIONS, queries.dim);
writeFileSync(join(out, 'questions.jsonl'), questions.join('\n') + '\n');
copyFileSync(join(WORDNET_DIR, 'LICENSE-WordNet.txt'), join(out, 'LICENSE-WordNet.txt'));
console.log(`demo slice: ${rows.length} documents, ${QUESTIONS} questions → ${out}`);
