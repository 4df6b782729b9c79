import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VectorRowDecoder } from './vector-binary.js';

/** Values exact in float16 too, so vector and halfvec decode to the same numbers. */
const ROWS = ['[1,-2.5,0.125]', '[0,65504,-0.5]', '[3,4,-1024]'];

/** The decoder against pgvector's own send format and text output (PGlite with the real extension). */
describe('VectorRowDecoder reads what pgvector sends', { timeout: 60_000 }, () => {
  let db: PGlite;
  before(async () => {
    db = await PGlite.create({ extensions: { vector } });
    await db.exec('CREATE EXTENSION vector');
  });
  after(() => db.close());

  async function sent(type: 'vector' | 'halfvec', texts: readonly string[]): Promise<string[]> {
    const rows = await db.query<{ v: string }>(`SELECT encode(${type}_send(q::${type}), 'base64') AS v FROM unnest($1::text[]) WITH ORDINALITY AS u(q, n) ORDER BY n`, [texts]);
    return rows.rows.map((row) => row.v);
  }

  for (const type of ['vector', 'halfvec'] as const) {
    test(`${type}: every row lands in its slot of one reused matrix; another dimension is refused, not half-written`, async () => {
      const decoder = new VectorRowDecoder({ type, dim: 3 });
      const out = new Float32Array(4 * 3).fill(7);
      const values = await sent(type, ROWS);
      values.forEach((value, slot) => assert.equal(decoder.decode(value, out, slot), true));
      assert.deepEqual(
        Array.from(out.subarray(0, 9)),
        ROWS.flatMap((text) => JSON.parse(text) as number[]),
      );
      const [wider] = await sent(type, ['[1,2,3,4]']);
      const [narrower] = await sent(type, ['[1,2]']);
      assert.equal(decoder.decode(wider as string, out, 3), false);
      assert.equal(decoder.decode(narrower as string, out, 3), false);
      assert.deepEqual(Array.from(out.subarray(9)), [7, 7, 7]);
    });
  }

  test('sparsevec travels as text and expands to a dense row', async () => {
    const rows = await db.query<{ v: string }>("SELECT '{1:1.5,3:-2}/4'::sparsevec::text AS v");
    const decoder = new VectorRowDecoder({ type: 'sparsevec', dim: 4 });
    const out = new Float32Array(2 * 4);
    assert.equal(decoder.decode((rows.rows[0] as { v: string }).v, out, 1), true);
    assert.deepEqual(Array.from(out), [0, 0, 0, 0, 1.5, 0, -2, 0]);
    assert.equal(new VectorRowDecoder({ type: 'sparsevec', dim: 5 }).decode((rows.rows[0] as { v: string }).v, out, 0), false);
  });
});
