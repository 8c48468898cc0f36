// `npm run lint` (run by `./dev test`): ESLint's recommended rules and React's rules of hooks
// (with the React Compiler's checks that come with them) over the app, its build config and
// the service worker. ESLint tracks JSX references itself, so components used only in JSX
// count as used without eslint-plugin-react.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

export default [
  { ignores: ['dist/'] },
  js.configs.recommended,
  {
    files: ['src/**/*.{js,jsx}'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.flat.recommended.rules,
  },
  {
    files: ['public/sw.js'],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    files: ['*.config.js'],
    languageOptions: { globals: globals.node },
  },
]
