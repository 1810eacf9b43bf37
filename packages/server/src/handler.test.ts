import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { parseConfig } from './config/config';
import { createHelplineHandler, type HelplineHandler } from './handler';
import { silentLogger } from './log/logger';
import type { HelplineServer } from './server';
import { freshPgliteDir } from './testing/databases';
import {
  activeChat,
  http,
  SHOP_IDENTITY_SECRET,
  TEST_CONFIG,
  TEST_SECRET,
  TestClient,
  visitorToken,
} from './testing/harness';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A company's own Node server: its own page at `/`, its own WebSocket at `/live`, Helpline under `/helpline`. */
async function companyServer(): Promise<{ helpline: HelplineHandler; server: Server; origin: string }> {
  const helpline = await createHelplineHandler({
    config: parseConfig(TEST_CONFIG),
    storage: { kind: 'pglite', dataDir: await freshPgliteDir() },
    basePath: '/helpline/',
    jwtSecret: TEST_SECRET,
    env: { SHOP_IDENTITY_SECRET },
    logger: silentLogger,
    drainMs: 1_000,
  });
  const server = createServer((request, response) => {
    if (helpline.handleRequest(request, response)) return;
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`company page at ${request.url}`);
  });
  server.on('upgrade', (request, socket, head) => {
    if (helpline.handleUpgrade(request, socket, head)) return;
    socket.end('HTTP/1.1 418 I am a teapot\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await helpline.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { helpline, server, origin: `http://127.0.0.1:${port}` };
}

/** The mounted API as the test helpers address a server. */
function mounted(origin: string, helpline: HelplineHandler): HelplineServer {
  return {
    url: `${origin}${helpline.basePath}`,
    socketUrl: `${origin.replace(/^http/, 'ws')}${helpline.socketPath}`,
    port: Number(new URL(origin).port),
    hub: helpline.hub,
    storage: helpline.storage,
    auth: helpline.auth,
    close: () => helpline.close(),
  };
}

describe('createHelplineHandler mounted in a server of your own', () => {
  it('serves the API and the socket under its base path and leaves every other request to the host', async () => {
    const { helpline, origin } = await companyServer();
    assert.equal(helpline.basePath, '/helpline');
    assert.equal(helpline.socketPath, '/helpline/v1/ws');

    const own = await fetch(`${origin}/pricing?x=1`);
    assert.equal(await own.text(), 'company page at /pricing?x=1');
    assert.equal(own.headers.get('x-frame-options'), null, "the host's pages keep their own headers");
    const lookalike = await fetch(`${origin}/helpline-blog`);
    assert.equal(await lookalike.text(), 'company page at /helpline-blog');

    const api = mounted(origin, helpline);
    assert.deepEqual((await http(api, '/healthz')).body, { ok: true });
    const missing = await http(api, '/v1/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-frame-options'), 'DENY');

    // A chat runs through the mounted socket: the visitor starts it, the agent takes it, both talk.
    const chat = await activeChat(api);
    cleanups.push(() => {
      chat.visitor.terminate();
      chat.agent.terminate();
    });
    const clientMsgId = '01900000-0000-7000-8000-000000000001';
    await chat.visitor.ok('message.send', { cid: chat.cid, clientMsgId, text: 'Hello from the shop' });
    const received = await chat.agent.waitFor(
      (f) => f.t === 'evt' && f.cid === chat.cid && f.ev.type === 'message',
      'the visitor message',
    );
    assert.match(JSON.stringify(received), /Hello from the shop/);

    // Upgrades outside the base path stay the host's.
    await assert.rejects(TestClient.open(`${origin.replace(/^http/, 'ws')}/live`), /upgrade refused: 418/);
  });

  it('refuses new requests once closed, and leaves the host server running', async () => {
    const { helpline, origin } = await companyServer();
    const api = mounted(origin, helpline);
    await visitorToken(api);
    await helpline.close();
    const refused = await http(api, '/v1/sessions/visitor', { body: { site: 'shop' } });
    assert.equal(refused.status, 503);
    assert.equal((refused.body as { error: { code: string } }).error.code, 'unavailable');
    assert.equal(await (await fetch(`${origin}/`)).text(), 'company page at /');
  });

  it('refuses a base path that is not a path', async () => {
    await assert.rejects(
      createHelplineHandler({
        config: parseConfig(TEST_CONFIG),
        storage: { kind: 'pglite', dataDir: 'memory://' },
        basePath: 'helpline',
        logger: silentLogger,
      }),
      /basePath must be a path/,
    );
  });
});
