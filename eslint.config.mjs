import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", ".tributary/**", "deploy/**", "**/data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", Buffer: "readonly", console: "readonly", setTimeout: "readonly",
        clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly",
        TextEncoder: "readonly", TextDecoder: "readonly", AbortController: "readonly", performance: "readonly",
        setImmediate: "readonly", queueMicrotask: "readonly", structuredClone: "readonly", fetch: "readonly" }
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "separate-type-imports" }],
      "no-restricted-properties": ["error",
        { object: "it", property: "only", message: "Focused tests must not land." },
        { object: "describe", property: "only", message: "Focused tests must not land." }
      ]
    }
  },
  {
    // @effect/cli's own parsers refuse a bad value without naming the option (internal/Input.ts).
    files: ["packages/cli/src/**/*.ts"],
    rules: {
      "no-restricted-properties": ["error",
        ...["integer", "float", "choice"].map((property) => ({
          object: "Options", property, message: `Use Input.${property}: its refusal names the option.`
        }))
      ]
    }
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" }
  }
)
