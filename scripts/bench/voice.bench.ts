import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench.types';
import { bundleSize, formatSize } from './bundle-size';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const KB = 1024;

/** Size of the lazy voice module (DESIGN §6, "voice module (WebRTC, own signaling)"). */
export default async function voiceSizes(): Promise<BenchRow[]> {
  return [...(await sizes()), ...supervision()];
}

async function sizes(): Promise<BenchRow[]> {
  const voice = await bundleSize(`export * from '@helpline/core/voice';`);
  const call = await bundleSize(
    `export { createCallSession, createWebRtcProvider } from '@helpline/core/voice';`,
  );
  return [
    {
      what: 'voice module `@helpline/core/voice`, whole entry (WebRTC provider, call session, quality; nanostores included)',
      measured: formatSize(voice),
      budget: '≤ 15 KB br',
      competitors: 'Twilio Voice SDK 40.5 KB br, Vonage Client SDK 227 KB br',
      ok: voice.brotli <= 15 * KB,
    },
    {
      what: 'voice, what a call UI imports (`createCallSession` + `createWebRtcProvider`)',
      measured: formatSize(call),
      budget: '—',
      competitors: '—',
      ok: null,
    },
  ];
}

/**
 * Supervisor legs on a browser call, measured by the end-to-end test (three Chromium processes in a loopback network
 * namespace, one tone per microphone, tones detected in what each page plays): Monitor click → the supervisor hears
 * both sides, and Barge → both parties hear the supervisor.
 */
function supervision(): BenchRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'helpline-bench-supervision-'));
  const results = join(dir, 'results.json');
  try {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', 'packages/core/src/voice/supervision.e2e.test.ts'],
      {
        cwd: repoRoot,
        env: { ...process.env, HELPLINE_SUPERVISION_RESULTS: results },
        encoding: 'utf8',
        timeout: 180_000,
      },
    );
    let measured: { monitorToHeardMs?: number; bargeToHeardMs?: number } = {};
    try {
      measured = JSON.parse(readFileSync(results, 'utf8')) as typeof measured;
    } catch {
      measured = {};
    }
    const failed = run.status !== 0 ? ' (the end-to-end test failed)' : '';
    const row = (what: string, ms: number | undefined): BenchRow => ({
      what,
      measured: ms === undefined ? `not measured${failed}` : `${ms} ms${failed}`,
      budget: '≤ 1 s',
      competitors: '—',
      ok: ms === undefined || failed !== '' ? false : ms <= 1000,
    });
    return [
      row(
        'supervisor, browser call: Monitor click → hears both sides (loopback namespace)',
        measured.monitorToHeardMs,
      ),
      row(
        'supervisor, browser call: Barge → heard by both parties (loopback namespace)',
        measured.bargeToHeardMs,
      ),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
