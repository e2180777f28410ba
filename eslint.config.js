// Lint: typescript-eslint's recommended rules; types are checked by `tsc --noEmit` in `npm run lint`.
// The layers of docs/architecture.md are kept by `no-restricted-imports` (see `layerRules` below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/ as layers, bottom to top (docs/architecture.md). A folder imports from its own layer and lower
 * layers only; services and roles do not import each other either (exports may use reports). `config` and `main` are
 * src/config.ts and src/main.ts. protocol/ (layer 0) imports nothing from src/; src/cabinet/ (the browser app) imports
 * nothing outside itself.
 */
export const LAYERS = [
  { name: 'domain', folders: ['domain', 'observability', 'config'], sideways: true },
  { name: 'storage', folders: ['db', 'queue'], sideways: true },
  { name: 'adapters', folders: ['adapters', 'net'], sideways: true },
  { name: 'services', folders: ['reports', 'exports', 'billing', 'branding', 'registry'], sideways: false },
  { name: 'roles', folders: ['gateway', 'marking', 'workers', 'api'], sideways: false },
  { name: 'tools', folders: ['emulator', 'replay'], sideways: true },
  { name: 'composition', folders: ['main', 'cli', 'cluster'], sideways: true },
];
/** Imports between folders of one layer that do not set `sideways`. */
const SIDEWAYS_ALLOWED = { exports: ['reports'] };
const ROOT_FILES = new Set(['config', 'main']);
/** Deepest folder nesting the rules cover (src/<folder>/a/b/c/d/e/file.ts). */
const MAX_DEPTH = 6;

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** A relative import specifier that climbs exactly to src/ from `depth` folders below it, then names a target. */
const upTo = (depth) => (depth === 0 ? '\\./' : `(?:\\.\\./){${depth}}`);
const target = (folder) => (ROOT_FILES.has(folder) ? `${escape(folder)}\\.js$` : `${escape(folder)}/`);

/** What `folder` may not import: every folder of a higher layer, and the others of its own layer unless allowed. */
export function forbiddenFor(folder) {
  const at = LAYERS.findIndex((l) => l.folders.includes(folder));
  const layer = LAYERS[at];
  const higher = LAYERS.slice(at + 1).flatMap((l) => l.folders);
  const sideways = layer.sideways ? [] : layer.folders.filter((f) => f !== folder && !(SIDEWAYS_ALLOWED[folder] ?? []).includes(f));
  return [...higher, ...sideways, 'cabinet'];
}

function layerRule(folder, files, depth) {
  const forbidden = forbiddenFor(folder);
  const layer = LAYERS.findIndex((l) => l.folders.includes(folder)) + 1;
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^${upTo(depth)}(?:${forbidden.map(target).join('|')})`,
              message: `src/${folder}${ROOT_FILES.has(folder) ? '.ts' : '/'} is layer ${layer} (${LAYERS[layer - 1].name}): it imports only its own layer and lower layers, never ${forbidden.join(', ')} (docs/architecture.md).`,
            },
          ],
        },
      ],
    },
  };
}

const nested = (prefix, depth) => `${prefix}/${'*/'.repeat(depth)}*.{ts,tsx}`;

export const layerRules = [
  ...LAYERS.slice(0, -1)
    .flatMap((l) => l.folders)
    .flatMap((folder) =>
      ROOT_FILES.has(folder)
        ? [layerRule(folder, [`src/${folder}.ts`], 0)]
        : Array.from({ length: MAX_DEPTH }, (_, d) => layerRule(folder, [nested(`src/${folder}`, d)], d + 1)),
    ),
  ...Array.from({ length: MAX_DEPTH }, (_, d) => ({
    files: [nested('protocol', d)],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: `^(?:\\.\\./){${d + 1}}src/`, message: 'protocol/ is layer 0: pure codecs, it imports nothing from src/ (docs/architecture.md).' }] },
      ],
    },
  })),
  ...Array.from({ length: MAX_DEPTH }, (_, d) => ({
    files: [nested('src/cabinet', d)],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?:\\.\\./){${d + 1},}`,
              message: 'src/cabinet/ is the browser app: it imports only itself and its generated API types (lib/api/), never the server (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'fixtures/', 'tmp/', '.scratch/', '**/*.gen.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layerRules,
);
