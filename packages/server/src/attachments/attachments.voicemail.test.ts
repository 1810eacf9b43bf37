import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { AttachmentRef } from '@helpline/core';
import { parseConfig } from '../config/config';
import { issuesOf } from '../config/config.testing';
import type { HelplineServer } from '../server';
import { http, staffToken, startTestServer, TEST_CONFIG, TestClient, visitorToken } from '../testing/harness';
import { uploadWhole } from './attachments.testing';

// A browser caller's voicemail over the real server: the configuration's `voicemail`, the recording uploaded to the
// voicemail (audio whatever the site allows in chats), routed and offered to an agent of the queue, and played back
// only to the agents who handle it and to supervisors — never to the caller, another visitor or another queue's agent.

const servers: HelplineServer[] = [];
const clients: TestClient[] = [];
after(async () => {
  for (const client of clients) client.terminate();
  for (const server of servers) await server.close();
});

/** The first bytes of a WebM file (EBML header), as a MediaRecorder writes them; then some payload. */
const WEBM = new Uint8Array([
  0x1a,
  0x45,
  0xdf,
  0xa3,
  0x9f,
  0x42,
  0x86,
  0x81,
  0x01,
  ...new Array(200).fill(7),
]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Array(32).fill(0)]);
const uuid = (n: number) => `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`;

const CONFIG = {
  ...TEST_CONFIG,
  queues: [
    ...TEST_CONFIG.queues,
    // Never open: callers leave a voicemail at once.
    {
      id: 'night',
      name: 'Night line',
      businessHours: { timeZone: 'UTC', weekly: {} },
      voicemail: { afterSeconds: 30, maxSeconds: 60 },
    },
  ],
  agents: [
    { id: 'alice', name: 'Alice', queues: ['night'] },
    { id: 'bob', name: 'Bob', queues: ['support'] },
    { id: 'sam', name: 'Sam', role: 'supervisor' as const },
  ],
};

describe('voicemail over HTTP and the socket', () => {
  it('validates queues[].voicemail', () => {
    const queue = (voicemail: unknown) => ({
      queues: [{ id: 'support', name: 'Support', voicemail }],
      sites: [{ id: 'shop', origins: ['https://shop.example'] }],
    });
    // Accepted, with the longest message defaulting to two minutes.
    assert.deepEqual(parseConfig(queue({ afterSeconds: 45 })).queues[0]?.voicemail, {
      afterSeconds: 45,
      maxSeconds: 120,
    });
    assert.deepEqual(issuesOf(queue({ afterSeconds: 0, maxSeconds: 601 })), [
      'config.queues[0].voicemail.afterSeconds: must be at least 1',
      'config.queues[0].voicemail.maxSeconds: must be at most 600 (ten minutes)',
    ]);
    assert.deepEqual(issuesOf(queue({ maxSeconds: 60 })), [
      'config.queues[0].voicemail.afterSeconds: is required',
    ]);
    assert.deepEqual(issuesOf(queue({ afterSeconds: 1.5, extra: true })).length, 2);
  });

  it('a caller of a closed queue records, uploads and sends a voicemail; only its agent and supervisors play it', async () => {
    const server = await startTestServer({ config: CONFIG });
    servers.push(server);
    const caller = await visitorToken(server);
    const visitor = await TestClient.connect(server.socketUrl, caller.token);
    const alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), {
      site: '',
      origin: null,
    });
    clients.push(visitor, alice);
    await alice.ok('presence.set', { status: 'available' });

    // A site (one without topics lists every queue) tells the widget which queues take voicemail.
    const site = await http(server, '/v1/sites/other/config');
    const night = (site.body as { queues: { id: string; voicemail?: unknown }[] }).queues.find(
      (q) => q.id === 'night',
    );
    assert.deepEqual(night?.voicemail, { afterSeconds: 30, maxSeconds: 60 });

    const { cid } = await visitor.ok('voicemail.start', { queueId: 'night' });
    // The site allows no audio in chats; a voicemail takes its recording, and nothing but audio.
    const refused = await uploadWhole(server, caller.token, cid, {
      name: 'a.png',
      type: 'image/png',
      bytes: PNG,
    });
    assert.equal((refused.body as { error: { code: string } }).error.code, 'attachment/type-not-allowed');
    const done = await uploadWhole(server, caller.token, cid, {
      name: 'voicemail.webm',
      type: 'audio/webm;codecs=opus',
      bytes: WEBM,
    });
    assert.equal(done.status, 200, done.text);
    const ref = done.body as AttachmentRef;
    assert.equal(ref.type, 'audio/webm');
    await visitor.ok('voicemail.send', { cid, clientMsgId: uuid(1), attachments: [ref] });

    await alice.waitFor(
      (f) => f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === cid,
      'the voicemail is offered to alice',
    );
    await alice.ok('offer.accept', { cid });

    const play = async (token: string | undefined) =>
      (await http(server, `/v1/attachments/${ref.id}`, token ? { token } : {})).status;
    assert.equal(await play(await staffToken('alice')), 200, 'its agent plays it');
    assert.equal(await play(await staffToken('sam')), 200, 'a supervisor plays it');
    assert.equal(await play(await staffToken('bob')), 404, "another queue's agent is refused");
    assert.equal(await play(caller.token), 404, 'the caller is refused');
    assert.equal(await play((await visitorToken(server)).token), 404, 'another visitor is refused');
    assert.equal(await play(undefined), 401);
  });
});
