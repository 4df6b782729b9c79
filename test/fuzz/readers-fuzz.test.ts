import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Rng } from '../../src/math/rng.js';
import { readOrRefuse, type Outcome } from './contract.js';
import { seedFiles } from './corpus.js';
import { mutant } from './mutants.js';
import { fuzzSeed, seedBanner } from './seed.js';

/**
 * Every file reader against seeded mutants of a real file of its format (see mutants.ts): each
 * must be read or refused with an input error, in process. A few thousand mutants per run in all;
 * `npm run fuzz` runs many more through the CLI and prints the exit-code table.
 */

const SEED = fuzzSeed();
/** Mutants per format, shared among its seed files: 2,700 in all, ~40 s on a loaded 2-core machine. */
const MUTANTS_PER_FORMAT: Readonly<Record<string, number>> = { arrow: 450, faiss: 500 };
const DEFAULT_MUTANTS = 250;

const dir = mkdtempSync(join(tmpdir(), 'vectorclinic-fuzz-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const seeds = seedFiles();
const formats = [...new Set(seeds.map((seed) => seed.format))];

test(seedBanner(SEED), () => {
  assert.equal(formats.length, 9, formats.join(', '));
});

for (const [formatIndex, format] of formats.entries()) {
  test(`fuzz ${format}: mutated files are read or refused with an input error naming the file`, { timeout: 240_000 }, async (t) => {
    const files = seeds.filter((seed) => seed.format === format);
    const total = MUTANTS_PER_FORMAT[format] ?? DEFAULT_MUTANTS;
    const outcomes: Record<Outcome, number> = { read: 0, 'input-error': 0 };
    const rng = new Rng(SEED * 31 + formatIndex);
    for (let index = 0; index < total; index++) {
      const seed = files[index % files.length]!;
      const { bytes, description } = mutant(seed.bytes, seed.regions, rng);
      const path = join(dir, `mutant-${format}${seed.extension}`);
      writeFileSync(path, bytes);
      try {
        outcomes[await readOrRefuse(path, seed.options)]++;
      } catch (error) {
        const dump = join(tmpdir(), `vectorclinic-fuzz-failure${seed.extension}`);
        writeFileSync(dump, bytes);
        assert.fail(`${seedBanner(SEED)}, mutant ${index} of ${seed.name} (${description}, kept as ${dump}): ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
    t.diagnostic(`${format}: ${outcomes.read} read, ${outcomes['input-error']} refused`);
    // Both outcomes must occur, or the mutants say little about the reader.
    assert.ok(outcomes.read > 0 && outcomes['input-error'] > 0, JSON.stringify(outcomes));
  });
}
