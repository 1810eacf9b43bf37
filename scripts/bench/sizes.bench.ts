import type { BenchRow } from './bench.types';
import { bundleSize, formatSize } from './bundle-size';

const KB = 1024;

/** Sizes of `@helpline/core` as an application would ship it (DESIGN §6, "core, typical visitor import"). */
export default async function sizes(): Promise<BenchRow[]> {
  // Everything the index exports is an upper bound for what a visitor page imports.
  const wholeIndex = await bundleSize(`export * from '@helpline/core';`);
  // One small named import: the pure machine step, which should pull in next to nothing.
  const oneImport = await bundleSize(`export { transition } from '@helpline/core';`);
  return [
    {
      what: 'core, whole index (upper bound of a typical visitor import; nanostores included)',
      measured: formatSize(wholeIndex),
      budget: '≤ 8 KB br',
      competitors: 'LiveChat customer SDK 14.6 KB br, Twilio Conversations 101 KB br',
      ok: wholeIndex.brotli <= 8 * KB,
    },
    {
      what: 'core, one small named import (`transition`)',
      measured: formatSize(oneImport),
      budget: '≤ 1 KB br',
      competitors: '—',
      ok: oneImport.brotli <= 1 * KB,
    },
  ];
}
