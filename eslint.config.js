import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const CLIENT_NODE_DYNAMIC_IMPORT = {
  selector: "ImportExpression[source.value='@kubernetes/client-node']",
  message: 'Only src/lib/kube/ may import @kubernetes/client-node (lazily).',
}
// Renderers are handed their tools (view/text.ts): every import there is `import type`, none dynamic.
const VIEW_VALUE_IMPORTS = [
  {selector: "ImportDeclaration[importKind!='type']", message: 'src/lib/view/ imports only types: use `import type` (tools come in as TextTools).'},
  {selector: "ExportNamedDeclaration[source][exportKind!='type'], ExportAllDeclaration[exportKind!='type']", message: 'src/lib/view/ re-exports only types: use `export type`.'},
  {selector: 'ImportExpression', message: 'src/lib/view/ loads no code: renderers are handed what they need.'},
]

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', '.cluster/', 'test/cluster/', 'bench/results/', 'release/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-restricted-imports': [
        'error',
        {
          paths: [{name: '@kubernetes/client-node', message: 'Only src/lib/kube/ may import @kubernetes/client-node (lazily).'}],
        },
      ],
    },
  },
  {
    files: ['src/lib/kube/**/*.ts', 'test/**/*.ts'],
    rules: {'no-restricted-imports': 'off'},
  },
  // no-restricted-imports sees only static imports; this catches import('@kubernetes/client-node').
  {
    files: ['**/*.ts'],
    ignores: ['src/lib/kube/**', 'test/**'],
    rules: {'no-restricted-syntax': ['error', CLIENT_NODE_DYNAMIC_IMPORT]},
  },
  // Renderers turn results into text: from the rest of the plugin they need types, never code.
  {
    files: ['src/lib/view/**/*.ts'],
    rules: {'no-restricted-syntax': ['error', CLIENT_NODE_DYNAMIC_IMPORT, ...VIEW_VALUE_IMPORTS]},
  },
  // Type-aware rules that catch real bugs here (promises dropped or passed where a callback's
  // result is ignored, non-exhaustive switches over result unions); not the no-unsafe-* family.
  {
    files: ['**/*.ts'],
    languageOptions: {parserOptions: {project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname}},
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', {considerDefaultExhaustiveForUnions: true}],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
)
