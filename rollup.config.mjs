// One build for every library package: ESM + source maps in packages/<p>/dist, plus .d.ts files.
//
// Entry points come from each package.json, so adding a subpath export or a bin needs no change here:
// - every `exports` key whose `import` is `./dist/<x>.js` builds `src/<x>/index.ts(x)` or `src/<x>.ts(x)`;
// - every `bin` target `./dist/<x>.js` builds `src/<x>.ts` with a `#!/usr/bin/env node` banner.
// Dependencies, peer dependencies (with their subpaths) and Node builtins stay external.
// Packages are built one after another, dependencies first (rollup runs an array of configs in order),
// because the declarations of `@helpline/widget` etc. are checked against core's built `dist/index.d.ts`.
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import ts from 'typescript';

const root = dirname(fileURLToPath(import.meta.url));
const sourceExtensions = ['.ts', '.tsx'];

/** Reads `packages/<dir>/package.json` and turns its exports and bin into build entries. */
function readPackage(dir) {
  const packageDir = join(root, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const entries = new Map(); // output name (e.g. 'index', 'voice') -> { source, types?, bin }

  for (const [key, target] of Object.entries(manifest.exports ?? {})) {
    const importPath = typeof target === 'string' ? target : target?.import;
    const name = distName(importPath);
    if (name === undefined) continue; // e.g. './package.json', or files built by other means
    const source = findSource(packageDir, name);
    if (source === undefined) {
      throw new Error(
        `${manifest.name}: export "${key}" -> ${importPath} has no source (src/${name}.ts or src/${name}/index.ts)`,
      );
    }
    entries.set(name, { source, types: typeof target === 'object' ? target.types : undefined, bin: false });
  }

  const bins = typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {});
  for (const [command, binPath] of Object.entries(bins)) {
    const name = distName(binPath);
    const source = name === undefined ? undefined : findSource(packageDir, name);
    if (name === undefined || source === undefined) {
      throw new Error(
        `${manifest.name}: bin "${command}" -> ${binPath} must be ./dist/<x>.js with a src/<x>.ts`,
      );
    }
    entries.set(name, { source, types: undefined, bin: true });
  }

  const external = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ];
  return { dir, packageDir, manifest, entries, external };
}

/** `./dist/voice.js` -> `voice`, `./dist/voice/webrtc.js` -> `voice/webrtc`; anything else -> undefined. */
function distName(path) {
  const match = typeof path === 'string' ? /^\.\/dist\/(.+)\.js$/.exec(path) : null;
  return match?.[1];
}

function findSource(packageDir, name) {
  const candidates = [
    ...sourceExtensions.map((ext) => `src/${name}${ext}`),
    ...sourceExtensions.map((ext) => `src/${name}/index${ext}`),
  ];
  return candidates.map((candidate) => join(packageDir, candidate)).find((path) => existsSync(path));
}

/** Orders packages so that every `@helpline/*` dependency is built before its dependents. */
function dependencyOrder(packages) {
  const byName = new Map(packages.map((pkg) => [pkg.manifest.name, pkg]));
  const ordered = [];
  const visiting = new Set();
  const visit = (pkg) => {
    if (ordered.includes(pkg)) return;
    if (visiting.has(pkg)) throw new Error(`dependency cycle through ${pkg.manifest.name}`);
    visiting.add(pkg);
    for (const dependency of pkg.external) {
      const internal = byName.get(dependency);
      if (internal) visit(internal);
    }
    visiting.delete(pkg);
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg);
  return ordered;
}

function isExternal(dependencies) {
  return (id) =>
    id.startsWith('node:') ||
    builtinModules.includes(id) ||
    dependencies.some((dependency) => id === dependency || id.startsWith(`${dependency}/`));
}

/** Empties dist before a build so that removed entries do not linger. */
function cleanDist(pkg) {
  return {
    name: 'helpline-clean-dist',
    buildStart() {
      rmSync(join(pkg.packageDir, 'dist'), { recursive: true, force: true });
    },
  };
}

