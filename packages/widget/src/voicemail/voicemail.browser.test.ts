/// <reference types="mocha" />
import type { AttachmentRef, Queue } from '@helpline/core';
import { createHub, devAuthenticate, type Hub } from '@helpline/core/hub';
import { salesQueue, supportQueue, testAgent, waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { axeViolations } from '../testing/axe';
import { createWidgetWorld, type WidgetWorld } from '../testing/widget-world';

// A voicemail from the widget, with Chromium's fake microphone (a test tone; the runner starts Chromium with
// --use-fake-device-for-media-stream): the closed queue offers it, the visitor records with MediaRecorder, listens
// back, records again, cancels or sends; the recording is uploaded through a fake of the server's upload routes and
// claimed by the hub, which puts a `voicemail` interaction in the queue. Then the same in Dutch and Arabic.

const VOICEMAIL = { afterSeconds: 30, maxSeconds: 60 };
const closedQueue: Queue = {
  ...supportQueue,
  businessHours: { timeZone: 'UTC', weekly: {} },
  voicemail: VOICEMAIL,
};

/** The upload routes in memory: what the widget uploaded, by id. */
function fakeServer() {
  const stored = new Map<string, { ref: AttachmentRef; bytes: Uint8Array[] }>();
  let next = 0;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://help.example');
    const method = init.method ?? 'GET';
    if (method === 'POST' && /\/v1\/conversations\/[^/]+\/attachments$/.test(url.pathname)) {
      const body = JSON.parse(String(init.body)) as { name: string; type: string; size: number };
      const id = `a${next++}`;
      stored.set(id, { ref: { id, name: body.name, type: body.type, size: body.size }, bytes: [] });
      return Response.json({ id, offset: 0, chunkBytes: 64 * 1024 }, { status: 201 });
    }
    const id = /\/v1\/attachments\/(\w+)/.exec(url.pathname)?.[1] ?? '';
    const file = stored.get(id);
    if (!file)
      return Response.json({ error: { code: 'not-found', message: 'no such file' } }, { status: 404 });
    if (method === 'PUT') {
      file.bytes.push(new Uint8Array(await new Response(init.body as Blob).arrayBuffer()));
      return Response.json({ offset: file.bytes.reduce((sum, part) => sum + part.byteLength, 0) });
    }
    if (url.pathname.endsWith('/complete')) return Response.json(file.ref);
    return new Response(new Blob(file.bytes as BlobPart[], { type: file.ref.type }));
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    stored,
    claims: {
      async claim({ ids }: { readonly ids: readonly string[] }) {
        return ids.map((id) => {
          const file = stored.get(id);
          if (!file) throw new Error(`unknown attachment ${id}`);
          return file.ref;
        });
      },
    },
  };
}

const worlds: WidgetWorld[] = [];
let hub: Hub | undefined;
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
  hub?.close();
});

async function closedWorld(lang?: string) {
  const server = fakeServer();
  hub = createHub({
    queues: [closedQueue],
    agents: [testAgent('alice')],
    authenticate: devAuthenticate,
    attachments: server.claims,
  });
  const w = await createWidgetWorld({
    hub,
    ...(lang ? { lang } : {}),
    config: { open: false, voicemail: { queueId: closedQueue.id, ...VOICEMAIL } },
    attachments: { baseUrl: 'https://help.example', site: 'shop', fetch: server.fetch },
  });
  worlds.push(w);
  await w.open();
  return { w, server };
}

const state = (w: WidgetWorld) => w.$('[part~="voicemail"]').getAttribute('data-state');
const status = (w: WidgetWorld) => w.$('[part~="voicemail-status"]').textContent ?? '';

/** Records for about a second: Record, a tick of the clock, Stop. */
async function record(w: WidgetWorld): Promise<void> {
  w.$<HTMLButtonElement>('[part~="voicemail-record"]').click();
  await waitFor(() => state(w) === 'recording', 'recording');
  await waitFor(() => /0:01/.test(status(w)), 'a second recorded', 5_000);
  w.$<HTMLButtonElement>('[part~="voicemail-stop"]').click();
  await waitFor(() => state(w) === 'recorded', 'recorded');
}

