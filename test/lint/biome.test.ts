import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';

// Biome over src/, test/ and scripts/ with biome.jsonc: lint rules and the formatter (npm run lint).

const root = new URL('../..', import.meta.url).pathname;
const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [biome, ...args, '--colors=off', '.'], { cwd: root, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('biome lint: no rule of biome.jsonc is broken', () => {
  const { status, output } = run('lint', '--max-diagnostics=50');
  assert.equal(status, 0, output);
});

test('biome format: every file is formatted', (t) => {
  const { status, output } = run('format', '--reporter=summary');
  const unformatted = /Found (\d+) errors?/.exec(output)?.[1] ?? '0';
  t.diagnostic(`${unformatted} files differ from the formatter's output`);
  assert.equal(status, 0, `${unformatted} files are not formatted: run npm run format`);
});
