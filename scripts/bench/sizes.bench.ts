import type { BenchRow } from './bench.types';
import { bundleSize, formatSize, splitBundleSize } from './bundle-size';

const KB = 1024;

/** What each chunk the visitor import loads later by `import()` holds, and when it loads. */
const LOADED_LATER: Readonly<Record<string, string>> = {
  'packages/core/src/session/visitor.checks.ts':
    "the checks of what the server sends (the visitor's frame and result guards), on the first connect",
  'packages/core/src/session/outbox.browser.ts':
    'the browser outbox (IndexedDB, localStorage fallback), on the first connect or message',
  'packages/core/src/render/render.dom.ts':
    'the markdown and link renderer, with the first message that has markup or a link',
  'packages/core/src/session/message.lanes.ts':
    'the lanes that send messages (order per conversation, resends), with the first message to send',
};

/** Sizes of `@helpline/core` as an application would ship it (DESIGN §6, "core, typical visitor import"). */
export default async function sizes(): Promise<BenchRow[]> {
  // What a visitor page that builds its own UI imports: a session, the WebSocket transport and the renderer, built
  // with code splitting as an application ships it; what loads later by import() is counted apart.
  const visitor = await splitBundleSize(
    `export { createVisitorSession, createWebSocketTransport, renderMessage } from '@helpline/core';`,
  );
  // The session alone (no WebSocket transport, no renderer), what loads at once.
  const session = await splitBundleSize(`export { createVisitorSession } from '@helpline/core';`);
  // One small named import: the pure machine step, which should pull in next to nothing.
  const oneImport = await bundleSize(`export { transition } from '@helpline/core';`);
  // Everything, for reference: hub, router, KPIs and all machines are server or console code.
  const wholeIndex = await bundleSize(`export * from '@helpline/core';`);
  return [
    {
      what: 'core, typical visitor import (session + WebSocket transport + renderer; nanostores included), at once',
      measured: formatSize(visitor),
      budget: '≤ 10 KB br (DESIGN aims at 8)',
      competitors: 'LiveChat customer SDK 14.6 KB br, Twilio Conversations 101 KB br',
      ok: visitor.brotli <= 10 * KB,
    },
    ...visitor.lazy.map((chunk) => ({
      what: `core, typical visitor import, later by import(): ${LOADED_LATER[chunk.module] ?? chunk.module}`,
      measured: formatSize(chunk),
      budget: '—',
      competitors: '—',
      ok: null,
    })),
    {
      what: 'core, visitor session alone (what loads at once)',
      measured: formatSize(session),
      budget: '—',
      competitors: '—',
      ok: null,
    },
    {
      what: 'core, one small named import (`transition`)',
      measured: formatSize(oneImport),
      budget: '≤ 1 KB br',
      competitors: '—',
      ok: oneImport.brotli <= 1 * KB,
    },
    {
      what: 'core, whole index (hub, router, KPIs: server and console code included)',
      measured: formatSize(wholeIndex),
      budget: '—',
      competitors: '—',
      ok: null,
    },
  ];
}
