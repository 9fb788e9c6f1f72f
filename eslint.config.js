// ESLint: the recommended JavaScript and TypeScript rules; tsc (strict) does the type checking.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/gen/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Prettier owns line breaks; this rule misreads its `\n[Symbol.asyncIterator]()` chains
      // (eslint-config-prettier turns it off for the same reason).
      'no-unexpected-multiline': 'off',
    },
  },
);
