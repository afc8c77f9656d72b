import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources, not dist, so a test never sees a stale build.
    alias: {
      '@sesame/shared': src('./shared/src/index.ts'),
      '@sesame/certgen': src('./services/certgen/src/index.ts'),
      '@sesame/watcher': src('./services/watcher/src/index.ts'),
      '@sesame/xds-edge': src('./services/xds-edge/src/index.ts'),
      '@sesame/cli': src('./cli/src/index.ts'),
    },
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
