import js from '@eslint/js'
import tseslint from 'typescript-eslint'

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
)
