/**
 * ESLint-style build check: every registered check has a current docs page (generated from its
 * metadata by `npm run docs`) and a test that mentions its code.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { CHECKS } from '../../src/checks/registry.js';
import { expectedCheckDocs, indexPage } from '../../src/reporters/check-docs-folder.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DOCS = join(ROOT, 'docs/checks');
const THIS_FILE = new URL(import.meta.url).pathname;

test('every registered check has an up-to-date docs/checks page (run `npm run docs` after editing a check)', () => {
  const pages = expectedCheckDocs();
  for (const [name, text] of pages) {
    const path = join(DOCS, name);
    assert.ok(existsSync(path), `docs/checks/${name} is missing: run npm run docs`);
    assert.equal(readFileSync(path, 'utf8'), text, `docs/checks/${name} is stale: run npm run docs`);
  }
  assert.equal(readFileSync(join(DOCS, 'README.md'), 'utf8'), indexPage(), 'docs/checks/README.md is stale: run npm run docs');
  const extra = readdirSync(DOCS).filter((name) => name.endsWith('.md') && name !== 'README.md' && !pages.has(name));
  assert.deepEqual(extra, [], 'pages of checks that are no longer registered: run npm run docs');
});

test('every registered check has a test that mentions its code', () => {
  const tests = ['src', 'test'].flatMap((dir) => testFiles(join(ROOT, dir))).filter((file) => file !== THIS_FILE);
  const sources = tests.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  for (const check of CHECKS) {
    const quoted = new RegExp(`['"\`]${check.meta.code}['"\`]`);
    assert.ok(
      sources.some(({ text }) => quoted.test(text)),
      `no *.test.ts mentions '${check.meta.code}': add a test for the check (searched ${sources.map(({ file }) => relative(ROOT, file)).join(', ')})`,
    );
  }
});

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}
