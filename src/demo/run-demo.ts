import { mkdirSync } from 'node:fs';
import { relative } from 'node:path';
import { check } from '../api/check.js';
import { useColor } from '../cli/output.js';
import { formatText } from '../reporters/text.js';
import { writeBrokenCopy } from './break-store.js';

/**
 * `npm start`: check the bundled healthy slice, then a copy broken the way real stores break,
 * and show both reports. Needs nothing but this repository.
 */
const dataDir = new URL('../../demo/data/', import.meta.url).pathname;
const outDir = new URL('../../demo/out/', import.meta.url).pathname;
const color = useColor(process.stdout, undefined);
const rule = (title: string) => process.stdout.write(`\n${'─'.repeat(8)} ${title} ${'─'.repeat(Math.max(4, 70 - title.length))}\n\n`);

mkdirSync(outDir, { recursive: true });
// Relative paths read better in the reports the demo prints.
const healthyPath = relative(process.cwd(), `${dataDir}docs.npy`);
const brokenPath = relative(process.cwd(), `${outDir}broken-docs.npy`);
const queriesPath = relative(process.cwd(), `${dataDir}queries.npy`);
const faults = writeBrokenCopy(healthyPath, brokenPath);

rule('1. a healthy store: demo/data/docs.npy (3000 WordNet documents, fastText, normalized)');
const healthy = await check(healthyPath, { metric: 'cosine', dim: 128, queries: queriesPath });
process.stdout.write(formatText(healthy, { color }));

rule('2. the same store after a bad week: demo/out/broken-docs.npy');
process.stdout.write(
  `planted: ${faults.zeroRows} zero rows, ${faults.nanRows} rows with NaN, a raw (unnormalized) shard from row ${faults.rawShardStart}, ` +
    `${faults.boilerplateCopies} copies of one boilerplate chunk\n\n`,
);
const broken = await check(brokenPath, { metric: 'cosine', dim: 128, queries: queriesPath });
process.stdout.write(formatText(broken, { color }));

rule('what next');
process.stdout.write(
  [
    `healthy: ${healthy.verdict.toUpperCase()}, broken: ${broken.verdict.toUpperCase()} (${broken.findings.filter((f) => f.severity === 'fail').map((f) => f.code).join(', ')})`,
    'try it on your own store:   npx vectorclinic check embeddings.npy --metric cosine --dim 768',
    'machine-readable report:    npx vectorclinic check demo/out/broken-docs.npy --metric cosine --format json',
  ].join('\n') + '\n',
);
