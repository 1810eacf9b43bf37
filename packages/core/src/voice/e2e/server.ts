// Node side of the voice end-to-end test: the real hub behind a `ws` server, serving the visitor's and the agent's
// test pages (bundled with esbuild) from the same origin, with a per-page signaling cut. Test-only.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type WebSocket, WebSocketServer } from 'ws';
import { devAuthenticate } from '../../hub/dev-auth';
import { createHub, type Hub } from '../../hub/hub';
import type { VoiceHubOptions } from '../../hub/voice.hub';
import { SUBPROTOCOL } from '../../protocol/protocol.limits';
import type { Queue } from '../../queue/queue.types';
import { supportQueue, testAgent } from '../../testing/fixtures';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '../../../../..');

/** A queue whose wrap-up can be skipped, so one agent takes call after call. */
const callQueue: Queue = {
  ...supportQueue,
  id: 'calls',
  name: 'Calls',
  acw: { kind: 'optional' },
  dispositionRequired: false,
  // Browser calls: the agent session creates its call session as soon as it reads the queues.
  voice: { provider: 'webrtc' },
};

/** The test server. */
export interface VoiceServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly hub: Hub;
  /** Closes the sockets of the page that connected with `site` from the server side and refuses it for `ms`. */
  cut(site: string, ms: number): void;
  close(): Promise<void>;
}

const PAGE = (script: string, buttons: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${script}</title></head>
<body>${buttons}<button id="unblock">Enable sound</button>
<output id="state"></output> <output id="error"></output>
<script type="module" src="/${script}.js"></script></body></html>`;

/** Test pages by path name (`/visitor`) and their script in this folder. */
export type TestPages = Readonly<Record<string, string>>;

const CALL_PAGES: TestPages = { visitor: 'visitor.page.ts', agent: 'agent.page.ts' };

async function bundlePages(pages: TestPages): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(pages).map(([name, file]) => [name, join(here, file)])),
    outdir: '/out',
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    tsconfig: join(repoRoot, 'tsconfig.json'),
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return new Map(result.outputFiles.map((file) => [`/${file.path.split('/').pop() ?? ''}`, file.text]));
}

/**
 * Starts the hub, the page server and the WebSocket endpoint on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await startVoiceServer({ reattachMs: 10_000 });
 * await page.goto(`${server.origin}/visitor`);
 * ```
 */
export async function startVoiceServer(
  voice: VoiceHubOptions = {},
  options: {
    readonly pages?: TestPages;
    /** The agents of the calls queue (`dev:agent:<id>:<Name>` tokens). Default only `alice`. */
    readonly agents?: readonly string[];
  } = {},
): Promise<VoiceServer> {
  const pages = options.pages ?? CALL_PAGES;
  const scripts = await bundlePages(pages);
  const hub = createHub({
    queues: [callQueue],
    agents: (options.agents ?? ['alice']).map((id) => testAgent(id, { queueIds: ['calls'] })),
    authenticate: devAuthenticate,
    voice,
  });
  const sockets = new Map<WebSocket, string>();
  const refusedUntil = new Map<string, number>();

  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const script = scripts.get(pathname);
    if (script !== undefined) {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      response.end(script);
    } else if (Object.hasOwn(pages, pathname.slice(1))) {
      const buttons =
        pathname === '/visitor'
          ? '<button id="call">Call us</button>'
          : pathname === '/agent'
            ? '<button id="answer">Answer</button>'
            : '';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(PAGE(pathname.slice(1), buttons));
    } else {
      response.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const site = url.searchParams.get('site') ?? '';
    if (url.pathname !== '/ws' || (refusedUntil.get(site) ?? 0) > Date.now()) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.set(ws, site);
      const connection = hub.connect(
        {
          send: (raw) => {
            if (ws.readyState === ws.OPEN) ws.send(raw);
          },
          close: (code, reason) => ws.close(code, reason),
        },
        { site },
      );
      ws.on('message', (data) => connection.receive(String(data)));
      ws.on('close', () => {
        sockets.delete(ws);
        connection.disconnected();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    hub,
    cut(site, ms) {
      refusedUntil.set(site, Date.now() + ms);
      // No close frame: to the page it is a dead network, as when a proxy drops the connection.
      for (const [ws, of] of sockets) if (of === site) ws.terminate();
    },
    async close() {
      hub.close();
      for (const ws of sockets.keys()) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
