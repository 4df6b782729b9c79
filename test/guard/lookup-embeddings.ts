import { readFileSync } from 'node:fs';
import { Embeddings } from '@langchain/core/embeddings';
import { DATA_DIR, DIM, loadRows } from '../rebuild/shared-data.js';

/**
 * Real fastText vectors of the WordNet documents, looked up by their text (what the embedding
 * model returned for them). A text it does not know gets an all-zero vector: what a failed or
 * empty embedding call typically stores.
 */
export class LookupEmbeddings extends Embeddings {
  private constructor(
    private readonly rows: Float32Array,
    private readonly byText: ReadonlyMap<string, number>,
  ) {
    super({});
  }

  static async load(count: number): Promise<{ embeddings: LookupEmbeddings; docs: { id: string; text: string }[] }> {
    const docs = readFileSync(`${DATA_DIR}docs.jsonl`, 'utf8')
      .split('\n')
      .slice(0, count)
      .map((line) => JSON.parse(line) as { id: string; text: string });
    const rows = await loadRows('docs.f32.npy', count);
    return { embeddings: new LookupEmbeddings(rows, new Map(docs.map((doc, i) => [doc.text, i]))), docs };
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.vector(text));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.vector(text);
  }

  private vector(text: string): number[] {
    const row = this.byText.get(text);
    return row === undefined ? new Array(DIM).fill(0) : Array.from(this.rows.subarray(row * DIM, (row + 1) * DIM));
  }
}
