export { GuardedVectorStore, guardVectorStore, type GuardedAddReport, type GuardedStoreOptions } from './guarded-vector-store.js';
export { GuardedEmbeddings, guardEmbeddings } from './guarded-embeddings.js';
