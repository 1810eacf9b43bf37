import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createAttachmentUploader } from '@helpline/core';
import type { HelplineServer } from '../server';
import { activeChat, http, startTestServer, type TestClient } from '../testing/harness';
import { startFaultProxy } from '../testing/proxy';
import { PNG } from './attachments.testing';

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

describe("the core client's uploads against the server", () => {
  it('resumes from the last stored byte when the connection is cut mid-chunk, and the file arrives whole', async () => {
    const server = await startTestServer();
    servers.push(server);
    const { visitor, agent, cid, visitorToken: token } = await activeChat(server);
    clients.push(visitor, agent);
    const proxy = await startFaultProxy(server.port);
    try {
      const bytes = Buffer.alloc(2.5 * 1024 * 1024);
      PNG.copy(bytes);
      for (let i = PNG.length; i < bytes.length; i++) bytes[i] = (i * 7) % 253;
      const puts: string[] = [];
      let cut = false;
      const watchingFetch: typeof fetch = async (input, init) => {
        const range = new Headers(init?.headers).get('content-range');
        if (init?.method === 'PUT' && range) puts.push(range);
        const answer = fetch(input, init);
        // The second chunk: once the server has stored part of it, the network fails under it.
        if (!cut && range?.startsWith(`bytes ${1024 * 1024}-`)) {
          cut = true;
          const id = String(input).split('/').at(-1);
          for (;;) {
            const { offset } = (await http(server, `/v1/attachments/${id}/upload`, { token })).body as {
              offset: number;
            };
            if (offset > 1024 * 1024) break;
            await new Promise((resolve) => setImmediate(resolve));
          }
          proxy.cut();
        }
        return answer;
      };
      const uploader = createAttachmentUploader({
        baseUrl: `http://127.0.0.1:${proxy.port}`,
        token: () => token,
        site: 'shop',
        fetch: watchingFetch,
        sleep: async () => {},
      });
      const progress: number[] = [];
      const file = new Blob([bytes], { type: 'image/png' });
      const ref = await uploader.upload(
        cid,
        { name: 'scan.png', type: 'image/png', size: file.size, slice: (s, e) => file.slice(s, e) },
        { onProgress: (stored) => progress.push(stored) },
      );
      assert.equal(ref.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.equal(ref.size, bytes.length);
      // The uploader reads its file back with its token (what a UI turns into a blob: URL).
      const back = await uploader.fetchFile(ref.id);
      assert.equal(
        createHash('sha256')
          .update(Buffer.from(await back.arrayBuffer()))
          .digest('hex'),
        ref.sha256,
      );
      assert.ok(cut, 'the connection was cut');
      // After the cut, the next chunk starts where the server's bytes end, not at a chunk boundary.
      const resumed = puts.find((range) => !/^bytes (0|1048576|2097152)-/.test(range));
      assert.ok(resumed, `a resumed chunk among ${puts.join(', ')}`);
      assert.deepEqual(
        progress,
        [...progress].sort((a, b) => a - b),
      );
      assert.equal(progress.at(-1), bytes.length);
    } finally {
      await proxy.close();
    }
  });
});