/**
 * Keeps `'use client'` (React Server Components boundary) on every output chunk that contains a module
 * declaring it, and `#!/usr/bin/env node` on bin entries; rollup drops module-level directives otherwise.
 */
function directivesAndBins(pkg) {
  const clientModules = new Set();
  const binSources = new Set(
    [...pkg.entries.values()].filter((entry) => entry.bin).map((entry) => entry.source),
  );
  return {
    name: 'helpline-directives-and-bins',
    transform(code, id) {
      const directive = /^(\s*(?:\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*)(['"]use client['"];?)/.exec(code);
      if (!directive) return null;
      clientModules.add(id);
      // Blank it out at the same length: nothing moves, so `map: null` keeps source maps exact, and rollup
      // has no directive left to warn about.
      const [, before = '', text = ''] = directive;
      return { code: before + ' '.repeat(text.length) + code.slice(before.length + text.length), map: null };
    },
    banner(chunk) {
      const lines = [];
      if (chunk.isEntry && binSources.has(chunk.facadeModuleId)) lines.push('#!/usr/bin/env node');
      if (chunk.moduleIds.some((id) => clientModules.has(id))) lines.push("'use client';");
      return lines.join('\n');
    },
    writeBundle(outputOptions, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk' && chunk.isEntry && binSources.has(chunk.facadeModuleId)) {
          chmodSync(join(outputOptions.dir, chunk.fileName), 0o755);
        }
      }
    },
  };
}

/**
 * Emits `.d.ts` files with the TypeScript compiler API. `paths` is emptied so that `@helpline/core` resolves
 * through node_modules (a workspace symlink) to the built `packages/core/dist/index.d.ts` instead of
 * re-emitting core's sources into a dependent's dist. Type errors fail the build.
 */
function declarations(pkg) {
  return {
    name: 'helpline-declarations',
    generateBundle() {
      const distDir = join(pkg.packageDir, 'dist');
      const parsed = ts.getParsedCommandLineOfConfigFile(
        join(pkg.packageDir, 'tsconfig.json'),
        {
          noEmit: false,
          declaration: true,
          emitDeclarationOnly: true,
          declarationMap: false,
          rootDir: join(pkg.packageDir, 'src'),
          outDir: distDir,
          declarationDir: distDir,
          paths: {},
        },
        {
          ...ts.sys,
          onUnRecoverableConfigFileDiagnostic: (diagnostic) => this.error(formatDiagnostics([diagnostic])),
        },
      );
      if (!parsed) this.error(`${pkg.manifest.name}: cannot read tsconfig.json`);
      const rootNames = [...pkg.entries.values()].map((entry) => entry.source);
      const program = ts.createProgram({ rootNames, options: parsed.options });

      const emitted = new Map(); // absolute .d.ts path -> text
      const result = program.emit(
        undefined,
        (fileName, text) => emitted.set(resolve(fileName), text),
        undefined,
        true,
      );
      const errors = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].filter(
        (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
      );
      if (errors.length > 0) this.error(`${pkg.manifest.name} declarations:\n${formatDiagnostics(errors)}`);

      const unresolvable = [];
      for (const [fileName, text] of emitted) {
        const source = withExplicitExtensions(text, fileName, emitted);
        for (const specifier of unresolvableSpecifiers(source))
          unresolvable.push(`${toPosix(relative(root, fileName))}: "${specifier}"`);
        this.emitFile({ type: 'asset', fileName: toPosix(relative(distDir, fileName)), source });
      }
      if (unresolvable.length > 0) {
        this.error(
          `${pkg.manifest.name} declarations name modules that node16 resolution cannot find (annotate the export's type):\n  ${unresolvable.join('\n  ')}`,
        );
      }
      // An export's `types` may name a file that tsc does not write (`./dist/voice.d.ts` for src/voice/index.ts).
      for (const entry of pkg.entries.values()) {
        if (!entry.types) continue;
        const expected = resolve(pkg.packageDir, entry.types);
        if (emitted.has(expected)) continue;
        const actual = join(distDir, relative(join(pkg.packageDir, 'src'), entry.source)).replace(
          /\.tsx?$/,
          '.d.ts',
        );
        let specifier = toPosix(relative(dirname(expected), actual)).replace(/\.d\.ts$/, '.js');
        if (!specifier.startsWith('.')) specifier = `./${specifier}`;
        this.emitFile({
          type: 'asset',
          fileName: toPosix(relative(distDir, expected)),
          source: `export * from '${specifier}';\n`,
        });
      }
    },
  };
}

/**
 * Our sources use extensionless relative imports (moduleResolution Bundler); declarations are read by
 * consumers that may use `node16`/`nodenext`, which need `./x.js` or `./x/index.js`. Rewrite them.
 */
function withExplicitExtensions(text, fileName, emitted) {
  return text.replace(
    /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g,
    (match, prefix, quote, specifier) => {
      if (/\.(?:js|mjs|cjs|json)$/.test(specifier)) return match;
      const target = resolve(dirname(fileName), specifier);
      const base = specifier.replace(/\/$/, '');
      if (emitted.has(`${target}.d.ts`)) return `${prefix}${quote}${base}.js${quote}`;
      if (emitted.has(join(target, 'index.d.ts'))) return `${prefix}${quote}${base}/index.js${quote}`;
      return match;
    },
  );
}

/**
 * Relative specifiers that `node16`/`nodenext` cannot resolve (no extension, a directory such as `".."`):
 * a consumer's compiler turns what they name into `any` under `skipLibCheck`, so they fail the build.
 */
function unresolvableSpecifiers(text) {
  return [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}(?:\/[^'"]*)?)\1/g)]
    .map(([, , specifier]) => specifier)
    .filter((specifier) => !/\.(?:js|mjs|cjs|json)$/.test(specifier));
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

function toPosix(path) {
  return path.split(sep).join(posix.sep);
}

/** Unresolvable imports fail the build: they usually mean a dependency missing from package.json. */
function onwarn(warning, warn) {
  if (warning.code === 'UNRESOLVED_IMPORT')
    throw new Error(`${warning.message} (add it to the package's dependencies)`);
  warn(warning);
}

function configFor(pkg) {
  return {
    input: Object.fromEntries([...pkg.entries].map(([name, entry]) => [name, entry.source])),
    external: isExternal(pkg.external),
    onwarn,
    plugins: [
      cleanDist(pkg),
      nodeResolve({ extensions: ['.ts', '.tsx', '.mjs', '.js', '.json'] }),
      directivesAndBins(pkg),
      esbuild({
        target: 'es2022',
        tsconfig: join(pkg.packageDir, 'tsconfig.json'),
        jsx: 'automatic',
        minify: false,
        sourceMap: true,
      }),
      declarations(pkg),
    ],
    output: {
      dir: join(pkg.packageDir, 'dist'),
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  };
}

/**
 * Extension point for builds the exports map cannot express (the widget's classic `<script>` build, say): a
 * package may have `rollup.extra.mjs` whose default export `({ packageDir, onwarn }) => RollupOptions[]`
 * returns more configs. They run right after that package's own build (which empties dist first).
 */
async function extraConfigs(pkg) {
  const file = join(pkg.packageDir, 'rollup.extra.mjs');
  if (!existsSync(file)) return [];
  const { default: extra } = await import(pathToFileURL(file).href);
  return extra({ packageDir: pkg.packageDir, onwarn });
}

const packages = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(root, 'packages', entry.name, 'package.json')))
  .map((entry) => readPackage(entry.name))
  .filter((pkg) => pkg.entries.size > 0);

const configs = [];
for (const pkg of dependencyOrder(packages)) configs.push(configFor(pkg), ...(await extraConfigs(pkg)));
export default configs;
