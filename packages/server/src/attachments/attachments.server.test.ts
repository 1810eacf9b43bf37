import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type AttachmentRef, cleanFileName, DEFAULT_ATTACHMENT_POLICY, isStorableText } from '@helpline/core';
import payloads from '../../../core/src/render/fixtures/xss-payloads.json' with { type: 'json' };
import type { HelplineServer } from '../server';
import {
  activeChat,
  http,
  staffToken,
  startTestServer,
  TEST_CONFIG,
  type TestClient,
  visitorToken,
} from '../testing/harness';
import { startFaultProxy } from '../testing/proxy';
import { contentDisposition } from './attachments.http';
import {
  assertServedSafely,
  createUpload,
  PNG,
  putBytes,
  resumeUpload,
  startPartialPut,
  uploadWhole,
} from './attachments.testing';

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

async function chat(options: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(options);
  servers.push(server);
  const placed = await activeChat(server);
  clients.push(placed.visitor, placed.agent);
  return { server, ...placed, agentToken: await staffToken('alice') };
}

const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;

describe('attachments over HTTP', () => {
  it('uploads, sends and serves a file safely: sniffed type, size, image dimensions, download headers', async () => {
    const { server, visitor, agent, cid, visitorToken: token, agentToken } = await chat();
    const done = await uploadWhole(server, token, cid, {
      name: 'photo "1".png',
      type: 'image/png',
      bytes: PNG,
    });
    assert.equal(done.status, 200, done.text);
    const ref = done.body as Required<AttachmentRef>;
    assert.deepEqual(
      { name: ref.name, type: ref.type, size: ref.size, width: ref.width, height: ref.height },
      { name: 'photo "1".png', type: 'image/png', size: PNG.length, width: 1, height: 2 },
    );
    assert.equal(ref.sha256, createHash('sha256').update(PNG).digest('hex'));

    // Attachments only: the text may be empty.
    await visitor.ok('message.send', { cid, clientMsgId: uuid(1), text: '', attachments: [ref] });
    const event = await agent.waitFor(
      (f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.clientMsgId === uuid(1),
      'message',
    );
    assert.ok(event.t === 'evt' && event.ev.type === 'message');
    assert.deepEqual(event.ev.attachments, [ref]);

    const download = await fetch(`${server.url}/v1/attachments/${ref.id}`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);
    assertServedSafely(download, {
      type: 'image/png',
      disposition: `attachment; filename="photo _1_.png"; filename*=UTF-8''photo%20%221%22.png`,
    });
    const preview = await fetch(`${server.url}/v1/attachments/${ref.id}?preview=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.match(preview.headers.get('content-disposition') ?? '', /^inline; /);
  });

  it('refuses what the allow-list does not allow, with typed errors, on what is declared and on what arrived', async () => {
    const { server, cid, visitorToken: token } = await chat();
    // The widget learns the list from its site's config, to check files before uploading them.
    const site = (await http(server, '/v1/sites/shop/config')).body as { attachments: unknown };
    assert.deepEqual(site.attachments, DEFAULT_ATTACHMENT_POLICY);
    const large = await createUpload(server, token, cid, {
      name: 'big.pdf',
      type: 'application/pdf',
      size: 11 * 1024 * 1024,
    });
    assert.equal(large.status, 413);
    assert.deepEqual(errorOf(large.body), {
      code: 'attachment/too-large',
      message: 'big.pdf is too large (11 MB); the limit is 10 MB.',
      field: 'size',
    });
    const exe = await createUpload(server, token, cid, {
      name: 'setup.exe',
      type: 'application/x-msdownload',
      size: 10,
    });
    assert.equal(exe.status, 415);
    assert.equal(errorOf(exe.body).code, 'attachment/type-not-allowed');
    // A page named like a picture, and an SVG: the content decides, and neither is allowed.
    const page = await uploadWhole(server, token, cid, {
      name: 'cat.png',
      type: 'image/png',
      bytes: Buffer.from('<!doctype html><script>alert(1)</script>'),
    });
    assert.equal(page.status, 415);
    assert.equal(errorOf(page.body).code, 'attachment/type-not-allowed');
    const svg = await uploadWhole(server, token, cid, {
      name: 'logo.txt',
      type: 'text/plain',
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
    });
    assert.equal(errorOf(svg.body).code, 'attachment/type-not-allowed');
    assert.match(errorOf(svg.body).message, /files of type image\/svg\+xml are not allowed/);
    const renamed = await uploadWhole(server, token, cid, {
      name: 'a.pdf',
      type: 'application/pdf',
      bytes: PNG,
    });
    assert.equal(errorOf(renamed.body).code, 'attachment/type-mismatch');
    // More bytes than declared.
    const created = await createUpload(server, token, cid, { name: 'x.png', type: 'image/png', size: 4 });
    const id = (created.body as { id: string }).id;
    const over = await putBytes(server.url, token, id, 0, PNG, PNG.length);
    assert.equal(over.status, 413);
  });

  it("holds a visitor to its own site's allow-list, whichever site it names", async () => {
    // 'other' allows anything; the visitor's token was issued for 'shop', which does not allow executables.
    const config = {
      ...TEST_CONFIG,
      sites: TEST_CONFIG.sites.map((site) =>
        site.id === 'other' ? { ...site, attachments: { types: ['*/*'] } } : site,
      ),
    };
    const { server, cid, visitorToken: token, agentToken } = await chat({ config });
    const exe = { name: 'setup.exe', type: 'application/x-msdownload', size: 10 };
    const named = await createUpload(server, token, cid, exe, 'other');
    assert.equal(named.status, 403);
    assert.equal(errorOf(named.body).code, 'auth/forbidden');
    const own = await createUpload(server, token, cid, exe, 'shop');
    assert.equal(errorOf(own.body).code, 'attachment/type-not-allowed');
    // Staff name the site whose list applies.
    const staff = await createUpload(server, agentToken, cid, exe, 'other');
    assert.equal(staff.status, 201, staff.text);
  });

  it('serves HTML and SVG a lax site allows as downloads, never as pages, even when a preview is asked for', async () => {
    const config = {
      ...TEST_CONFIG,
      sites: TEST_CONFIG.sites.map((site) => ({ ...site, attachments: { types: ['*/*'] } })),
    };
    const { server, visitor, cid, visitorToken: token, agentToken } = await chat({ config });
    for (const [n, name, body] of [
      [2, 'page.html', '<!doctype html><html><script>alert(1)</script></html>'],
      [3, 'logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ] as const) {
      const done = await uploadWhole(server, token, cid, { name, type: '', bytes: Buffer.from(body) });
      assert.equal(done.status, 200, done.text);
      const ref = done.body as AttachmentRef;
      await visitor.ok('message.send', { cid, clientMsgId: uuid(n), text: name, attachments: [ref] });
      const served = await fetch(`${server.url}/v1/attachments/${ref.id}?preview=1`, {
        headers: { authorization: `Bearer ${agentToken}` },
      });
      assert.equal(served.headers.get('content-type'), 'application/octet-stream', name);
      assert.match(served.headers.get('content-disposition') ?? '', /^attachment; /, name);
      assert.equal(served.headers.get('content-security-policy'), "sandbox; default-src 'none'");
      assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('lets only the conversation’s parties upload, send and read; a file is bound to its message for good', async () => {
    const {
      server,
      visitor,
      agent,
      cid,
      visitorToken: token,
      agentToken,
    } = await chat({ attachments: { bytes: 'database' } });
    const stranger = await visitorToken(server);
    const otherAgent = await staffToken('bob');
    const refusedCreate = await createUpload(server, stranger.token, cid, {
      name: 'a.png',
      type: 'image/png',
      size: 5,
    });
    assert.equal(errorOf(refusedCreate.body).code, 'not-found');
    const done = await uploadWhole(server, token, cid, { name: 'a.png', type: 'image/png', bytes: PNG });
    const ref = done.body as AttachmentRef;
    // Before it is sent, the file is its uploader's alone.
    for (const who of [stranger.token, agentToken])
      assert.equal((await http(server, `/v1/attachments/${ref.id}`, { token: who })).status, 404);
    assert.equal(
      (await http(server, `/v1/attachments/${ref.id}/upload`, { token: stranger.token })).status,
      404,
    );
    // Nobody else may send it, in this conversation or another.
    const refused = await agent.command('message.send', {
      cid,
      clientMsgId: uuid(4),
      text: 'x',
      attachments: [ref],
    });
    assert.ok(!refused.ok && refused.error.code === 'not-found');
    await visitor.ok('message.send', { cid, clientMsgId: uuid(5), text: 'here', attachments: [ref] });
    const again = await visitor.command('message.send', {
      cid,
      clientMsgId: uuid(6),
      text: 'again',
      attachments: [ref],
    });
    assert.ok(!again.ok && again.error.code === 'conflict/state');
    // A retried send of the same message is still the original, not a conflict.
    await visitor.ok('message.send', { cid, clientMsgId: uuid(5), text: 'here', attachments: [ref] });
    // Sent: the parties (and a supervisor) read it, nobody else does.
    assert.equal((await http(server, `/v1/attachments/${ref.id}`, { token: agentToken })).status, 200);
    assert.equal(
      (await http(server, `/v1/attachments/${ref.id}`, { token: await staffToken('sam') })).status,
      200,
    );
    for (const who of [stranger.token, otherAgent])
      assert.equal((await http(server, `/v1/attachments/${ref.id}`, { token: who })).status, 404);
    assert.equal((await http(server, `/v1/attachments/${ref.id}`)).status, 401);
  });

  it('an upload cut off mid-way keeps what arrived and resumes from the last stored byte', async () => {
    const { server, cid, visitorToken: token } = await chat();
    const proxy = await startFaultProxy(server.port);
    try {
      const bytes = Buffer.alloc(700 * 1024);
      PNG.copy(bytes);
      for (let i = PNG.length; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
      const created = await createUpload(server, token, cid, {
        name: 'big.png',
        type: 'image/png',
        size: bytes.length,
      });
      const id = (created.body as { id: string }).id;
      const offsetNow = async () =>
        (await http(server, `/v1/attachments/${id}/upload`, { token })).body as { offset: number };
      const partial = await startPartialPut(proxy.port, token, id, bytes, 400 * 1024);
      // Wait until the server stored the first piece, then cut the connection.
      while ((await offsetNow()).offset === 0) await new Promise((resolve) => setImmediate(resolve));
      proxy.cut();
      partial.destroy();
      const offset = (await offsetNow()).offset;
      assert.ok(offset > 0 && offset < bytes.length, `stored ${offset}`);
      // Resume from what the server says it has; a stale offset is answered with the right one.
      await resumeUpload(server, token, id, bytes, offset);
      const done = await http(server, `/v1/attachments/${id}/complete`, { token, method: 'POST' });
      assert.equal(done.status, 200, done.text);
      assert.equal(
        (done.body as { sha256: string }).sha256,
        createHash('sha256').update(bytes).digest('hex'),
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('file names from the XSS corpus', () => {
  const names = payloads.filter(isStorableText);

  it('are kept as text and can never break out of Content-Disposition', () => {
    for (const payload of names) {
      const name = cleanFileName(payload);
      const invisible = [...name].filter((char) => {
        const code = char.codePointAt(0) ?? 0;
        return code < 0x20 || code === 0x7f || (code >= 0x202a && code <= 0x202e);
      });
      assert.deepEqual(invisible, [], JSON.stringify(payload));
      const header = contentDisposition('attachment', name);
      assert.match(
        header,
        /^attachment; filename="[\x20\x21\x23-\x5b\x5d-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9%._~-]*$/,
        JSON.stringify(payload),
      );
      assert.equal(decodeURIComponent(header.split("UTF-8''")[1] ?? ''), name);
    }
  });

  it('travel through upload, message and download as the same text', async () => {
    const {
      server,
      visitor,
      agent,
      cid,
      visitorToken: token,
      agentToken,
    } = await chat({
      config: {
        ...TEST_CONFIG,
        limits: { uploads: { burst: 100, perMinute: 100 }, http: { burst: 500, perMinute: 500 } },
      },
    });
    for (const [n, payload] of names.slice(0, 12).entries()) {
      const done = await uploadWhole(server, token, cid, { name: payload, type: 'image/png', bytes: PNG });
      assert.equal(done.status, 200, `${JSON.stringify(payload)}: ${done.text}`);
      const ref = done.body as AttachmentRef;
      assert.equal(ref.name, cleanFileName(payload));
      await visitor.ok('message.send', { cid, clientMsgId: uuid(100 + n), text: '', attachments: [ref] });
      const event = await agent.waitFor(
        (f) => f.t === 'evt' && f.ev.type === 'message' && f.ev.clientMsgId === uuid(100 + n),
        'message',
      );
      assert.ok(event.t === 'evt' && event.ev.type === 'message');
      assert.equal(event.ev.attachments?.[0]?.name, cleanFileName(payload));
      const served = await fetch(`${server.url}/v1/attachments/${ref.id}`, {
        headers: { authorization: `Bearer ${agentToken}` },
      });
      assert.equal(served.headers.get('content-disposition'), contentDisposition('attachment', ref.name));
      await served.arrayBuffer();
    }
  });
});
