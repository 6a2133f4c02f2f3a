// See: https://eslint.org/docs/latest/use/configure/configuration-files
// Formatting is Prettier's (npm run format:check); eslint-config-prettier switches off every rule that would compete with it.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier/flat'
import jest from 'eslint-plugin-jest'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig([
  globalIgnores(['coverage/', 'dist/', 'node_modules/']),
  // A disable comment is kept only while the rule it names is on and would fire there.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: globals.node
    },
    rules: {
      // Same convention as tsc's noUnusedParameters: a leading underscore marks a parameter an interface requires but this implementation ignores.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // A promise nobody awaits is a side effect that can outlive the proof that the run may act, or an error nobody sees:
    // these three rules need type information, so they run on the TypeScript sources only.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error'
    }
  },
  {
    // CommonJS files (jest's reporter, the bundler's undici shim) load their dependencies with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  },
  {
    files: ['__tests__/**/*.ts', 'test/**/*.ts'],
    ...jest.configs['flat/recommended']
  },
  prettier
])
