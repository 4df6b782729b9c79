import type { CheckContext } from './check-context.js';
import type { Artifacts } from '../gather/artifacts.js';
import { Rng, sampleIndices } from '../math/rng.js';
import { selectRows } from '../math/vectors.js';
import { validQueries, validSample, type ValidRows } from './valid-sample.js';

/**
 * Random probe queries and the base they are searched against. With --queries the probes are
 * real queries and the base is the whole valid sample; otherwise probes are held-out sample rows,
 * excluded from every result so a row never finds itself (the base is the valid sample in place:
 * no copy of it).
 */
export interface ProbeSet {
  readonly origin: 'queries' | 'held-out';
  readonly dim: number;
  readonly queries: Float32Array;
  readonly queryCount: number;
  /** Row numbers of the probes (in the query file, or in the source for held-out rows). */
  readonly queryRows: readonly number[];
  /** The valid sample (raw): `baseCount` rows, the same order as `validSample`. */
  readonly base: Float32Array;
  readonly baseCount: number;
  readonly baseRows: readonly number[];
  /** Base indices that are probes themselves (held-out): never returned as neighbours. */
  readonly excluded: ReadonlySet<number>;
  /** Base rows a probe can find: baseCount − excluded.size. */
  readonly searchable: number;
}

/** Fewer base rows than this make neighbour lists meaningless (k=20 would cover the base). */
export const MIN_BASE_ROWS = 100;

export function probeSet(artifacts: Artifacts, context: CheckContext): ProbeSet | undefined {
  return context.memo('probe-set', () => buildProbeSet(artifacts, context));
}

function buildProbeSet(artifacts: Artifacts, context: CheckContext): ProbeSet | undefined {
  const sample = validSample(artifacts, context);
  const queries = validQueries(artifacts, context);
  const wanted = artifacts.settings.probeQueries;
  const rng = new Rng(artifacts.settings.seed ^ 0x5eed);
  if (queries && queries.count >= 2 && queries.dim === sample.dim) {
    if (sample.count < MIN_BASE_ROWS) return undefined;
    const picks = sampleIndices(queries.count, wanted, rng);
    return {
      origin: 'queries',
      dim: sample.dim,
      queries: selectRows(queries.data, queries.dim, picks),
      queryCount: picks.length,
      queryRows: picks.map((i) => queries.rows[i] as number),
      base: sample.data,
      baseCount: sample.count,
      baseRows: sample.rows,
      excluded: new Set(),
      searchable: sample.count,
    };
  }
  return heldOut(sample, wanted, rng);
}

function heldOut(sample: ValidRows, wanted: number, rng: Rng): ProbeSet | undefined {
  const probes = Math.min(wanted, Math.floor(sample.count / 10));
  if (probes < 2 || sample.count - probes < MIN_BASE_ROWS) return undefined;
  const picks = sampleIndices(sample.count, probes, rng);
  return {
    origin: 'held-out',
    dim: sample.dim,
    queries: selectRows(sample.data, sample.dim, picks),
    queryCount: picks.length,
    queryRows: picks.map((i) => sample.rows[i] as number),
    base: sample.data,
    baseCount: sample.count,
    baseRows: sample.rows,
    excluded: new Set(picks),
    searchable: sample.count - picks.length,
  };
}
