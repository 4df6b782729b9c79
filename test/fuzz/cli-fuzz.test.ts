import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { repoRoot } from '../sources/helpers.js';
import { judge, runCheck, type CheckRun } from './cli-run.js';
import { seedFiles } from './corpus.js';
import { mutant } from './mutants.js';
import { fuzzSeed, seedBanner } from './seed.js';

/**
 * A few mutants per reader through the real CLI (a child process per file): the exit code and the
 * JSON report are what CI sees. readers-fuzz.test.ts covers many more in process; `npm run fuzz`
 * runs thousands through the CLI.
 */

const SEED = fuzzSeed();
/** Spawns with tsx take seconds each on 2 shared cores: one mutant per reader. */
const PER_FORMAT = 1;
const TIMEOUT_MS = 60_000;
const PARALLEL = 3;

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-cli-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test(`fuzz through the CLI: exit 0/1 with a JSON report or exit 2 naming the file (${seedBanner(SEED)})`, { timeout: 300_000 }, async (t) => {
  const seeds = seedFiles();
  const formats = [...new Set(seeds.map((seed) => seed.format))];
  const rng = new Rng(SEED ^ 0x5eed);
  const cases = formats.flatMap((format) => {
    const files = seeds.filter((seed) => seed.format === format);
    return Array.from({ length: PER_FORMAT }, (_, i) => {
      const seed = files[rng.nextInt(files.length)]!;
      const { bytes, description } = mutant(seed.bytes, seed.regions, rng);
      const path = join(dir, `${format}-${i}${seed.extension}`);
      writeFileSync(path, bytes);
      const extra = seed.options.metric ? ['--metric', seed.options.metric] : [];
      return { label: `${seed.name} (${description})`, path, extra };
    });
  });
  const runs: CheckRun[] = [];
  const queue = cases.map((_, i) => i);
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const { path, extra } = cases[i]!;
        runs[i] = await runCheck(['--import', 'tsx', 'src/cli.ts'], path, extra, { cwd: repoRoot, timeoutMs: TIMEOUT_MS });
      }
    }),
  );
  const exits: Record<string, number> = {};
  cases.forEach(({ label, path }, i) => {
    const verdict = judge(runs[i]!, path, TIMEOUT_MS);
    exits[String(verdict.exit)] = (exits[String(verdict.exit)] ?? 0) + 1;
    assert.ok(verdict.ok, `${seedBanner(SEED)}: ${label}: ${verdict.ok ? '' : verdict.why}`);
  });
  t.diagnostic(`exit codes: ${JSON.stringify(exits)}`);
});
