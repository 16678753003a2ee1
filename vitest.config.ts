import { defineConfig } from 'vitest/config';

// Tests run against the compiled workspaces (npm test builds first): type-graphql and MikroORM
// need the decorator metadata that tsc emits and Vite's transform does not.
export default defineConfig({
  test: {
    // Unit tests sit beside pure code (rules without decorators), which Vite transforms from source.
    include: ['test/**/*.test.ts', 'subgraphs/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Node, not Vite, loads the compiled workspaces, so there is one copy of graphql (CJS) in the run.
    server: { deps: { external: [/\/(subgraphs\/[^/]+|router)\/dist\//] } },
  },
});
