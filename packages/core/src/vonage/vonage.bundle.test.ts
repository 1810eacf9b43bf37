// DESIGN §5: the Vonage Client SDK (~227 KB br) is only ever loaded by dynamic import. This bundles the real entry
// points for the browser the way an application bundler does (esbuild, code splitting, minified) and checks, from
// the bundler's own metafile, which chunks hold Vonage's code and how they are reached.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const repoRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');
const VONAGE_INPUT = /node_modules\/@vonage\//;

interface Bundle {
  readonly outputs: Metafile['outputs'];
  /** Output path of the chunk built for `entry` (repo-relative source path). */
  entryOutput(entry: string): string;
  /** Output path of the chunk holding the module `source` (a path suffix). */
  chunkHolding(source: string): string;
}

async function bundle(entries: readonly string[]): Promise<Bundle> {
  const result = await build({
    absWorkingDir: repoRoot,
    entryPoints: entries.map((entry) => join(repoRoot, entry)),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    outdir: join(repoRoot, 'bundle-check'),
    tsconfig: join(repoRoot, 'tsconfig.json'),
    define: { 'process.env.NODE_ENV': '"production"' },
    // The console's peers, as an app provides them.
    external: ['react', 'react-dom', 'react/jsx-runtime', 'react-dom/client'],
    logLevel: 'silent',
  });
  const { outputs } = result.metafile;
  return {
    outputs,
    entryOutput(entry) {
      const found = Object.entries(outputs).find(([, output]) => output.entryPoint === entry);
      assert.ok(found, `no output for entry ${entry}`);
      return found[0];
    },
    chunkHolding(source) {
      const found = Object.entries(outputs).find(([, output]) =>
        Object.keys(output.inputs).some((input) => input.endsWith(source)),
      );
      assert.ok(found, `no chunk holds ${source}`);
      return found[0];
    },
  };
}

/** Outputs a browser must fetch before `start` runs: it and everything it imports statically. */
function staticClosure(outputs: Metafile['outputs'], start: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(start);
  return seen;
}

function vonageOutputs(outputs: Metafile['outputs']): string[] {
  return Object.entries(outputs)
    .filter(([, output]) => Object.keys(output.inputs).some((input) => VONAGE_INPUT.test(input)))
    .map(([path]) => path);
}

describe('Vonage SDK stays out of every first load', () => {
  it('core/vonage: the SDK is a separate chunk reached only by a dynamic import', async () => {
    const entry = 'packages/core/src/vonage/index.ts';
    const built = await bundle([entry]);
    const main = built.entryOutput(entry);
    const eager = staticClosure(built.outputs, main);
    const vonage = vonageOutputs(built.outputs);
    assert.ok(vonage.length > 0, 'the SDK is in the build');
    for (const path of vonage) assert.ok(!eager.has(path), `${path} (Vonage) is loaded with the entry`);
    const dynamicTargets = (built.outputs[main]?.imports ?? [])
      .filter((imported) => imported.kind === 'dynamic-import')
      .map((imported) => imported.path);
    assert.ok(
      vonage.some((path) => dynamicTargets.includes(path)),
      'the entry reaches the SDK chunk through import()',
    );
    const eagerBytes = [...eager].reduce((sum, path) => sum + (built.outputs[path]?.bytes ?? 0), 0);
    const sdkBytes = vonage.reduce((sum, path) => sum + (built.outputs[path]?.bytes ?? 0), 0);
    assert.ok(eagerBytes < 30_000, `the provider itself is small (${eagerBytes} B minified)`);
    assert.ok(sdkBytes > 1_000_000, `the lazy chunk really is the SDK (${sdkBytes} B minified)`);
  });

  it('core, core/voice, the widget (loader and first open) and the React console contain no Vonage code', async () => {
    const entries = [
      'packages/core/src/index.ts',
      'packages/core/src/voice/index.ts',
      'packages/widget/src/define.ts',
      'packages/react/src/index.ts',
    ];
    const built = await bundle(entries);
    const firstLoads = [
      ...entries.map((entry) => built.entryOutput(entry)),
      built.chunkHolding('packages/widget/src/panel/panel.ts'),
    ];
    const vonage = new Set(vonageOutputs(built.outputs));
    for (const start of firstLoads) {
      for (const path of staticClosure(built.outputs, start)) {
        assert.ok(!vonage.has(path), `${path}, loaded with ${start}, holds Vonage code`);
      }
    }
  });
});
