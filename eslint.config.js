import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'web/src/graphql/generated/**', 'test/support/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Single-file components are linted too (their <script> blocks, with TypeScript), so the rule below covers them.
    files: ['web/**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] },
    },
    // As for .ts files (typescript-eslint turns it off there): vue-tsc checks names, with the DOM's types.
    rules: { 'no-undef': 'off' },
  },
  {
    // The client is built and shipped on its own: what the server allows reaches it through the API.
    files: ['web/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/subgraphs/**', '@chirpchat/*', '**/router/**'],
              message: 'The web client gets server facts (limits, rules) from the API, not from server sources: add them to a query.',
            },
          ],
        },
      ],
    },
  },
);
