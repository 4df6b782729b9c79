import type { ArtifactName, Artifacts } from '../gather/artifacts.js';

/**
 * Why a check could not run when an input it needs is missing, in the user's words: what was
 * missing and what would let it run. Internal artifact names never reach the report.
 */
export function missingInputReason(missing: readonly ArtifactName[], artifacts: Artifacts): string {
  return missing.map((name) => inputReason(name, artifacts)).join('; ');
}

function inputReason(name: ArtifactName, artifacts: Artifacts): string {
  switch (name) {
    case 'queries':
      return 'no query vectors were given: pass --queries FILE (vectors your application searches with) to run it';
    case 'reference':
      return artifacts.index
        ? 'the embeddings the index was built from were not given: pass --vectors FILE to run it'
        : 'it compares an index with the embeddings it was built from: run it on an index file or store with --vectors FILE';
    case 'index':
      return 'the target holds no index: it runs on an index file (FAISS, hnswlib, usearch) or a live store with an index';
    case 'annAudit':
      return artifacts.index
        ? 'the index could not be searched in this run, so its recall was not measured (the notes say why)'
        : 'the target has no approximate index to search: recall is measured on an index file (FAISS, hnswlib, usearch) or a live store (pgvector, LanceDB, Chroma)';
    case 'pushdown':
      return 'the target is not a live store that counts its rows itself';
    case 'filteredRecall':
      return artifacts.source.local
        ? 'filtered search is measured in a live store (pgvector, LanceDB, Chroma) with a vector index'
        : 'the store has no vector index that serves filtered queries (without one, a filtered query is an exact scan)';
    case 'deletedRows':
      return artifacts.source.local ? 'deleted entries are read from a live store (pgvector, LanceDB)' : 'this store does not expose its deleted entries';
    case 'reachability':
      if (!artifacts.index) return 'the target holds no index: it runs on graph (HNSW) index files (FAISS HNSW, hnswlib, usearch)';
      if (!/hnsw/i.test(artifacts.index.type)) return `the index is not a graph (${artifacts.index.type}): only graph indexes (HNSW) can cut rows off from search`;
      return artifacts.source.local
        ? 'the index could not be searched in this run, so no row was searched for itself (the notes say why)'
        : "the store's own exact answers for sampled stored rows were not available (inner product, --queries given, or no ANN audit this run), and a live store does not say which id a sampled row has";
    default:
      return 'an input it needs could not be read from this target';
  }
}

/** What each input is, for the check pages ("Runs on: …"); inputs every target has are not listed. */
const INPUT_WORDS: Readonly<Partial<Record<ArtifactName, string>>> = {
  queries: 'query vectors (`--queries FILE`)',
  reference: 'the embeddings an index was built from (`--vectors FILE`)',
  index: 'an index (an index file or a live store with an index)',
  annAudit: 'an index vectorclinic can search (an index file or a live store)',
  pushdown: 'a live store that counts its rows itself',
  filteredRecall: 'a live store with a vector index (pgvector, LanceDB, Chroma); filters from `--filter` or discovered',
  deletedRows: 'a live store that counts its deleted entries (pgvector, LanceDB)',
  reachability: 'a graph (HNSW) index vectorclinic can search: FAISS HNSW, hnswlib, usearch files, or a live store with an HNSW index (L2 / cosine)',
};

/** "any target", or the inputs beyond the vectors themselves that the check needs, in plain words. */
export function inputsInWords(required: readonly ArtifactName[]): string {
  const words = required.flatMap((name) => INPUT_WORDS[name] ?? []);
  return words.length ? words.join(', ') : 'any target (it needs only the vectors)';
}

/** The inputs a check also reads when present (it runs without them), in plain words; '' when none beyond the vectors. */
export function optionalInputsInWords(optional: readonly ArtifactName[] = []): string {
  return optional.flatMap((name) => INPUT_WORDS[name] ?? []).join(', ');
}

/** "Runs on: …", plus what the check also uses when the target or the options give it. */
export function runsOnInWords(meta: { readonly requiredArtifacts: readonly ArtifactName[]; readonly optionalArtifacts?: readonly ArtifactName[] }): string {
  const optional = optionalInputsInWords(meta.optionalArtifacts);
  return `${inputsInWords(meta.requiredArtifacts)}${optional ? `; also uses, when present: ${optional}` : ''}`;
}
