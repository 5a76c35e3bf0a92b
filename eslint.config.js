import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const CLIENT_NODE_DYNAMIC_IMPORT = {
  selector: "ImportExpression[source.value='@kubernetes/client-node']",
  message: 'Only src/lib/kube/ may import @kubernetes/client-node (lazily).',
}
const VIEW_VALUE_IMPORT = {
  selector: "ImportDeclaration[importKind!='type'][source.value=/^\\.\\.\\//]",
  message: 'src/lib/view/ imports only types from outside the folder: use `import type`.',
}

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', '.cluster/', 'test/cluster/', 'bench/results/', 'release/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-restricted-imports': ['error', {
        paths: [{name: '@kubernetes/client-node', message: 'Only src/lib/kube/ may import @kubernetes/client-node (lazily).'}],
      }],
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
    rules: {'no-restricted-syntax': ['error', CLIENT_NODE_DYNAMIC_IMPORT, VIEW_VALUE_IMPORT]},
  },
)
