import { count } from '../core/format.js';
import { defineCheck, type CheckResult } from './check.js';

/** IVF search probes nprobe lists; with fewer vectors than lists most probes hit empty lists. */
const VECTORS_PER_LIST_MIN = 1;

export default defineCheck({
  meta: {
    code: 'empty-index',
    title: 'The store holds searchable vectors',
    failureTitle: 'The store is empty or not ready to search',
    description:
      'A store that was queried before it was filled (the index built or trained before the data arrived, an ' +
      'ingestion job that never ran, an untrained IVF that silently returns nothing) answers every query with ' +
      'nothing or with noise, while the application keeps running.',
    decides: 'Fails when the store holds no vectors, when an IVF index is not trained, or when an IVF index holds fewer vectors than it has lists.',
    evidence: {
      rows: 'vectors the store holds (ntotal)',
      trained: 'whether the index is trained',
      nlist: 'inverted lists of an IVF index',
      emptyLists: 'lists holding no vector',
    },
    labels: ['No.8', 'No.16'],
    requiredArtifacts: ['source'],
    fix: 'Build the store in order: ingest (and deduplicate) first, then train and build the index on the data it will hold; gate the service on a non-empty, trained index (`vectorclinic check` in CI or at boot).',
  },
  run({ source, index }): CheckResult | null {
    const rows = source.rows;
    if (index && !index.trained) {
      return {
        severity: 'fail',
        message: `The ${index.type} index is not trained: it cannot assign vectors to lists, so searches return nothing.`,
        evidence: { rows, trained: false },
        extraLabels: ['No.14'],
      };
    }
    if (rows === 0) {
      return {
        severity: 'fail',
        message: `The ${index ? `${index.type} index` : 'store'} holds no vectors: every query returns nothing${index?.ivf ? ` (its ${index.ivf.nlist} lists are all empty)` : ''}.`,
        evidence: { rows: 0, trained: index?.trained ?? null, ...(index?.ivf ? { nlist: index.ivf.nlist, emptyLists: index.ivf.nlist } : {}) },
      };
    }
    const ivf = index?.ivf;
    if (ivf && rows < ivf.nlist * VECTORS_PER_LIST_MIN) {
      const empty = Array.from(ivf.listSizes).filter((size) => size === 0).length;
      return {
        severity: 'fail',
        message: `The IVF index has ${count(ivf.nlist)} lists but only ${count(rows)} vectors (${count(empty)} lists empty): it was sized or trained for data that is not there.`,
        evidence: { rows, trained: true, nlist: ivf.nlist, emptyLists: empty },
        extraLabels: ['No.14'],
      };
    }
    return null;
  },
});
