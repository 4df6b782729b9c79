import { redactTarget } from '../engines/store-url.js';
import { InputError, StoreError, UsageError } from '../errors.js';
import { openSource } from '../sources/open-source.js';
import type { Rows } from '../core/rows.js';

/** Where query vectors come from: a vector file aligned with the questions, or an embeddings API. */
export type QueryEmbedding =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'openai-compatible';
      /** API base, e.g. https://api.openai.com/v1 (POST <base>/embeddings). */
      readonly baseUrl: string;
      readonly model: string;
      /** Name of the environment variable holding the API key (never the key itself). */
      readonly apiKeyEnv?: string;
    };

export interface QueryVectors extends Rows {
  readonly description: string;
}

/** Texts per request: well under every provider's input limit, few enough round trips for 2,000 questions. */
const EMBED_BATCH = 64;
const REQUEST_TIMEOUT_MS = 60_000;

/** Query vectors for the questions at `lines` (0-based positions in the questions file). */
export async function embedQuestions(embedding: QueryEmbedding, texts: readonly string[], positions: readonly number[]): Promise<QueryVectors> {
  return embedding.kind === 'file' ? fromFile(embedding.path, positions) : fromApi(embedding, texts);
}

async function fromFile(path: string, positions: readonly number[]): Promise<QueryVectors> {
  const source = await openSource(path);
  try {
    const { rows, dim } = await source.describe();
    const beyond = positions.find((position) => position >= rows);
    if (beyond !== undefined) {
      throw new InputError(`question ${beyond + 1} has no query vector: the file holds ${rows} rows`, { where: path, hint: 'row i of --query-vectors must embed line i of --questions' });
    }
    const block = await source.readRows(positions);
    return { data: block.data, count: block.count, dim, description: `${path} (row i = question i)` };
  } finally {
    await source.close();
  }
}

/** Embedding requests are idempotent: one retry covers a keep-alive socket the server closed meanwhile. */
const NETWORK_ATTEMPTS = 2;

async function post(url: string, body: string, apiKey: string | undefined): Promise<Response> {
  const shown = redactTarget(url);
  let lastError: unknown;
  for (let attempt = 0; attempt < NETWORK_ATTEMPTS; attempt++) {
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      lastError = error;
    }
  }
  const cause = (lastError as { cause?: { code?: string } }).cause?.code;
  const message = scrub(String((lastError as Error).message), [url, apiKey], shown);
  throw new StoreError(`cannot reach the embeddings API (${message}${cause ? `: ${cause}` : ''})`, { where: shown, hint: 'check --base-url and that the server is up', cause: lastError });
}

interface EmbeddingsResponse {
  readonly data?: readonly { readonly embedding?: unknown; readonly index?: number }[];
}

/** The standard embeddings HTTP API: POST {model, input: [...]} → {data: [{embedding, index}]}. */
async function fromApi(embedding: Extract<QueryEmbedding, { kind: 'openai-compatible' }>, texts: readonly string[]): Promise<QueryVectors> {
  const url = `${embedding.baseUrl.replace(/\/+$/, '')}/embeddings`;
  // --base-url may carry credentials (https://user:key@host, ?api_key=): messages show it redacted.
  const shown = redactTarget(url);
  const apiKey = embedding.apiKeyEnv ? process.env[embedding.apiKeyEnv] : undefined;
  if (embedding.apiKeyEnv && !apiKey) throw new UsageError(`environment variable ${embedding.apiKeyEnv} is not set`, { where: '--api-key-env', hint: `export ${embedding.apiKeyEnv}=<your key>` });
  const vectors: number[][] = [];
  for (let start = 0; start < texts.length; start += EMBED_BATCH) {
    const input = texts.slice(start, start + EMBED_BATCH);
    const response = await post(url, JSON.stringify({ model: embedding.model, input, encoding_format: 'float' }), apiKey);
    if (!response.ok) {
      // Servers echo what they were sent (the key, the URL): neither reaches the message.
      const body = scrub((await response.text().catch(() => '')).slice(0, 200), [url, apiKey], shown);
      throw new StoreError(`the embeddings API answered HTTP ${response.status}${body ? `: ${body}` : ''}`, {
        where: shown,
        hint: response.status === 401 ? 'check the API key (--api-key-env)' : 'check --model and --base-url',
      });
    }
    const payload = (await response.json().catch(() => ({}))) as EmbeddingsResponse;
    const items = [...(payload.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (items.length !== input.length) throw new StoreError(`the embeddings API returned ${items.length} embeddings for ${input.length} inputs`, { where: shown });
    for (const item of items) {
      if (!Array.isArray(item.embedding) || !item.embedding.every((value) => typeof value === 'number')) {
        throw new StoreError('the embeddings API returned an embedding that is not a list of numbers', { where: shown, hint: 'the server must support encoding_format "float"' });
      }
      vectors.push(item.embedding as number[]);
    }
  }
  const dim = vectors[0]?.length ?? 0;
  const ragged = vectors.findIndex((vector) => vector.length !== dim);
  if (ragged >= 0) throw new StoreError(`embedding ${ragged} has ${vectors[ragged]?.length} values, the first had ${dim}`, { where: shown });
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((vector, i) => data.set(vector, i * dim));
  return { data, count: vectors.length, dim, description: `${embedding.model} via ${shown}` };
}

/** `text` with each secret replaced (the URL by its redacted form, a key by ***). */
function scrub(text: string, secrets: readonly (string | undefined)[], shownUrl: string): string {
  let result = text;
  for (const [i, secret] of secrets.entries()) if (secret) result = result.split(secret).join(i === 0 ? shownUrl : '***');
  return result;
}
