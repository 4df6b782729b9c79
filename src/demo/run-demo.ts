import { mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { check } from '../api/check.js';
import { useColor } from '../cli/output.js';
import { formatHtml } from '../reporters/html.js';
import { formatText } from '../reporters/text.js';
import type { Report } from '../core/report.js';
import { writeBrokenCopy } from './break-store.js';
import { buildDemoStore } from './build-demo-store.js';

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
  `planted: ${faults.zeroRows} zero rows, ${faults.nanRows} rows with NaN, a raw (unnormalized) shard from row ${faults.rawShardStart}, ` + `${faults.boilerplateCopies} copies of one boilerplate chunk\n\n`,
);
const broken = await check(brokenPath, { metric: 'cosine', dim: 128, queries: queriesPath });
process.stdout.write(formatText(broken, { color }));

rule('3. a live pgvector store (embedded Postgres, no server): the ivfflat index was created before the data');
const storeDir = relative(process.cwd(), `${outDir}pgdata`);
const built = await buildDemoStore(healthyPath, storeDir);
process.stdout.write(`built ${built.rows} rows in ${storeDir}; Postgres said: ${built.notices.join('; ') || 'nothing'}\n\n`);
const store = await check(`pglite://${storeDir}?table=docs&column=embedding`, { metric: 'cosine', dim: 128 });
process.stdout.write(formatText(store, { color }));

rule('4. the same reports for machines and people');
const htmlPath = relative(process.cwd(), `${outDir}broken-report.html`);
writeFileSync(htmlPath, formatHtml(broken));
process.stdout.write(`HTML report of the broken store: ${htmlPath} (one self-contained page, open it in a browser)\n`);

rule('what next');
process.stdout.write(
  [
    `healthy: ${healthy.verdict.toUpperCase()}, broken: ${broken.verdict.toUpperCase()} (${failing(broken)}), live store: ${store.verdict.toUpperCase()} (${failing(store)})`,
    'try it on your own store:   npx vectorclinic check embeddings.npy --metric cosine --dim 768',
    'machine-readable report:    npx vectorclinic check demo/out/broken-docs.npy --metric cosine --format json',
    `a live store:               npx vectorclinic check "pglite://${storeDir}?table=docs" --metric cosine   (or postgres://user@host/db?table=docs)`,
    'fix it:                     npx vectorclinic rebuild demo/out/broken-docs.npy --metric cosine --index hnsw --dedup --ids demo/data/docs.jsonl --out demo/out/docs.hnsw --apply',
    `fix the live store:         npx vectorclinic rebuild "pglite://${storeDir}?table=docs" --out "pglite://${storeDir}?table=docs" --metric cosine --index hnsw   (a plan; add --apply to do it)`,
    'prove it:                   npx vectorclinic smoke demo/out/docs.hnsw --questions demo/data/questions.jsonl --query-vectors demo/data/queries.npy',
    'why a finding fails:        npx vectorclinic explain mixed-norm-shards',
  ].join('\n') + '\n',
);

function failing(report: Report): string {
  return (
    report.findings
      .filter((finding) => finding.severity === 'fail')
      .map((finding) => finding.code)
      .join(', ') || 'no fail'
  );
}
