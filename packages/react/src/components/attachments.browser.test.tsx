/// <reference types="mocha" />
import {
  type AgentSession,
  type AttachmentPolicy,
  type AttachmentRef,
  createAgentSession,
  createVisitorSession,
  type VisitorSession,
} from '@helpline/core';
import { createHub, createMemoryTransport, devAuthenticate, type Hub } from '@helpline/core/hub';
import { supportQueue, testAgent } from '@helpline/core/testing';
import { assert } from 'chai';
import { act } from 'react';
import payloads from '../../../core/src/render/fixtures/xss-payloads.json';
import { HelplineProvider } from '../context/HelplineContext';
import {
  acceptChat,
  adoptStyles,
  assertAccessible,
  byText,
  cleanup,
  click,
  mount,
  settle,
  typeText,
  waitForUi,
} from '../testing/harness';
import { ComposerFileList, type ComposerFiles, MessageFiles } from './Attachments';
import { ChatPanel } from './ChatPanel';

// The console's attachments against a fake of the server's upload routes (a `fetch` the agent session's upload
// client is given) and a hub that claims what was uploaded, as the server's attachment store does: pick, drop and
// paste, refusals before a byte is sent, progress and cancel, and files in the log as text with safe previews.

declare global {
  var __xss: number | undefined;
}

const POLICY: AttachmentPolicy = { types: ['image/png', 'text/plain'], maxBytes: 64, maxPerMessage: 5 };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
const queue = { ...supportQueue, dispositionRequired: false, dispositions: [] };

/** The upload routes in memory. `hold()` keeps every PUT waiting until `open()`, so a test sees the progress. */
function fakeServer() {
  const stored = new Map<string, { ref: AttachmentRef; bytes: Uint8Array[] }>();
  const requests: string[] = [];
  let opened: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let next = 0;
  /** PUTs to cut: the chunk is stored, then the connection drops before the answer (as a proxy cutting it would). */
  let cuts = 0;
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'https://help.example');
    const method = init.method ?? 'GET';
    requests.push(`${method} ${url.pathname}`);
    assert.strictEqual(new Headers(init.headers).get('authorization'), 'Bearer dev:agent:alice:Alice');
    if (url.pathname.endsWith('/attachments/policy')) return Response.json(POLICY);
    if (method === 'POST' && /\/v1\/conversations\/[^/]+\/attachments$/.test(url.pathname)) {
      const body = JSON.parse(String(init.body)) as { name: string; type: string; size: number };
      const id = `a${next++}`;
      stored.set(id, { ref: { id, name: body.name, type: body.type, size: body.size }, bytes: [] });
      return Response.json({ id, offset: 0, chunkBytes: 4 }, { status: 201 });
    }
    const id = /\/v1\/attachments\/(\w+)/.exec(url.pathname)?.[1] ?? '';
    const file = stored.get(id);
    if (!file)
      return Response.json({ error: { code: 'not-found', message: 'no such file' } }, { status: 404 });
    const offset = () => file.bytes.reduce((sum, part) => sum + part.byteLength, 0);
    if (method === 'PUT') {
      await gate;
      init.signal?.throwIfAborted();
      const first = Number(/bytes (\d+)-/.exec(new Headers(init.headers).get('content-range') ?? '')?.[1]);
      if (first !== offset()) {
        return Response.json(
          { error: { code: 'attachment/offset', message: 'out of step' } },
          { status: 409, headers: { 'upload-offset': String(offset()) } },
        );
      }
      file.bytes.push(new Uint8Array(await new Response(init.body as Blob).arrayBuffer()));
      if (cuts > 0) {
        cuts--;
        throw new TypeError('Failed to fetch');
      }
      return Response.json({ offset: offset() });
    }
    if (url.pathname.endsWith('/upload')) return Response.json({ offset: offset(), size: file.ref.size });
    if (url.pathname.endsWith('/complete')) return Response.json(file.ref);
    return new Response(new Blob(file.bytes as BlobPart[], { type: file.ref.type }));
  };
  return {
    fetch: fetch as typeof globalThis.fetch,
    requests,
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
    cut(count: number) {
      cuts = count;
    },
    hold() {
      gate = new Promise<void>((resolve) => {
        opened = resolve;
      });
    },
    open: () => opened(),
  };
}