describe('voicemail in the widget', () => {
  it('records a message with the microphone, lets the visitor listen, record again and send it into the queue', async () => {
    const { w, server } = await closedWorld();
    await w.waitForText('Leave a voicemail');
    w.$<HTMLButtonElement>('[part~="leave-voicemail"]').click();
    await waitFor(() => w.has('[part~="voicemail"]'), 'the recorder');
    assert.include(w.$('[part~="voicemail-prompt"]').textContent, 'You have up to 1:00.');
    assert.strictEqual(w.$('[part~="voicemail-status"]').getAttribute('role'), 'status');
    assert.deepEqual(await axeViolations(w), []);

    await record(w);
    assert.include(status(w), 'Recorded. Listen to it');
    const preview = w.$<HTMLAudioElement>('[part~="voicemail-preview"]');
    assert.strictEqual(preview.getAttribute('aria-label'), 'Your recorded message');
    assert.match(preview.src, /^blob:/);
    assert.deepEqual(await axeViolations(w), []);
    // Not happy with it: record again (the first recording is dropped).
    assert.include(w.$('[part~="voicemail-record"]').textContent, 'Record again');
    await record(w);

    w.$<HTMLButtonElement>('[part~="voicemail-send"]').click();
    await waitFor(
      () =>
        w.has('[part~="voicemail-sent"]') ||
        (w.has('[part~="error"]') && w.$('[part~="error"]').textContent !== ''),
      'sent',
    );
    assert.strictEqual(w.has('[part~="error"]') ? w.$('[part~="error"]').textContent : '', '', 'no error');
    await w.waitForText('Thank you! Your voicemail is sent.');
    const left = hub?.interactions().find((i) => i.channel === 'voicemail');
    assert.oneOf(left?.state, ['queued', 'offered'], 'in the queue, routed and offered like any other');
    assert.strictEqual(left?.queueId, closedQueue.id);
    const [upload] = [...server.stored.values()];
    assert.strictEqual(server.stored.size, 1, 'one recording uploaded');
    assert.match(upload?.ref.type ?? '', /^audio\/(webm|mp4)/);
    assert.isAbove(
      upload?.bytes.reduce((sum, part) => sum + part.byteLength, 0) ?? 0,
      100,
      'audio was recorded',
    );
    assert.deepEqual(await axeViolations(w), []);
  });

  it('cancelling leaves nothing behind', async () => {
    const { w, server } = await closedWorld();
    w.$<HTMLButtonElement>('[part~="leave-voicemail"]').click();
    await waitFor(() => w.has('[part~="voicemail"]'), 'the recorder');
    await record(w);
    w.$<HTMLButtonElement>('[part~="voicemail-cancel"]').click();
    await waitFor(() => w.has('[part~="leave-voicemail"]'), 'back home');
    assert.strictEqual(server.stored.size, 0);
    assert.isUndefined(hub?.interactions().find((i) => i.channel === 'voicemail'));
  });

  it('a call nobody answered in time offers a voicemail instead; sending it ends the waiting call', async () => {
    const server = fakeServer();
    const waitingQueue: Queue = { ...supportQueue, voicemail: { afterSeconds: 1, maxSeconds: 60 } };
    // Alice serves another queue: nobody answers this one.
    hub = createHub({
      queues: [waitingQueue, salesQueue],
      agents: [testAgent('alice', { queueIds: [salesQueue.id] })],
      authenticate: devAuthenticate,
      attachments: server.claims,
    });
    const w = await createWidgetWorld({
      hub,
      voiceInteractions: true,
      config: {
        channels: { voice: true },
        voicemail: { queueId: waitingQueue.id, afterSeconds: 1, maxSeconds: 60 },
      },
      attachments: { baseUrl: 'https://help.example', site: 'shop', fetch: server.fetch },
    });
    worlds.push(w);
    await w.open();
    w.$<HTMLButtonElement>('[part~="call"]').click();
    await waitFor(() => w.has('[part~="start-call"]'), 'call screen');
    w.$<HTMLButtonElement>('[part~="start-call"]').click();
    await waitFor(() => hub?.interactions().some((i) => i.channel === 'voice') === true, 'the call waits');
    assert.isFalse(w.has('[part~="leave-voicemail"]'), 'not before afterSeconds');
    await waitFor(() => w.has('[part~="leave-voicemail"]'), 'voicemail offered after a second', 5_000);
    await w.waitForText('Nobody is free to answer yet.');
    assert.deepEqual(await axeViolations(w), []);
    w.$<HTMLButtonElement>('[part~="leave-voicemail"]').click();
    await waitFor(() => w.has('[part~="voicemail"]'), 'the recorder');
    await record(w);
    w.$<HTMLButtonElement>('[part~="voicemail-send"]').click();
    await w.waitForText('Thank you! Your voicemail is sent.');
    const call = hub.interactions().find((i) => i.channel === 'voice');
    assert.strictEqual(call?.state, 'ended', 'the unanswered call left the line');
    assert.strictEqual(hub.interactions().find((i) => i.channel === 'voicemail')?.state, 'queued');
  });

  for (const [lang, leave, prompt] of [
    ['nl', 'Spreek een voicemail in', 'Druk op Opnemen'],
    ['ar', 'اترك رسالة صوتية', 'اضغط «تسجيل»'],
    ['zh-Hans', '留下语音留言', '按“录音”'],
    ['zh-Hant', '留下語音留言', '按「錄音」'],
  ] as const) {
    it(`speaks ${lang}`, async () => {
      const { w } = await closedWorld(lang);
      await w.waitForText(leave);
      w.$<HTMLButtonElement>('[part~="leave-voicemail"]').click();
      await waitFor(() => w.has('[part~="voicemail"]'), 'the recorder');
      assert.include(w.$('[part~="voicemail-prompt"]').textContent, prompt);
      assert.deepEqual(await axeViolations(w), []);
    });
  }
});
