/// <reference types="mocha" />
import type { AttachmentPolicy, AttachmentRef } from '@helpline/core';
import { waitFor } from '@helpline/core/testing';
import { assert } from 'chai';
import { axeViolations } from '../testing/axe';
import { createWidgetWorld, submit, type WidgetWorld } from '../testing/widget-world';

// The widget's attachments against a fake of the server's upload routes (a `fetch` the upload client is given)
// and a hub that claims what was uploaded, as the server's attachment store does.

const POLICY: AttachmentPolicy = { types: ['image/*', 'text/plain'], maxBytes: 64, maxPerMessage: 5 };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);

/** The upload routes in memory. `gate` holds every PUT until it is opened, so a test can see the progress. */
function fakeServer() {
  const stored = new Map<string, { ref: AttachmentRef; bytes: Uint8Array[] }>();
  let opened: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    opened = resolve;
  });
  let next = 0;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://help.example');
    const method = init.method ?? 'GET';
    assert.strictEqual(new Headers(init.headers).get('authorization'), 'Bearer dev:visitor:v1:Ada');
    const created = /\/v1\/conversations\/[^/]+\/attachments$/.test(url.pathname);
    if (method === 'POST' && created) {
      const body = JSON.parse(String(init.body)) as { name: string; type: string; size: number };
      const id = `a${next++}`;
      stored.set(id, { ref: { id, name: body.name, type: body.type, size: body.size }, bytes: [] });
      return Response.json({ id, offset: 0, chunkBytes: 4 }, { status: 201 });
    }
    const id = /\/v1\/attachments\/(\w+)/.exec(url.pathname)?.[1] ?? '';
    const file = stored.get(id);
    if (!file)
      return Response.json({ error: { code: 'not-found', message: 'no such file' } }, { status: 404 });
    if (method === 'PUT') {
      await gate;
      file.bytes.push(new Uint8Array(await new Response(init.body as Blob).arrayBuffer()));
      return Response.json({ offset: file.bytes.reduce((sum, part) => sum + part.byteLength, 0) });
    }
    if (url.pathname.endsWith('/complete')) return Response.json(file.ref);
    return new Response(new Blob(file.bytes as BlobPart[], { type: file.ref.type }));
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    claims: {
      async claim({ ids }: { readonly ids: readonly string[] }) {
        return ids.map((id) => {
          const file = stored.get(id);
          if (!file) throw new Error(`unknown attachment ${id}`);
          return file.ref;
        });
      },
    },
    open: () => opened(),
    hold: () => {
      gate = new Promise<void>((resolve) => {
        opened = resolve;
      });
    },
  };
}

const worlds: WidgetWorld[] = [];
afterEach(() => {
  for (const created of worlds.splice(0)) created.close();
});

async function chatWithFiles(
  server: ReturnType<typeof fakeServer>,
): Promise<{ w: WidgetWorld; cid: string }> {
  const w = await createWidgetWorld({
    attachments: {
      baseUrl: 'https://help.example',
      site: 'shop',
      policy: POLICY,
      chunkBytes: 4,
      fetch: server.fetch,
    },
    claims: server.claims,
  });
  worlds.push(w);
  await w.open();
  w.$<HTMLButtonElement>('[part~="start-chat"]').click();
  await waitFor(() => w.has('form[part~="prechat"]'), 'pre-chat form');
  w.$<HTMLInputElement>('#field-name').value = 'Ada';
  submit(w.$<HTMLFormElement>('form[part~="prechat"]'));
  await waitFor(() => w.has('[part~="attach"]'), 'the attach button');
  await waitFor(() => Object.keys(w.agent.$offers.get()).length === 1, 'offer reaches the agent');
  const cid = Object.keys(w.agent.$offers.get())[0] ?? '';
  await w.agent.accept(cid);
  // The attachment chunk loads with the composer: its list is there once it did.
  await waitFor(() => w.has('[part~="uploads"]'), 'the attachment chunk');
  return { w, cid };
}

