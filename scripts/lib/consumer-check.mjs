// The consumer check: the four packages as an outside developer gets them. Packs the built packages, installs the
// tarballs into a fresh app under the system temp directory, and then, each counted as one test:
// - the tarballs hold a LICENSE and a README whose links work on npm (none into the repository by relative path);
// - publint finds nothing to report on any of them;
// - consumer code that uses every public entry type-checks with `exactOptionalPropertyTypes` and
//   `skipLibCheck: false`, under `moduleResolution` bundler and node16, with the DOM lib (browser code) and
//   without it (the Node-side entries: server, hub, testing);
// - a Node script runs from the tarballs: a server on a free port, a dev token, an agent session from core over a
//   WebSocket, then everything closes;
// - esbuild bundles a page that imports the widget and core;
// - typedoc documents every entry of every exports map with 0 warnings (from the sources, beside the rest).
// The app's third-party packages come from the npm cache (`--prefer-offline`). Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce, bin, emptyTestResults } from './run.mjs';
import { repoRoot } from './test-files.mjs';

/** The published packages, dependencies first. */
export const PUBLISHED = ['core', 'widget', 'react', 'server'];
const REPOSITORY_BLOB = 'https://github.com/helpline-dev/helpline/blob/main/';
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Runs a command; resolves to its exit code and output (also echoed when `echo`). */
function run(command, args, { cwd = repoRoot, echo = true, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    const collect = (stream, sink) =>
      stream.on('data', (chunk) => {
        output += chunk;
        if (echo) sink.write(chunk);
      });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, output: `${output}${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function versionOf(manifest, name) {
  const version = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
  if (!version) throw new Error(`consumer check: ${name} has no pinned version in the repository`);
  return version;
}

/** Links in a README that npm cannot follow: relative paths outside the package. */
export function linksOutsidePackage(markdown, filesInTarball) {
  const links = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|^\[[^\]]+\]:\s*(\S+)/gm)].map(
    ([, inline, reference]) => inline ?? reference,
  );
  return links.filter((link) => {
    if (/^(?:[a-z][a-z+.-]*:|#)/i.test(link)) return false;
    const path = link.replace(/^\.\//, '').split('#')[0];
    return !filesInTarball.some((file) => file === path || file.startsWith(`${path}/`));
  });
}

function tsconfig(name, { dom, resolution, files }) {
  const module = resolution === 'node16' ? 'node16' : 'esnext';
  return [
    `tsconfig.${name}.json`,
    {
      compilerOptions: {
        target: 'ES2022',
        module,
        moduleResolution: resolution,
        lib: dom ? ['ES2023', 'DOM', 'DOM.Iterable'] : ['ES2023'],
        types: dom ? [] : ['node'],
        jsx: 'react-jsx',
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files,
    },
  ];
}

/** Export subpaths whose sources are not in the package's typedoc.json entry points (the reference would lack them). */
export function undocumentedEntries(dir) {
  const packageDir = join(repoRoot, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const { entryPoints = [] } = JSON.parse(readFileSync(join(packageDir, 'typedoc.json'), 'utf8'));
  return Object.entries(manifest.exports ?? {}).flatMap(([key, target]) => {
    const name = /^\.\/dist\/(.+)\.js$/.exec(typeof target === 'string' ? target : target?.import)?.[1];
    if (name === undefined) return [];
    const sources = [`src/${name}.ts`, `src/${name}.tsx`, `src/${name}/index.ts`, `src/${name}/index.tsx`];
    return sources.some((source) => entryPoints.includes(source)) ? [] : [`${manifest.name}: "${key}"`];
  });
}

/** The type-check configurations: every public entry in a browser app, the Node entries without the DOM lib. */
const TYPECHECKS = [
  tsconfig('dom-bundler', {
    dom: true,
    resolution: 'bundler',
    files: ['src/browser.tsx', 'src/vonage.ts', 'src/msw.ts'],
  }),
  tsconfig('dom-node16', { dom: true, resolution: 'node16', files: ['src/browser.tsx', 'src/msw.ts'] }),
  tsconfig('node-bundler', { dom: false, resolution: 'bundler', files: ['src/node.ts'] }),
  tsconfig('node-node16', { dom: false, resolution: 'node16', files: ['src/node.ts'] }),
];

/**
 * Runs the consumer check; returns results as the test runner's tally expects them (one test per check).
 * `HELPLINE_KEEP_CONSUMER=1` keeps the temporary app for a look.
 */
export async function runConsumerCheck() {
  announce('consumer check', 'pack, install the tarballs into a fresh app, type-check, run, bundle');
  const results = emptyTestResults();
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'helpline-consumer-'));
  const app = join(work, 'app');
  const tarballs = join(work, 'tarballs');
  const check = async (name, fn) => {
    const begun = performance.now();
    try {
      const note = await fn();
      results.passed += 1;
      console.log(
        `✔ consumer: ${name}${note ? ` — ${note}` : ''} (${Math.round(performance.now() - begun)} ms)`,
      );
      return true;
    } catch (error) {
      results.failed += 1;
      results.failedTests.push(`consumer: ${name}`);
      console.log(`✖ consumer: ${name}\n${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  try {
    // From the sources, so it runs while the tarballs are packed and installed.
    const reference = check('typedoc: every entry in the reference, 0 warnings', async () => {
      const missing = PUBLISHED.flatMap(undocumentedEntries);
      if (missing.length > 0) throw new Error(`not in typedoc.json entryPoints: ${missing.join(', ')}`);
      const { code, output } = await run(bin('typedoc'), ['--out', join(work, 'reference')], { echo: false });
      const plain = output.replace(ANSI_COLOR, '');
      const warnings = plain
        .split('\n')
        .filter((line) => line.startsWith('[warning]') && !/Found \d+ errors/.test(line));
      if (code !== 0 || warnings.length > 0)
        throw new Error(
          plain
            .split('\n')
            .filter((line) => !line.startsWith('[info]'))
            .join('\n'),
        );
    });

    /** @type {{name: string, filename: string, files: {path: string}[]}[]} */
    let packed = [];
    const packedOk = await check('npm pack of the four packages', async () => {
      mkdirSync(tarballs, { recursive: true });
      const { code, output } = await run(
        'npm',
        [
          'pack',
          '--json',
          '--pack-destination',
          tarballs,
          ...PUBLISHED.flatMap((dir) => ['--workspace', `packages/${dir}`]),
        ],
        { echo: false },
      );
      if (code !== 0) throw new Error(output);
      packed = JSON.parse(output.slice(output.indexOf('[')));
      return packed.map((p) => `${p.name} ${(p.size / 1024).toFixed(0)} KB`).join(', ');
    });
    if (!packedOk) {
      await reference;
      return results;
    }

    await check('each tarball has its LICENSE and a README whose links work on npm', () => {
      const problems = [];
      for (const tarball of packed) {
        const files = tarball.files.map((file) => file.path);
        for (const required of ['LICENSE', 'README.md', 'package.json']) {
          if (!files.includes(required)) problems.push(`${tarball.name}: no ${required}`);
        }
        const dir = PUBLISHED.find((d) => tarball.name === `@helpline/${d}`);
        const readme = readFileSync(join(repoRoot, 'packages', dir, 'README.md'), 'utf8');
        for (const link of linksOutsidePackage(readme, files)) {
          problems.push(
            `${tarball.name}: README links to ${link}, which is not in the tarball (use ${REPOSITORY_BLOB}…)`,
          );
        }
      }
      if (problems.length > 0) throw new Error(problems.join('\n'));
    });

    const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    const react = JSON.parse(readFileSync(join(repoRoot, 'packages', 'react', 'package.json'), 'utf8'));
    const core = JSON.parse(readFileSync(join(repoRoot, 'packages', 'core', 'package.json'), 'utf8'));
    const server = JSON.parse(readFileSync(join(repoRoot, 'packages', 'server', 'package.json'), 'utf8'));
    const installed = await check('npm install of the tarballs into a fresh app', async () => {
      cpSync(join(repoRoot, 'scripts', 'consumer'), join(app, 'src'), { recursive: true });
      const dependencies = Object.fromEntries(
        packed.map((tarball) => [tarball.name, `file:${join(tarballs, tarball.filename)}`]),
      );
      writeFileSync(
        join(app, 'package.json'),
        `${JSON.stringify(
          {
            name: 'helpline-consumer',
            private: true,
            type: 'module',
            dependencies: {
              ...dependencies,
              '@vonage/client-sdk': versionOf(core, '@vonage/client-sdk'),
              react: versionOf(react, 'react'),
              'react-dom': versionOf(react, 'react-dom'),
              ws: versionOf(server, 'ws'),
            },
            devDependencies: {
              '@types/node': versionOf(root, '@types/node'),
              '@types/react': versionOf(react, '@types/react'),
              '@types/react-dom': versionOf(react, '@types/react-dom'),
              '@types/ws': versionOf(server, '@types/ws'),
              // For the tests' mock of the server, `@helpline/core/msw` (an optional peer of core).
              msw: versionOf(core, 'msw'),
              publint: '0.3.25',
            },
          },
          null,
          2,
        )}\n`,
      );
      for (const [file, config] of TYPECHECKS)
        writeFileSync(join(app, file), JSON.stringify(config, null, 2));
      const { code, output } = await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'],
        { cwd: app, echo: false },
      );
      if (code !== 0) throw new Error(output);
      return output.trim().split('\n').at(-1);
    });
    if (!installed) {
      await reference;
      return results;
    }

    for (const dir of PUBLISHED) {
      await check(`publint @helpline/${dir}`, async () => {
        const { code, output } = await run(
          join(app, 'node_modules', '.bin', 'publint'),
          ['--strict', join('node_modules', '@helpline', dir)],
          { cwd: app, echo: false },
        );
        if (code !== 0 || !/All good/i.test(output)) throw new Error(output);
      });
    }

    await reference;
    // Two compilers at a time: each spends most of its time reading the same declarations.
    const typecheck = ([file, config]) => {
      const dom = config.compilerOptions.lib.includes('DOM');
      const what = `${config.compilerOptions.moduleResolution}, ${dom ? 'DOM' : 'no DOM'}: ${config.files.join(', ')}`;
      return check(`tsc (${what}, exactOptionalPropertyTypes, skipLibCheck false)`, async () => {
        const { code, output } = await run(bin('tsc'), ['-p', file, '--pretty', 'false'], {
          cwd: app,
          echo: false,
        });
        if (code !== 0) throw new Error(output);
      });
    };
    for (let i = 0; i < TYPECHECKS.length; i += 2)
      await Promise.all(TYPECHECKS.slice(i, i + 2).map(typecheck));

    await check(
      'a Node script runs from the tarballs (server, dev token, agent over WebSocket)',
      async () => {
        const { code, output } = await run(process.execPath, ['src/run.mjs'], {
          cwd: app,
          echo: false,
          timeoutMs: 60_000,
        });
        if (code !== 0) throw new Error(output);
        return output.trim().split('\n').at(-1);
      },
    );

    await check('esbuild bundles a page with the widget and core', async () => {
      const esbuild = await import('esbuild');
      const built = await esbuild.build({
        absWorkingDir: app,
        entryPoints: ['src/page.ts'],
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'browser',
        minify: true,
        outdir: 'out',
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(built.metafile.inputs);
      for (const needed of ['node_modules/@helpline/widget/dist/', 'node_modules/@helpline/core/dist/']) {
        if (!inputs.some((input) => input.startsWith(needed)))
          throw new Error(`the bundle has nothing from ${needed}`);
      }
      const outputs = Object.values(built.metafile.outputs);
      const entry = outputs.find((output) => output.entryPoint === 'src/page.ts');
      const kb = (bytes) => `${(bytes / 1024).toFixed(0)} KB`;
      // The lazy chunks include the panel and, only ever imported when a call starts, the Vonage SDK.
      return `page ${kb(entry?.bytes ?? 0)} minified, ${outputs.length - 1} lazy chunks ${kb(outputs.reduce((sum, output) => sum + output.bytes, 0) - (entry?.bytes ?? 0))}`;
    });
  } finally {
    if (process.env.HELPLINE_KEEP_CONSUMER === '1') console.log(`consumer app kept in ${app}`);
    else rmSync(work, { recursive: true, force: true });
  }
  results.note = `${((performance.now() - started) / 1000).toFixed(0)} s`;
  return results;
}
