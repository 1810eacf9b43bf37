import type { BenchRow } from './bench.types';
import { bundleSize, formatSize } from './bundle-size';

const KB = 1024;

/** Size of the lazy voice module (DESIGN §6, "voice module (WebRTC, own signaling)"). */
export default async function voiceSizes(): Promise<BenchRow[]> {
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
