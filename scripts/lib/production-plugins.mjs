// The Rollup plugins of a production application build, in one place for the widget's own builds
// (packages/widget/rollup.extra.mjs), its size checks (packages/widget/src/build/sizes.ts) and the bench
// (scripts/bench/bundle-size.ts), so that what is measured is what ships.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const coreSrc = join(root, 'packages', 'core', 'src');

/**
 * `@helpline/core` and `@helpline/core/<sub>` from their sources, as the root tsconfig `paths` map them, honouring
 * core's `"sideEffects": false` as a consumer resolving it through its package.json would.
 */
export function coreFromSource() {
  return {
    name: 'helpline-core-from-source',
    async resolveId(source, importer) {
      const match = /^@helpline\/core(?:\/([\w-]+))?$/.exec(source);
      if (match) {
        return {
          id: join(coreSrc, match[1] ? `${match[1]}/index.ts` : 'index.ts'),
          moduleSideEffects: false,
        };
      }
      if (!importer?.startsWith(coreSrc) || !source.startsWith('.')) return null;
      const resolved = await this.resolve(source, importer, { skipSelf: true });
      return resolved ? { ...resolved, moduleSideEffects: false } : null;
    },
  };
}

/**
 * The Vonage client SDK stays outside the bundle: an optional peer dependency (about 227 KB br) that only the Vonage
 * voice path loads, with `import()`, when a call starts. A classic page that uses Vonage maps `@vonage/client-sdk`
 * with an import map (docs/widget.md).
 */
export const vonageSdkExternal = {
  name: 'helpline-vonage-sdk-external',
  resolveId: (source) => (source === '@vonage/client-sdk' ? { id: source, external: true } : null),
};

/**
 * `process.env.NODE_ENV` = "production" in dependencies too, before tree-shaking, as Vite and webpack define it: the
 * esbuild plugin transforms only our sources, so a dependency's development-only code (nanostores' warnings) would
 * otherwise be measured and shipped.
 */
export const productionDependencies = {
  name: 'helpline-production-dependencies',
  transform(code, id) {
    if (!/[\\/]node_modules[\\/]/.test(id) || !code.includes('process.env.NODE_ENV')) return null;
    return { code: code.replaceAll('process.env.NODE_ENV', '"production"'), map: null };
  },
};

/**
 * The plugins, in order: the Vonage SDK left out, `@helpline/core` from source, dependencies built for production,
 * browser resolution, esbuild minifying with `process.env.NODE_ENV` = "production". `tsconfig` defaults to the root
 * one.
 */
export function productionPlugins({ tsconfig = join(root, 'tsconfig.json') } = {}) {
  return [
    vonageSdkExternal,
    coreFromSource(),
    productionDependencies,
    nodeResolve({ browser: true, extensions: ['.ts', '.mjs', '.js'] }),
    esbuild({
      target: 'es2022',
      minify: true,
      // As Vite and terser emit it: the Arabic and Chinese launcher labels are 2–3 bytes a character, not 6.
      charset: 'utf8',
      legalComments: 'none',
      define: { 'process.env.NODE_ENV': '"production"' },
      tsconfig,
    }),
  ];
}
