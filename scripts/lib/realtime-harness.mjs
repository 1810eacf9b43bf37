// Real WebSocket servers for the browser tests: the hub behind `ws` on 127.0.0.1, started on demand through HTTP
// routes of the web-test-runner dev server. The server itself is packages/core/src/transport/websocket.testing.ts
// (the same one the Node tests use), loaded through tsx because this file runs in plain Node.
//
//   GET /__helpline/harness/start               → { id, url }       a fresh hub on its own port
//   GET /__helpline/harness/<id>/sockets        → { sockets: [{ url, protocol, open }] }
//   GET /__helpline/harness/<id>/messages?cid=… → { messages: [text, …] } in seq order
//   GET /__helpline/harness/<id>/muted?on=1|0   → the server handles frames but sends nothing back
//   GET /__helpline/harness/<id>/refusing?on=1|0→ new connections are refused (HTTP 503)
//   GET /__helpline/harness/<id>/close-all?code=1001
//   GET /__helpline/harness/<id>/stop
//
// Browser tests call these with `fetch` (see packages/core/src/transport/harness.testing.ts). Every server is
// stopped when the test run ends.
import { tsImport } from 'tsx/esm/api';

const PREFIX = '/__helpline/harness/';

/** The web-test-runner plugin that serves the routes above. */
export function realtimeHarnessPlugin() {
  /** @type {Map<string, any>} */
  const servers = new Map();
  let nextId = 1;
  /** @type {Promise<any> | undefined} */
  let testing;
  const load = () => {
    testing ??= tsImport('../../packages/core/src/transport/websocket.testing.ts', import.meta.url);
    return testing;
  };

  async function handle(path, query) {
    if (path === 'start') {
      const { startHubServer } = await load();
      const server = await startHubServer();
      const id = String(nextId++);
      servers.set(id, server);
      return { id, url: server.url };
    }
    const [id, action] = path.split('/');
    const server = servers.get(id ?? '');
    if (!server) return { error: `no harness ${id}` };
    switch (action) {
      case 'sockets':
        return {
          sockets: server.accepted.map((s) => ({
            url: s.url,
            protocol: s.protocol,
            open: s.closedWith === undefined,
          })),
        };
      case 'messages':
        return { messages: await server.messages(String(query.cid ?? '')) };
      case 'muted':
        server.setMuted(query.on === '1');
        return { ok: true };
      case 'refusing':
        server.setRefusing(query.on === '1');
        return { ok: true };
      case 'close-all':
        server.closeAll(Number(query.code ?? 1001), 'closed by the test');
        return { ok: true };
      case 'stop':
        servers.delete(id);
        await server.stop();
        return { ok: true };
      default:
        return { error: `unknown action ${action}` };
    }
  }

  return {
    name: 'helpline-realtime-harness',
    async serve(context) {
      if (!context.path.startsWith(PREFIX)) return undefined;
      try {
        const body = await handle(context.path.slice(PREFIX.length), context.query);
        return { body: JSON.stringify(body), type: 'json', headers: { 'cache-control': 'no-store' } };
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        return {
          body: JSON.stringify({ error: message }),
          type: 'json',
          headers: { 'cache-control': 'no-store' },
        };
      }
    },
    async serverStop() {
      for (const server of servers.values()) await server.stop();
      servers.clear();
    },
  };
}
