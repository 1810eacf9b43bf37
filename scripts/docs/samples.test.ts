import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEV_CONFIG, type HelplineServer } from '../../packages/server/src/index';
import {
  collectSamples,
  type DocSample,
  documentationFiles,
  extractSamples,
  shellCommands,
  where,
} from './samples';
import {
  bundleBrowserSamples,
  checkConfig,
  checkShell,
  inParallel,
  runSample,
  SAMPLE_CONFIG,
  serveSample,
  startSampleServer,
  typeCheckInWorker,
  writeSamplesTsconfig,
} from './samples.run';

const root = fileURLToPath(new URL('../../', import.meta.url));
const report = (title: string, problems: readonly string[]) =>
  `${title}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`;

describe('documentation samples: finding them', () => {
  it('finds fenced blocks with their line numbers, languages and markers', () => {
    const samples = extractSamples(
      [
        '# t',
        '```ts',
        'const a = 1;',
        '```',
        '<!-- sample: not-run (needs Vonage credentials) -->',
        '',
        '```sh',
        'npm test',
        '```',
        '```tsx',
        '<b />;',
        '```',
        '<!-- sample: config queues[] -->',
        '```json',
        '{}',
        '```',
        '```',
        'a diagram',
        '```',
      ].join('\n'),
      'x.md',
    );
    assert.deepEqual(
      samples.map((s) => [s.line, s.language, s.mode, s.detail]),
      [
        [2, 'ts', 'run', undefined],
        [7, 'sh', 'not-run', 'needs Vonage credentials'],
        [10, 'tsx', 'browser', undefined],
        [14, 'json', 'config', 'queues[]'],
        [17, 'text', 'text', undefined],
      ],
    );
  });

  it('refuses an unknown marker and an opt-out without its reason', () => {
    assert.throws(
      () => extractSamples('<!-- sample: skip -->\n```ts\n```\n', 'x.md'),
      /x\.md:1: unknown sample marker/,
    );
    assert.throws(
      () => extractSamples('<!-- sample: not-run -->\n```ts\n```\n', 'x.md'),
      /x\.md:1: "not-run" needs its reason/,
    );
  });

  it('splits shell blocks into commands with their environment and comment', () => {
    const [sample] = extractSamples(
      "```sh\nHELPLINE_JWT_SECRET=s npx helpline serve \\\n  --config x.json   # production\ncurl -s 'localhost:8787/a#b'\n```\n",
      'x.md',
    );
    assert.ok(sample);
    assert.deepEqual(
      shellCommands(sample).map((c) => [c.line, c.env, c.argv, c.comment]),
      [
        [2, { HELPLINE_JWT_SECRET: 's' }, ['npx', 'helpline', 'serve', '--config', 'x.json'], 'production'],
        [4, {}, ['curl', '-s', 'localhost:8787/a#b'], undefined],
      ],
    );
  });
});

describe('documentation samples: every block of the docs and READMEs works', () => {
  const samples = collectSamples(root);
  const of = (mode: DocSample['mode']) => samples.filter((sample) => sample.mode === mode);
  // Inside the repository (bare imports resolve as in the tests) and ignored by git.
  const dir = join(root, 'test-results', 'doc-samples');
  let tsconfig: string;
  const logLines: string[] = [];
  let server: HelplineServer;
  let running: Promise<(string | undefined)[]>;
  let typeChecking: Promise<string[]>;

  before(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Samples that read `config.json` find the demo's configuration, as the CLI's `--dev` would run it.
    writeFileSync(join(dir, 'config.json'), JSON.stringify(DEV_CONFIG, null, 2));
    tsconfig = writeSamplesTsconfig(dir, root);
    server = await startSampleServer(logLines);
    const workspace = { dir, server, tsconfig };
    // The compiler works in a worker thread while the samples run against the server on this one.
    typeChecking = typeCheckInWorker(
      samples.filter((s) => s.language === 'ts' || s.language === 'tsx'),
      join(dir, 'check'),
      tsconfig,
    );
    typeChecking.catch(() => undefined); // reported by its test below
    running = inParallel([...of('run'), ...of('serves')], 2, (sample, index) =>
      sample.mode === 'run' ? runSample(sample, index, workspace) : serveSample(sample, index, workspace),
    );
  });

  after(async () => {
    await running?.catch(() => undefined);
    await typeChecking?.catch(() => undefined);
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what it checks, and every opt-out with its reason', (t) => {
    const modes = [...new Set(samples.map((sample) => sample.mode))];
    const counts = modes.map((mode) => `${mode} ${of(mode).length}`);
    t.diagnostic(`${samples.length} blocks: ${counts.join(', ')}`);
    for (const sample of of('not-run')) t.diagnostic(`not run: ${where(sample)} (${sample.detail})`);
    assert.ok(of('run').length > 0 && of('config').length > 0 && of('shell').length > 0);
    // Opt-outs stay rare: a new one is a decision, so the ceiling moves only with it.
    assert.ok(of('not-run').length <= 3, report('too many opt-outs', of('not-run').map(where)));
  });

  it('every Node sample runs against a real server and exits', async () => {
    const problems = (await running).filter((problem) => problem !== undefined);
    assert.deepEqual(problems, [], report('samples that fail when run', problems));
  });

  it('every TypeScript sample compiles against the sources', async () => {
    const problems = await typeChecking;
    assert.deepEqual(problems, [], report('doc samples that do not compile', problems));
  });

  it('every browser sample bundles (esbuild, as a page would)', async () => {
    const problems = await bundleBrowserSamples(of('browser'), join(dir, 'browser'), tsconfig);
    assert.deepEqual(problems, [], report('browser samples that do not bundle', problems));
  });

  it('every configuration passes the server validator', () => {
    const problems = of('config').flatMap((sample) => checkConfig(sample) ?? []);
    assert.deepEqual(problems, [], report('configurations the server refuses', problems));
  });

  it('every shell command is a known command with known flags, and every curl answers', async () => {
    const problems = (
      await Promise.all(of('shell').map((sample) => checkShell(sample, root, server)))
    ).flat();
    assert.deepEqual(problems, [], report('shell samples that fail', problems));
  });

  it('WebSocket URLs anywhere in the docs use the server path /v1/ws', () => {
    const problems: string[] = [];
    for (const file of documentationFiles(root)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          for (const [url] of line.matchAll(/\bwss?:\/\/[^\s'"`)<>]+/g)) {
            // Built at run time (`${port}`): the runs check those.
            if (url.includes('${')) continue;
            let path: string;
            try {
              path = new URL(url.replace(/[.,;:]$/, '').replace(/…/g, 'x')).pathname;
            } catch {
              path = `not a URL`;
            }
            if (path !== '/v1/ws' && !path.endsWith('/v1/ws'))
              problems.push(`${file.slice(root.length)}:${index + 1}: ${url} (the server listens on /v1/ws)`);
          }
        });
    }
    assert.deepEqual(problems, [], report('WebSocket URLs with a wrong path', problems));
  });

  it('queues named by console samples exist in the demo configuration', () => {
    const queues = new Set(SAMPLE_CONFIG.queues.map((queue) => queue.id));
    const problems = samples.flatMap((sample) =>
      [...sample.code.matchAll(/escalationQueueId=["']([^"']+)["']/g)]
        .filter(([, id]) => !queues.has(id as string))
        .map(([, id]) => `${where(sample)}: "${id}" is not a queue of the demo (${[...queues].join(', ')})`),
    );
    assert.deepEqual(problems, [], report('unknown queues', problems));
  });
});
