/**
 * The direction of imports in src/ (see ../shared/ARCHITECTURE.md, "Layers"): a folder may import from folders
 * lower in LAYERS, never from higher ones, and never from another folder on its own rung. Plus: no cycles, web/
 * sees only src/shared/api/, and src/shared/api/ stays free of Node and of the back end. `npm run depcheck`
 * (part of `npm test`).
 */
/** Lowest first. Folders on one rung are siblings that may not import each other. */
const LAYERS = [
  ['shared'],
  ['run', 'fetch'],
  ['ingest'],
  ['image'],
  ['inference'],
  ['extract', 'import'],
  ['discover'],
  ['explain'],
  ['study'],
  ['explorer'],
  ['server', 'report'],
  ['cli'],
];

/** Tests may exercise several layers together (e.g. a library result through the CLI's formatter). */
const TESTS = '\\.test(-support)?\\.ts$';

const folders = (list) => `^src/(${list.join('|')})/`;

const layerRules = LAYERS.flatMap((rung, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  return rung.flatMap((folder) => {
    const forbidden = [...higher, ...rung.filter((f) => f !== folder)];
    if (forbidden.length === 0) return [];
    return [
      {
        name: `layer-${folder}`,
        comment: `src/${folder}/ may not import ${forbidden.join(', ')}: imports point down the layers`,
        severity: 'error',
        from: { path: `^src/${folder}/`, pathNot: TESTS },
        to: { path: folders(forbidden) },
      },
    ];
  });
});

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'import cycles make the layers meaningless and the load order fragile',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'web-sees-shared-api-only',
      comment: 'the front end imports only the shared API module, never back-end folders',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/shared/api/' },
    },
    {
      name: 'shared-api-self-contained',
      comment: 'src/shared/api/ is compiled into the web app: no Node modules, no back-end imports',
      severity: 'error',
      from: { path: '^src/shared/api/', pathNot: TESTS },
      to: { pathNot: '^src/shared/api/' },
    },
    {
      name: 'demo-uses-the-library',
      comment: 'demo/ builds on the library (it may serve the explorer), never on the CLI',
      severity: 'error',
      from: { path: '^src/demo/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'nothing-imports-demo',
      comment: 'the library does not depend on the demo',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/demo/' },
      to: { path: '^src/demo/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
