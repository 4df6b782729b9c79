import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Document, type DocumentInterface } from '@langchain/core/documents';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { VectorStore } from '@langchain/core/vectorstores';

/**
 * A LangChain.js vector store on real pgvector (PGlite). LangChain's own PGVectorStore lives in
 * @langchain/community, which does not install here: its optional peers pin @lancedb/lancedb ^0.19,
 * usearch ^1 and zod 3 against this project's pins. Like PGVectorStore, adding an existing id
 * upserts (overwrites) the row: exactly what the guard must prevent.
 */
export class PgliteVectorStore extends VectorStore {
  declare FilterType: never;

  private constructor(
    embeddings: EmbeddingsInterface,
    readonly db: PGlite,
  ) {
    super(embeddings, {});
  }

  static async create(embeddings: EmbeddingsInterface, dim: number): Promise<PgliteVectorStore> {
    const db = await PGlite.create({ extensions: { vector } });
    await db.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE docs (id text PRIMARY KEY, content text NOT NULL, embedding vector(${dim}) NOT NULL);`);
    return new PgliteVectorStore(embeddings, db);
  }

  _vectorstoreType(): string {
    return 'pglite-pgvector';
  }

  async addVectors(vectors: number[][], documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    const ids = options?.ids ?? documents.map((document, i) => document.id ?? String(i));
    for (const [i, values] of vectors.entries()) {
      await this.db.query('INSERT INTO docs (id, content, embedding) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET content = EXCLUDED.content, embedding = EXCLUDED.embedding', [
        ids[i],
        documents[i]?.pageContent ?? '',
        `[${values.join(',')}]`,
      ]);
    }
    return ids;
  }

  async addDocuments(documents: DocumentInterface[], options?: { ids?: string[] }): Promise<string[]> {
    return this.addVectors(await this.embeddings.embedDocuments(documents.map((d) => d.pageContent)), documents, options);
  }

  async similaritySearchVectorWithScore(query: number[], k: number): Promise<[DocumentInterface, number][]> {
    const result = await this.db.query<{ id: string; content: string; distance: number }>('SELECT id, content, embedding <=> $1 AS distance FROM docs ORDER BY embedding <=> $1 LIMIT $2', [`[${query.join(',')}]`, k]);
    return result.rows.map((row) => [new Document({ id: row.id, pageContent: row.content }), 1 - row.distance]);
  }

  async count(): Promise<number> {
    const result = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM docs');
    return result.rows[0]?.n ?? 0;
  }

  async existingIds(ids: readonly string[]): Promise<string[]> {
    const result = await this.db.query<{ id: string }>('SELECT id FROM docs WHERE id = ANY($1)', [ids]);
    return result.rows.map((row) => row.id);
  }
}