let hub: Hub;
let server: ReturnType<typeof fakeServer>;
let agent: AgentSession;
let visitor: VisitorSession;

async function conversation(): Promise<{ root: HTMLElement; cid: string }> {
  const cid = await acceptChat(agent, visitor, { queueId: queue.id, prechat: { name: 'Ada' } });
  const root = mount(
    <HelplineProvider agent={agent}>
      <ChatPanel id={cid} />
    </HelplineProvider>,
  ).container;
  await waitForUi(() => root.querySelector('.helpline-attach') !== null, 'the attach button');
  return { root, cid };
}

const file = (name: string, bytes: Uint8Array | string, type: string) =>
  new File([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], name, { type });

/** A DataTransfer carrying `files`, as a drop or a paste gives them. */
function transfer(files: readonly File[]): DataTransfer {
  const data = new DataTransfer();
  for (const each of files) data.items.add(each);
  return data;
}

const nativeClick = HTMLInputElement.prototype.click;

/** Clicks "Attach files" and picks `files` in the file picker it opens (the picker itself is the browser's). */
async function pick(root: HTMLElement, files: readonly File[]): Promise<void> {
  let opened = false;
  HTMLInputElement.prototype.click = function (this: HTMLInputElement) {
    if (this.type !== 'file') return nativeClick.call(this);
    opened = true;
    this.files = transfer(files).files;
    this.dispatchEvent(new Event('change', { bubbles: true }));
  };
  await click(byText(root, 'button', 'Attach files'));
  assert.isTrue(opened, 'the file picker opened');
}

const sentFiles = (cid: string) =>
  (agent.$conversations.get()[cid]?.messages ?? []).flatMap((message) => message.attachments ?? []);

