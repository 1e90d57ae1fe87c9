// ESLint flat config: TypeScript, React hooks and jsx-a11y rules; Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'reports', 'storybook-static', 'public'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  reactHooks.configs.flat['recommended-latest'],
  jsxA11y.flatConfigs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-globals': [
        'error',
        {
          name: 'setInterval',
          message: 'Schedule with setTimeout through one scheduling function instead.',
        },
      ],
    },
  },
  {
    // src/core runs anywhere: no React, no Node built-ins.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['react', 'react-dom', 'react/*', 'react-dom/*'],
              message: 'src/core must not import React.',
            },
            {
              group: [
                'node:*',
                'fs',
                'path',
                'http',
                'https',
                'crypto',
                'buffer',
                'stream',
                'os',
                'url',
                'zlib',
              ],
              message: 'src/core must not import Node built-ins.',
            },
            {
              regex: '^zod(/(?!mini$).*)?$',
              message: "Import 'zod/mini' to keep browser bundles small.",
            },
          ],
        },
      ],
    },
  },
);
