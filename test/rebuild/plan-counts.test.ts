import { DuckDBInstance } from '@duckdb/node-api';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';

test('a rebuild plan and its apply count the same rejections: a ragged, a zero and a NULL row of a FLOAT[] table', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-plan-counts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'app.duckdb');
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  await connection.run('CREATE TABLE docs (id BIGINT PRIMARY KEY, embedding FLOAT[])');
  await connection.run('INSERT INTO docs SELECT i, [cos(i)::FLOAT, sin(i)::FLOAT, (i % 7)::FLOAT, 1.0] FROM range(1, 200) t(i)');
  await connection.run('INSERT INTO docs VALUES (500, [1, 2, 3]), (501, [0, 0, 0, 0]), (502, NULL)');
  connection.closeSync();
  instance.closeSync();
  const url = `duckdb://${file}?table=docs`;
  const args = ['rebuild', url, '--out', url, '--metric', 'cosine', '--index', 'flat', '--no-check', '--format', 'json'];
  const plan = await runCli(args);
  assert.equal(plan.code, 0, plan.stderr);
  const planned = JSON.parse(plan.stdout) as { plan: { guard: { accepted: number; rejected: number }; steps: string[] } };
  assert.deepEqual([planned.plan.guard.accepted, planned.plan.guard.rejected], [199, 2]);
  assert.ok(
    planned.plan.steps.some((step) => step.includes('1 row without a vector kept as it is')),
    planned.plan.steps.join('\n'),
  );
  const apply = await runCli([...args, '--apply']);
  assert.equal(apply.code, 0, apply.stderr);
  const applied = JSON.parse(apply.stdout) as { applied: { accepted: number; rejected: number } };
  assert.deepEqual([applied.applied.accepted, applied.applied.rejected], [planned.plan.guard.accepted, planned.plan.guard.rejected]);
});