describe('attachments in the console', () => {
  before(adoptStyles);

  beforeEach(async () => {
    globalThis.__xss = undefined;
    server = fakeServer();
    hub = createHub({
      queues: [queue],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      attachments: server.claims,
    });
    const transport = createMemoryTransport({ hub });
    agent = createAgentSession({
      transport,
      token: 'dev:agent:alice:Alice',
      voice: false,
      attachments: {
        baseUrl: 'https://help.example',
        fetch: server.fetch,
        chunkBytes: 4,
        sleep: async () => {},
      },
    });
    visitor = createVisitorSession({ transport, token: 'dev:visitor:v1:Ada' });
    await act(async () => {
      await agent.setPresence('available');
    });
  });

  afterEach(() => {
    HTMLInputElement.prototype.click = nativeClick;
    cleanup();
    agent.close();
    visitor.close();
    hub.close();
    assert.isUndefined(globalThis.__xss, 'no injected script ran');
  });

  it('picks a file, shows its progress with a cancel button, and sends it with the next message', async () => {
    const { root, cid } = await conversation();
    server.hold();
    await pick(root, [file('label.png', PNG, 'image/png')]);
    await waitForUi(() => root.querySelector('.helpline-upload progress') !== null, 'the progress bar');
    const progress = root.querySelector<HTMLProgressElement>('.helpline-upload progress');
    assert.strictEqual(progress?.getAttribute('aria-label'), 'Uploading label.png');
    assert.strictEqual(progress?.max, PNG.length);
    assert.isNotNull(root.querySelector('[aria-label="Cancel the upload of label.png"]'));
    await assertAccessible(root);
    server.open();
    await waitForUi(() => root.querySelector('[data-status="ready"]') !== null, 'the file uploaded');
    assert.include(
      root.querySelector('.helpline-uploads [role="status"]')?.textContent,
      'label.png is attached.',
    );

    await typeText(root.querySelector('textarea'), 'Your label');
    await click(byText(root, 'button', 'Send'));
    await waitForUi(() => sentFiles(cid).length === 1, 'the message with its file');
    assert.deepEqual(sentFiles(cid)[0], { id: 'a0', name: 'label.png', type: 'image/png', size: PNG.length });
    assert.isNull(root.querySelector('.helpline-uploads'), 'the composer is empty again');
    // In the log: the name as text with its size, a download button, and a preview through a blob: URL.
    await waitForUi(() => root.querySelector('.helpline-file__preview') !== null, 'the preview');
    const item = root.querySelector('.helpline-files .helpline-file');
    assert.strictEqual(item?.querySelector('.helpline-file__name')?.textContent, 'label.png');
    assert.match(item?.querySelector('.helpline-file__size')?.textContent ?? '', /16\sbyte|16\sB/);
    assert.match(item?.querySelector('img')?.getAttribute('src') ?? '', /^blob:/);
    assert.strictEqual(item?.querySelector('img')?.getAttribute('alt'), '');
    assert.isNotNull(item?.querySelector('button[aria-label="Download label.png"]'));
    assert.include(server.requests, 'GET /v1/attachments/a0', 'the preview is fetched with the token');
    await assertAccessible(root);
  });

  it('goes on after a dropped connection from where the server stopped, and sends the whole file', async () => {
    const { root, cid } = await conversation();
    server.cut(2);
    const text = 'twelve bytes';
    await pick(root, [file('notes.txt', text, 'text/plain')]);
    await waitForUi(() => root.querySelector('[data-status="ready"]') !== null, 'the file uploaded');
    assert.isAtLeast(
      server.requests.filter((request) => request.endsWith('/upload')).length,
      1,
      'asked the server how much it kept',
    );
    const stored = new Blob(server.stored.get('a0')?.bytes as BlobPart[]);
    assert.strictEqual(await stored.text(), text, 'each byte once, in order');
    await click(byText(root, 'button', 'Send'));
    await waitForUi(() => sentFiles(cid).length === 1, 'sent');
  });

  it('cancels an upload in progress', async () => {
    const { root } = await conversation();
    server.hold();
    await pick(root, [file('slow.txt', 'hello world', 'text/plain')]);
    await waitForUi(() => root.querySelector('.helpline-upload progress') !== null, 'the progress bar');
    await click(root.querySelector('[aria-label="Cancel the upload of slow.txt"]'));
    assert.isNull(root.querySelector('.helpline-uploads'));
    server.open();
    await settle();
    assert.isNull(root.querySelector('.helpline-uploads'), 'nothing comes back after the cancel');
  });

  it('takes files dropped on the conversation and pasted into it; pasted text stays text', async () => {
    const { root, cid } = await conversation();
    const section = root.querySelector('section') as HTMLElement;
    const dragOver = new DragEvent('dragover', {
      bubbles: true,
      cancelable: true,
      dataTransfer: transfer([file('a.txt', 'a', 'text/plain')]),
    });
    await act(async () => section.dispatchEvent(dragOver));
    assert.isTrue(dragOver.defaultPrevented, 'the conversation is a drop target');
    await act(async () =>
      section.dispatchEvent(
        new DragEvent('drop', {
          bubbles: true,
          cancelable: true,
          dataTransfer: transfer([file('dropped.txt', 'dropped', 'text/plain')]),
        }),
      ),
    );
    const textarea = root.querySelector('textarea') as HTMLTextAreaElement;
    const paste = (data: DataTransfer) => {
      const event = new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: data });
      textarea.dispatchEvent(event);
      return event;
    };
    let pastedFile: ClipboardEvent | undefined;
    await act(async () => {
      pastedFile = paste(transfer([file('screenshot.png', PNG, 'image/png')]));
    });
    assert.isTrue(pastedFile?.defaultPrevented);
    const text = new DataTransfer();
    text.setData('text/plain', 'just text');
    let pastedText: ClipboardEvent | undefined;
    await act(async () => {
      pastedText = paste(text);
    });
    assert.isFalse(pastedText?.defaultPrevented, 'a text paste is the browser’s');
    await waitForUi(() => root.querySelectorAll('[data-status="ready"]').length === 2, 'both files uploaded');
    await click(byText(root, 'button', 'Send'));
    await waitForUi(() => sentFiles(cid).length === 2, 'a message with both files, no text needed');
    assert.deepEqual(
      sentFiles(cid).map((ref) => ref.name),
      ['dropped.txt', 'screenshot.png'],
    );
  });

  it('refuses a file before a byte is sent, with a typed reason announced, and stays accessible', async () => {
    const { root } = await conversation();
    await pick(root, [
      file('big.png', new Uint8Array(100).fill(1), 'image/png'),
      file('tool.exe', new Uint8Array([0x4d, 0x5a, 0x90, 0]), 'application/x-msdownload'),
      file('fake.png', '<html><script>alert(1)</script>', 'image/png'),
      file('empty.txt', '', 'text/plain'),
    ]);
    await waitForUi(() => root.querySelectorAll('[data-status="refused"]').length === 4, 'four refusals');
    const alerts = [...root.querySelectorAll('.helpline-uploads [role="alert"]')].map((a) => a.textContent);
    assert.deepEqual(alerts, [
      'big.png is too large (100 byte); the limit is 64 byte.',
      'tool.exe: files of this type cannot be sent here.',
      'fake.png: files of this type cannot be sent here.',
      'empty.txt is empty.',
    ]);
    assert.isFalse(
      server.requests.some((request) => request.startsWith('POST') || request.startsWith('PUT')),
      'nothing was uploaded',
    );
    await assertAccessible(root);
    await click(byText(root, 'button', 'Dismiss'));
    assert.lengthOf(root.querySelectorAll('[data-status="refused"]'), 3);
  });

  it('shows XSS payloads of the corpus as file names, as text, in the composer and in the log', async () => {
    const { root, cid } = await conversation();
    const names = (payloads as string[]).slice(0, 10).map((payload, index) => `${payload}-${index}.txt`);
    for (const batch of [names.slice(0, 5), names.slice(5)]) {
      server.hold();
      await pick(
        root,
        batch.map((name) => file(name, 'x', 'text/plain')),
      );
      await waitForUi(() => root.querySelectorAll('.helpline-upload__name').length === 5, 'the uploads');
      assert.isNull(
        root.querySelector('.helpline-uploads script, .helpline-uploads [onerror], .helpline-uploads img'),
      );
      server.open();
      await waitForUi(
        () => root.querySelectorAll('[data-status="ready"]').length === 5,
        'the files uploaded',
      );
      await click(byText(root, 'button', 'Send'));
      await waitForUi(() => root.querySelector('.helpline-uploads') === null, 'sent');
    }
    await waitForUi(() => sentFiles(cid).length === 10, 'all sent');
    const shown = [...root.querySelectorAll('.helpline-file__name')].map((n) => n.textContent);
    assert.deepEqual(
      shown,
      sentFiles(cid).map((ref) => ref.name),
      'each name shown exactly, as text',
    );
    assert.isNull(
      root.querySelector('.helpline-files script, .helpline-files iframe, .helpline-files [onerror]'),
    );
    assert.isNull(root.querySelector('.helpline-files img'), 'no preview for what is not a raster image');
  });

  it('renders the whole XSS corpus as file names in the log and in the composer as text', async () => {
    const corpus = payloads as string[];
    const refs = corpus.map((name, index) => ({
      id: `x${index}`,
      name,
      type: index % 2 === 0 ? 'image/png' : 'text/plain',
      size: index + 1,
    }));
    const composer: ComposerFiles = {
      policy: POLICY,
      enabled: true,
      files: corpus.map((name, index) => ({
        key: index,
        name,
        size: 1,
        stored: 0,
        status: index % 3 === 0 ? 'uploading' : index % 3 === 1 ? 'ready' : 'refused',
        error: `${name} is empty.`,
      })),
      ready: [],
      add: () => undefined,
      remove: () => undefined,
      sent: () => undefined,
      getDropProps: () => ({ onDragOver() {}, onDrop() {}, onPaste() {} }),
    };
    const root = mount(
      <HelplineProvider agent={agent}>
        <MessageFiles files={refs} />
        <ComposerFileList files={composer} />
      </HelplineProvider>,
    ).container;
    await settle();
    const names = [...root.querySelectorAll('.helpline-file__name')].map((n) => n.textContent);
    assert.deepEqual(names, corpus, 'every name exactly, as text');
    const composed = [...root.querySelectorAll('.helpline-upload__name')].map((n) => n.textContent);
    assert.deepEqual(
      composed,
      corpus.filter((_, index) => index % 3 !== 2),
    );
    for (const element of root.querySelectorAll('*')) {
      assert.notInclude(
        ['script', 'iframe', 'object', 'embed', 'svg', 'a'],
        element.localName,
        'no markup of a name',
      );
      for (const attribute of element.attributes) assert.notMatch(attribute.name, /^on/i);
    }
    assert.isNull(root.querySelector('img'), 'previews only of what the server served as an image');
  });
});