const nativeClick = HTMLInputElement.prototype.click;
afterEach(() => {
  HTMLInputElement.prototype.click = nativeClick;
});

/** Clicks the attach button and picks `files` in the file picker it opens (the picker is the browser's). */
async function pick(w: WidgetWorld, files: readonly File[]): Promise<void> {
  let opened = false;
  HTMLInputElement.prototype.click = function (this: HTMLInputElement) {
    if (this.type !== 'file') return nativeClick.call(this);
    opened = true;
    const transfer = new DataTransfer();
    for (const file of files) transfer.items.add(file);
    this.files = transfer.files;
    this.dispatchEvent(new Event('change'));
  };
  w.$<HTMLButtonElement>('[part~="attach"]').click();
  await waitFor(() => opened, 'the file picker opens');
}

describe('attachments in the widget', () => {
  it('uploads a picked image with progress, sends it, and shows it to both sides with a blob: thumbnail', async () => {
    const server = fakeServer();
    const { w, cid } = await chatWithFiles(server);
    assert.strictEqual(w.$('[part~="attach"]').getAttribute('aria-label'), 'Attach a file');
    await pick(w, [new File([PNG], 'cat.png', { type: 'image/png' })]);
    await waitFor(
      () => w.has('[part~="uploads"] [role="progressbar"], [part~="uploads"] progress'),
      'progress',
    );
    assert.strictEqual(w.$('[part~="uploads"] progress').getAttribute('aria-label'), 'Uploading cat.png');
    assert.deepEqual(await axeViolations(w), [], 'while uploading');
    server.open();
    await waitFor(
      () =>
        w.agent.$conversations.get()[cid]?.messages.some((m) => m.attachments?.[0]?.name === 'cat.png') ===
        true,
      'the agent gets the file',
    );
    await waitFor(() => w.has('[part~="message-visitor"] [part~="file"]'), 'the file in the log');
    assert.include(w.$('[part~="message-visitor"] [part~="file-name"]').textContent, 'cat.png');
    assert.include(w.$('[part~="message-visitor"] [part~="file-size"]').textContent, '16');
    await waitFor(() => w.has('[part~="thumbnail"]'), 'the thumbnail');
    assert.match(w.$<HTMLImageElement>('[part~="thumbnail"]').src, /^blob:/);
    assert.isFalse(w.has('[part~="uploads"] progress'), 'the upload is done');
    assert.deepEqual(await axeViolations(w), [], 'with the file in the log');
  });

  it('refuses a file over the size limit before uploading, with the limit, translated', async () => {
    const server = fakeServer();
    server.open();
    const { w } = await chatWithFiles(server);
    await pick(w, [new File([new Uint8Array(100)], 'big.txt', { type: 'text/plain' })]);
    await waitFor(() => w.has('[part~="upload-refused"] [role="alert"]'), 'the refusal');
    assert.strictEqual(
      w.$('[part~="upload-refused"] [role="alert"]').textContent?.trim(),
      'big.txt is too large (100 byte); the limit is 64 byte.',
    );
    assert.deepEqual(await axeViolations(w), [], 'with the refusal');
    w.$<HTMLButtonElement>('[part~="dismiss-upload"]').click();
    await waitFor(() => !w.has('[part~="upload-refused"]'), 'dismissed');
  });

  it('shows an HTML file name as text, pasted or dropped', async () => {
    const server = fakeServer();
    server.open();
    const { w } = await chatWithFiles(server);
    const name = '<img src=x onerror=alert(1)>.png';
    const transfer = new DataTransfer();
    transfer.items.add(new File([PNG], name, { type: 'image/png' }));
    w.$('#message').dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, composed: true }),
    );
    await waitFor(() => w.has('[part~="message-visitor"] [part~="file-name"]'), 'the file in the log');
    assert.strictEqual(w.$('[part~="message-visitor"] [part~="file-name"]').textContent, name);
    assert.isFalse(w.has('[part~="messages"] img:not([part~="thumbnail"])'), 'no element from the name');
  });
});
