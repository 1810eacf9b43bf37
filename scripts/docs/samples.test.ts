import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { collectSamples, extractSamples } from './samples';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('documentation samples', () => {
  it('finds fenced TypeScript blocks with their line numbers', () => {
    const samples = extractSamples(
      '# t\n\n```ts\nconst a = 1;\n```\n\n```sh\nnpm test\n```\n```tsx\n<b />;\n```\n',
      'x.md',
    );
    assert.deepEqual(
      samples.map((s) => [s.line, s.language, s.code]),
      [
        [3, 'ts', 'const a = 1;'],
        [10, 'tsx', '<b />;'],
      ],
    );
  });

  it('every TypeScript sample in the docs and READMEs compiles against the sources', () => {
    const samples = collectSamples(root);
    assert.ok(samples.length > 0, 'the docs have samples');
    // Inside the repository, so `@helpline/*` resolve through the root tsconfig paths like the tests do.
    const dir = join(root, 'node_modules', '.cache', 'helpline-doc-samples');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Stylesheets are imported for their side effect; bundlers handle them, the compiler only needs to know.
    writeFileSync(join(dir, 'assets.d.ts'), "declare module '*.css';\n");
    const names = new Map<string, string>();
    samples.forEach((sample, index) => {
      const name = join(dir, `sample-${index}.${sample.language}`);
      // Each sample is its own module (top-level await is allowed in modules).
      writeFileSync(name, `${sample.code}\nexport {};\n`);
      names.set(name, `${sample.file}:${sample.line}`);
    });
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) =>
          assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      },
    );
    assert.ok(config);
    const program = ts.createProgram([...names.keys(), join(dir, 'assets.d.ts')], {
      ...config.options,
      noEmit: true,
      noUnusedLocals: false,
      noUnusedParameters: false,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && names.has(d.file.fileName))
      .map((d) => {
        const where = names.get(d.file?.fileName ?? '') ?? '?';
        const line =
          d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
        return `${where} (+${line - 1}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(problems, [], `doc samples that do not compile:\n${problems.join('\n')}`);
  });
});
