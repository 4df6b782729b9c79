import { StoreError, UsageError } from '../../../errors.js';
import type { SourceOptions, StoreConnector } from '../../source.js';
import { loadDriver } from '../../../engines/drivers.js';
import { storeFailure } from '../../../engines/store-errors.js';
import { parseStoreUrl } from '../../../engines/store-url.js';
import { type ChromaRequestTimeout, RequestClock } from '../../../engines/chroma/request-timeout.js';
import { ChromaSource } from './source.js';

const DEFAULT_PORT = 8000;
/**
 * One HTTP request may take this long: a page of 1,000 embeddings or 100 HNSW queries answer in
 * well under a second on a live server, so this means a server that is there but not answering.
 */
export const CHROMA_REQUEST_TIMEOUT_MS = 15_000;

/** chroma://host:port/collection (?ssl=true, ?tenant=, ?database=, ?token= for a server with token auth). */
export const CHROMA_CONNECTOR: StoreConnector = {
  schemes: ['chroma'],
  example: 'chroma://host:port/collection',
  open: openChroma,
};

/** Open chroma://host:port/collection; `requestTimeoutMs` bounds every HTTP request (tests shorten it). */
export async function openChroma(target: string, _options: SourceOptions, tuning: { readonly requestTimeoutMs?: number } = {}): Promise<ChromaSource> {
  const clock = new RequestClock(tuning.requestTimeoutMs ?? CHROMA_REQUEST_TIMEOUT_MS);
  const url = parseStoreUrl(target);
  const shown = url.shown;
  const params = url.params;
  params.expectOnly(['ssl', 'tenant', 'database', 'token']);
  const name = url.path.replace(/^\/+|\/+$/g, '');
  if (!name || name.includes('/')) throw new UsageError('give one collection name after the host', { where: shown, hint: 'chroma://host:port/collection' });
  const token = params.get('token');
  const host = url.host || 'localhost';
  const port = url.port ?? DEFAULT_PORT;
  const { ChromaClient } = await loadDriver('chromadb', shown);
  const client = new ChromaClient({
    host,
    port,
    ssl: params.get('ssl') === 'true',
    ...(params.get('tenant') ? { tenant: params.get('tenant') as string } : {}),
    ...(params.get('database') ? { database: params.get('database') as string } : {}),
    ...(token ? { headers: { 'x-chroma-token': token } } : {}),
    fetchOptions: { signal: clock.signal },
  });
  const describe = (error: unknown): { what: string; hint?: string } | undefined => {
    const kind = (error as { name?: string } | null)?.name ?? '';
    if (kind === 'ChromaNotFoundError') return { what: `no collection '${name}'` };
    if (kind === 'ChromaUnauthorizedError' || kind === 'ChromaForbiddenError') return { what: 'the server refused the credentials', hint: 'pass the token with ?token=' };
    if (kind === 'ChromaRequestTimeout')
      return {
        what: `the Chroma server at ${host}:${port} accepted the connection but sent no answer within ${(error as ChromaRequestTimeout).seconds} s`,
        hint: 'is the server overloaded, stopped or behind a proxy that drops requests?',
      };
    if (kind === 'ChromaConnectionError') return { what: `cannot reach the Chroma server at ${host}:${port}`, hint: 'is the server running (chroma run --path DIR --port P) on that host and port?' };
    return undefined;
  };
  try {
    // embeddingFunction null: vectors are read and queried as stored, never re-embedded.
    const collection = await clock.run(() => client.getCollection({ name, embeddingFunction: null as never }));
    return new ChromaSource(collection, shown, clock, describe);
  } catch (error) {
    const failure = storeFailure(shown, 'open the Chroma collection', error, describe, token ?? undefined);
    if ((error as { name?: string } | null)?.name !== 'ChromaNotFoundError') throw failure;
    const names = await clock
      .run(() => client.listCollections())
      .then(
        (collections) => collections.map((c) => c.name),
        () => [],
      );
    throw new StoreError(failure.message, { where: shown, hint: names.length ? `collections here: ${names.slice(0, 20).join(', ')}` : 'this database holds no collection (check ?tenant= and ?database=)', cause: error });
  }
}
