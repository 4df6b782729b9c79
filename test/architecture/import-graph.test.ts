import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CRUISER = fileURLToPath(new URL('../../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url));
/** Violations measured before the layers were straightened, each to be fixed and removed; none may be added. */
const KNOWN = '.dependency-cruiser-known-violations.json';

test('no import in src/ runs against the layer order and none forms a loop (.dependency-cruiser.cjs)', { timeout: 120_000 }, () => {
  const known = existsSync(`${REPO_ROOT}${KNOWN}`) ? ['--ignore-known', KNOWN] : [];
  const run = spawnSync(process.execPath, [CRUISER, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', ...known], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `import-graph violations (what each rule means: .dependency-cruiser.cjs, docs/architecture.md):\n${run.stdout}${run.stderr}`);
});
