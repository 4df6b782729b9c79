import { Embeddings } from '@langchain/core/embeddings';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { createGuard } from '../../guard/guard.js';
import type { GuardOptions } from '../../guard/types.js';

/**
 * Embeddings whose every vector meets the policy: the dimension contract holds, nothing is zero or
 * non-finite (a bad vector throws, naming the text's position), and vectors are normalized once.
 * An `Embeddings` must return one vector per text, so bad ones cannot be dropped, only refused.
 */
export class GuardedEmbeddings extends Embeddings {
  constructor(
    private readonly inner: EmbeddingsInterface,
    private readonly policy: GuardOptions,
  ) {
    super({});
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return this.guarded(await this.inner.embedDocuments(texts), 'documents');
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.guarded([await this.inner.embedQuery(text)], 'query')[0] as number[];
  }

  private guarded(vectors: number[][], batchId: string): number[][] {
    // A fresh guard per call: repeated texts legitimately repeat vectors here.
    const guard = createGuard({ ...this.policy, onBad: 'throw', trackIds: false, duplicates: 'flag', log: undefined });
    const { accepted } = guard.check(vectors, { batchId });
    return Array.from({ length: accepted.count }, (_, i) => Array.from(accepted.data.subarray(i * accepted.dim, (i + 1) * accepted.dim)));
  }
}

export function guardEmbeddings(embeddings: EmbeddingsInterface, policy: GuardOptions): GuardedEmbeddings {
  return new GuardedEmbeddings(embeddings, policy);
}
