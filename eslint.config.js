// eslint for the page scripts (npm run lint; tests/test_lint_js.py runs it with the suite).
// Page scripts are classic scripts sharing a few globals: the vendored Socket.IO client and
// our own modules (kj-api.js, kj-live.js, clock.js, runs.js, results.js).
import js from "@eslint/js";
import globals from "globals";

export default [
  {ignores: ["scoreboard/static/vendor/**", "node_modules/**"]},
  js.configs.recommended,
  {
    files: ["scoreboard/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {...globals.browser, io: "readonly", KJApi: "readonly", KJLive: "readonly",
                KJClock: "readonly", KJRuns: "readonly", KJResults: "readonly"},
    },
    rules: {
      // a local name hiding an outer function once sent the referee pad's answers nowhere
      "no-shadow": ["error", {builtinGlobals: false, hoist: "functions"}],
      "no-unused-vars": ["error", {args: "none", caughtErrors: "none"}],
      "eqeqeq": ["error", "always"],
      "no-implicit-globals": "error",
    },
  },
];
