// Lint rules: the recommended sets, plus the habits this codebase keeps (see README, "Code layout").
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', '.cache/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Every external program runs through src/runner.ts (secret masking, error shape).
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'node:child_process', message: 'Run commands through src/runner.ts.' }],
        },
      ],
    },
  },
  {
    files: ['src/runner.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['bin/*.js'],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly' } },
  },
);
