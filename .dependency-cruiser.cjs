/**
 * The import map of src/ (docs/architecture.md): each layer imports only from the layers below it,
 * and no module imports itself back through a loop. test/architecture/import-graph.test.ts runs this
 * over src/ and fails on any violation; `npx depcruise src` prints the same.
 */

/** Lowest first. A module may import its own layer and every layer above it in this list, none below. */
const LAYERS = [
  { name: 'base', paths: ['^src/core/', '^src/errors\\.ts$', '^src/math/', '^src/io/'] },
  { name: 'engines', paths: ['^src/engines/'] },
  // The store manifest is a file format (schema, reading, the model fingerprint it records): sources read it
  // from stores, checks compare against it, and the commands write it.
  { name: 'manifest', paths: ['^src/manifest/'] },
  { name: 'sources', paths: ['^src/sources/'] },
  { name: 'gather', paths: ['^src/gather/'] },
  { name: 'computed', paths: ['^src/computed/'] },
  { name: 'checks', paths: ['^src/checks/'] },
  { name: 'report', paths: ['^src/report/', '^src/reporters/'] },
  { name: 'commands', paths: ['^src/api/', '^src/guard/', '^src/rebuild/', '^src/smoke/', '^src/diff/'] },
  { name: 'entry points', paths: ['^src/cli/', '^src/cli\\.ts$', '^src/index\\.ts$', '^src/integrations/', '^src/bench/', '^src/demo/'] },
];

/** Tests may import across layers (a test of a check builds its artifacts with the gatherers). */
const TESTS = '\\.test\\.ts$';

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} sits below ${LAYERS.slice(index + 1).map((above) => above.name).join(', ')}: it may not import from them (docs/architecture.md)`,
  severity: 'error',
  from: { path: layer.paths, pathNot: TESTS },
  to: { path: LAYERS.slice(index + 1).flatMap((above) => above.paths) },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'writer-not-into-connector',
      comment: 'a rebuild writer and a reading connector share engine code through src/engines/<engine>/, never each other',
      severity: 'error',
      from: { path: '^src/rebuild/', pathNot: TESTS },
      to: { path: '^src/sources/stores/' },
    },
    {
      name: 'no-circular',
      comment: 'an import loop (type-only imports included): the modules cannot be read, tested or moved one at a time',
      severity: 'error',
      from: { path: '^src/', pathNot: TESTS },
      to: { circular: true },
    },
    {
      name: 'not-in-layers',
      comment: 'every module of src/ belongs to a layer: add a new top-level folder to LAYERS in .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: [TESTS, ...LAYERS.flatMap((layer) => layer.paths)] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: TESTS },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
