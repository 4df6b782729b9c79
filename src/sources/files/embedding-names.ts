/**
 * Field / column names that exporters use for the embedding, most specific first: LangChain and
 * most vector stores write `embedding`, Pinecone exports `values`, LanceDB uses `vector`.
 */
export const EMBEDDING_NAMES: readonly string[] = ['embedding', 'embeddings', 'vector', 'vectors', 'values', 'emb', 'embed', 'dense_vector', 'vec'];

/**
 * Rank of a name in EMBEDDING_NAMES (case-insensitive), or -1 when it is not one of them.
 * Arrow field names are optional: a file may hold a column with no name at all.
 */
export function embeddingNameRank(name: string | null | undefined): number {
  return typeof name === 'string' ? EMBEDDING_NAMES.indexOf(name.toLowerCase()) : -1;
}

/** The most common length (ties: the one seen first), the dimension rule for ragged sources. */
export function modalLength(lengths: readonly number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const length of lengths) counts.set(length, (counts.get(length) ?? 0) + 1);
  let best: number | undefined;
  let bestCount = 0;
  // Map iteration follows first insertion, so a strict `>` keeps the earliest of tied lengths.
  for (const [length, seen] of counts) {
    if (seen > bestCount) {
      best = length;
      bestCount = seen;
    }
  }
  return best;
}
