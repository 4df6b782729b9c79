// npm run fuzz: many seeded mutants of a real file per reader through the built CLI
// (`node dist/cli.js check FILE --format json`), each judged by the contract of test/fuzz/cli-run.ts,
// then an exit-code table per format. Exits 1 when any mutant broke the contract; those mutants
// are kept (their paths and the seed are printed) so the failure can be reproduced.
//   npm run fuzz -- [--per-format 300] [--seed N] [--parallel 2] [--timeout-ms 30000] [--format arrow]
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/math/rng.js';
import { judge, runCheck, type Verdict } from '../test/fuzz/cli-run.js';
import { seedFiles } from '../test/fuzz/corpus.js';
import { mutant } from '../test/fuzz/mutants.js';
import { fuzzSeed, seedBanner } from '../test/fuzz/seed.js';

const { values } = parseArgs({
  options: {
    'per-format': { type: 'string', default: '300' },
    seed: { type: 'string' },
    parallel: { type: 'string', default: '2' },
    'timeout-ms': { type: 'string', default: '30000' },
    format: { type: 'string', multiple: true },
  },
});
const root = resolve(new URL('..', import.meta.url).pathname);
const perFormat = Number(values['per-format']);
const seed = values.seed !== undefined ? Number(values.seed) : fuzzSeed(Date.now() % 2 ** 31);
const parallel = Number(values.parallel);
const timeoutMs = Number(values['timeout-ms']);

interface Case {
  readonly format: string;
  readonly label: string;
  readonly path: string;
  readonly extra: readonly string[];
}

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-fuzz-'));
const keep = join(tmpdir(), `vectorclinic-fuzz-failures-${seed}`);
const seeds = seedFiles().filter((file) => !values.format || values.format.includes(file.format));
const formats = [...new Set(seeds.map((file) => file.format))];
const cases: Case[] = [];
for (const [index, format] of formats.entries()) {
  const files = seeds.filter((file) => file.format === format);
  const rng = new Rng(seed * 31 + index);
  for (let i = 0; i < perFormat; i++) {
    const file = files[i % files.length]!;
    const { bytes, description } = mutant(file.bytes, file.regions, rng);
    const path = join(dir, `${format}-${i}${file.extension}`);
    writeFileSync(path, bytes);
    cases.push({ format, label: `${file.name}: ${description}`, path, extra: file.options.metric ? ['--metric', file.options.metric] : [] });
  }
}

console.log(`${seedBanner(seed)}; ${cases.length} mutants, ${parallel} at a time, ${timeoutMs} ms timeout each`);
const started = performance.now();
const rows = new Map<string, { exits: Map<string, number>; maxRss: number; maxMs: number; violations: number }>();
const violations: string[] = [];
let done = 0;
const queue = [...cases];
await Promise.all(
  Array.from({ length: parallel }, async (_, worker) => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const run = await runCheck([join(root, 'dist/cli.js')], next.path, next.extra, { cwd: root, timeoutMs, rssFile: join(dir, `rss-${worker}`) });
      const verdict: Verdict = judge(run, next.path, timeoutMs);
      const row = rows.get(next.format) ?? { exits: new Map(), maxRss: 0, maxMs: 0, violations: 0 };
      rows.set(next.format, row);
      row.exits.set(String(verdict.exit), (row.exits.get(String(verdict.exit)) ?? 0) + 1);
      row.maxRss = Math.max(row.maxRss, run.maxRssBytes ?? 0);
      row.maxMs = Math.max(row.maxMs, run.milliseconds);
      if (!verdict.ok) {
        row.violations++;
        mkdirSync(keep, { recursive: true });
        const kept = join(keep, next.path.split('/').pop() as string);
        copyFileSync(next.path, kept);
        violations.push(`${next.format} ${kept} (${next.label}): ${verdict.why}`);
      }
      if (++done % 100 === 0) process.stderr.write(`${done}/${cases.length}\n`);
    }
  }),
);
rmSync(dir, { recursive: true, force: true });

const columns = ['0', '1', '2', '3', 'other'];
const header = ['format', 'mutants', ...columns.map((code) => `exit ${code}`), 'max RSS MB', 'max s', 'violations'];
const table = formats.map((format) => {
  const row = rows.get(format)!;
  const count = (code: string): number => (code === 'other' ? [...row.exits].filter(([exit]) => !['0', '1', '2', '3'].includes(exit)).reduce((sum, [, n]) => sum + n, 0) : (row.exits.get(code) ?? 0));
  const total = [...row.exits.values()].reduce((sum, n) => sum + n, 0);
  return [format, String(total), ...columns.map((code) => String(count(code))), row.maxRss ? (row.maxRss / 2 ** 20).toFixed(0) : '?', (row.maxMs / 1000).toFixed(1), String(row.violations)];
});
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => (cells[i] as string).length)));
const line = (cells: readonly string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const cells of table) console.log(line(cells));
console.log(`${cases.length} mutants in ${((performance.now() - started) / 1000).toFixed(0)} s; ${violations.length} broke the contract`);
for (const violation of violations) console.log(`  ${violation}`);
if (violations.length) {
  console.log(`kept in ${keep}; ${seedBanner(seed)}`);
  process.exitCode = 1;
}
