/**
 * The fuzz seed: VECTORCLINIC_FUZZ_SEED when set (to replay a campaign's failure), else a
 * fixed default, so a plain `npm test` is reproducible and a failure names the seed to rerun with.
 */
export const DEFAULT_FUZZ_SEED = 20261207;

export function fuzzSeed(fallback = DEFAULT_FUZZ_SEED): number {
  const text = process.env.VECTORCLINIC_FUZZ_SEED;
  if (text === undefined || text === '') return fallback;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`VECTORCLINIC_FUZZ_SEED must be an integer, got '${text}'`);
  return seed;
}

/** The line a fuzz test prints first: enough to reproduce any failure below it. */
export function seedBanner(seed: number): string {
  return `fuzz seed ${seed} (rerun with VECTORCLINIC_FUZZ_SEED=${seed})`;
}
