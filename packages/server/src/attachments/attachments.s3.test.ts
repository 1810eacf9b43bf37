import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { type AttachmentRef, DEFAULT_ATTACHMENT_POLICY } from '@helpline/core';
import type { HelplineServer } from '../server';
import { openStorage } from '../storage/sql.storage';
import { freshPgliteDir } from '../testing/databases';
import { activeChat, http, staffToken, startTestServer, type TestClient } from '../testing/harness';
import { startFaultProxy } from '../testing/proxy';
import { openS3Bytes, S3BytesError, s3BytesOptionsFromEnv } from './attachments.s3';
import { createS3Bytes, loadS3Sdk } from './attachments.s3.client';
import { startS3rver, type TestS3 } from './attachments.s3.testing';
import { createAttachmentStore } from './attachments.store';
import {
  assertServedSafely,
  createUpload,
  PNG,
  resumeUpload,
  startPartialPut,
  uploadWhole,
} from './attachments.testing';

// The S3-compatible store against a real S3 server (s3rver, which checks AWS signature v4). The behaviour every
// store shares runs in attachments.store.test.ts; here what only this one has: its startup check, its errors,
// multipart uploads and its object layout.

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

let running: Promise<TestS3> | undefined;
/** One s3rver for the tests of this file. */
function s3(): Promise<TestS3> {
  running ??= startS3rver().then((server) => {
    closing.push(() => server.close());
    return server;
  });
  return running;
}

async function gather(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const piece of source) all.push(piece);
  return Buffer.concat(all);
}

/** `size` bytes that are not all alike, starting as a PNG. */
function image(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  PNG.copy(bytes);
  for (let i = PNG.length; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) % 253;
  return bytes;
}

describe('attachment bytes in an S3-compatible bucket', () => {
  it('opens when the bucket answers, and refuses to open with wrong credentials or no bucket (typed errors)', async () => {
    const server = await s3();
    const bytes = await openS3Bytes(server.options);
    await bytes.close();

    // s3rver knows one access key and checks that a request is signed with it (it does not recompute v4
    // signatures, so a wrong secret with the right key id passes there; S3, MinIO and R2 refuse both).
    const wrongKey = openS3Bytes({
      ...server.options,
      credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: 'not-the-secret' },
    });
    await assert.rejects(wrongKey, (error: unknown) => {
      assert.ok(error instanceof S3BytesError);
      assert.equal(error.problem, 'credentials');
      assert.match(error.message, /refused the credentials for bucket "helpline-test"/);
      assert.doesNotMatch(error.message, /not-the-secret/);
      return true;
    });
    await assert.rejects(
      openS3Bytes({ ...server.options, bucket: 'no-such-bucket' }),
      (error: unknown) =>
        error instanceof S3BytesError &&
        error.problem === 'bucket-missing' &&
        /the S3 bucket "no-such-bucket" does not exist/.test(error.message),
    );
    // Nothing listens there: told apart from a refusal.
    await assert.rejects(
      openS3Bytes({ ...server.options, endpoint: 'http://127.0.0.1:9' }),
      (error: unknown) => error instanceof S3BytesError && error.problem === 'unreachable',
    );
  });

  it('says to install the SDK when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package '@aws-sdk/client-s3'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await assert.rejects(
      loadS3Sdk(() => Promise.reject(missing)),
      (error: unknown) =>
        error instanceof S3BytesError &&
        error.problem === 'sdk-missing' &&
        error.message.startsWith('install @aws-sdk/client-s3 to use the S3 attachment store') &&
        error.cause === missing,
    );
    // Any other failure of the import is not hidden behind that advice.
    const broken = new SyntaxError('broken');
    await assert.rejects(
      loadS3Sdk(() => Promise.reject(broken)),
      (error: unknown) => error === broken,
    );
  });

  it('round-trips a 12 MB file byte for byte through a multipart upload, and reads any range', async () => {
    const server = await s3();
    const bytes = createS3Bytes({ ...server.options, partBytes: 5 * 1024 * 1024 }, await loadS3Sdk());
    closing.push(() => bytes.close());
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    closing.push(() => storage.close());
    const store = createAttachmentStore({ db: storage.sql, bytes });
    const content = image(12 * 1000 * 1000);
    const policy = { ...DEFAULT_ATTACHMENT_POLICY, maxBytes: 20 * 1024 * 1024 };
    // A channel adapter's whole file: one append of 12 MB, above two parts, so a multipart upload of two parts.
    const kept = await store.put(content, {
      name: 'scan.png',
      type: 'image/png',
      origin: 'email:m1',
      policy,
    });
    assert.equal(kept.sha256, createHash('sha256').update(content).digest('hex'));
    const record = await store.get(kept.id);
    assert.ok(record);
    assert.ok((await gather(store.read(record))).equals(content));
    const middle = [5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10] as const;
    assert.ok((await gather(store.read(record, ...middle))).equals(content.subarray(...middle)));

    // An upload in request-sized writes: the store gathers up to a part before each object.
    const upload = await store.create({
      cid: 'c1',
      uploaderId: 'v1',
      site: 'shop',
      name: 'big.png',
      type: 'image/png',
      size: content.length,
    });
    const half = 6 * 1000 * 1000;
    async function* chunks(from: number, to: number) {
      for (let at = from; at < to; at += 1024 * 1024)
        yield content.subarray(at, Math.min(to, at + 1024 * 1024));
    }
    assert.equal(await store.write(upload.id, 0, chunks(0, half)), half);
    assert.equal(await store.write(upload.id, half, chunks(half, content.length)), content.length);
    const ref = await store.complete(upload.id, policy);
    assert.equal(ref.sha256, kept.sha256);
    const uploaded = await store.get(upload.id);
    assert.ok(uploaded);
    assert.ok((await gather(store.read(uploaded))).equals(content));
    await store.close();
  });

  it('replaces a piece a crash left at the record end, and removes every piece', async () => {
    const server = await s3();
    const bytes = createS3Bytes({ ...server.options, prefix: 'crash/' }, await loadS3Sdk());
    closing.push(() => bytes.close());
    await bytes.append('att_1', 0, Buffer.from('hello '));
    // A piece stored, its record never moved: the record still says 6, and the next piece goes there.
    await bytes.append('att_1', 6, Buffer.from('wor-left-over'));
    await bytes.append('att_1', 6, Buffer.from('world'));
    assert.equal((await gather(bytes.read('att_1', 0, 11))).toString(), 'hello world');
    assert.equal((await gather(bytes.read('att_1', 3, 8))).toString(), 'lo wo');
    await bytes.remove('att_1');
    // Gone: a read says the bytes are missing rather than serving a shorter file.
    await assert.rejects(gather(bytes.read('att_1', 0, 11)), {
      name: 'S3BytesError',
      problem: 'failed',
      message: 'attachments: bytes 0–11 of att_1 are missing from bucket "helpline-test"',
    });
    await bytes.remove('att_1'); // nothing there: no error
    await assert.rejects(bytes.append('../x', 0, Buffer.from('x')), TypeError);
  });

  it('reads its settings from HELPLINE_ATTACHMENTS_S3_* variables', () => {
    assert.equal(s3BytesOptionsFromEnv({}), undefined);
    assert.deepEqual(
      s3BytesOptionsFromEnv({
        HELPLINE_ATTACHMENTS_S3_BUCKET: 'files',
        HELPLINE_ATTACHMENTS_S3_ENDPOINT: 'http://127.0.0.1:9000',
        HELPLINE_ATTACHMENTS_S3_REGION: 'eu-west-1',
        HELPLINE_ATTACHMENTS_S3_PREFIX: 'helpline/',
        HELPLINE_ATTACHMENTS_S3_FORCE_PATH_STYLE: 'true',
        HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID: 'id',
        HELPLINE_ATTACHMENTS_S3_SECRET_ACCESS_KEY: 'secret',
      }),
      {
        bucket: 'files',
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-1',
        prefix: 'helpline/',
        forcePathStyle: true,
        credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
      },
    );
    assert.throws(
      () =>
        s3BytesOptionsFromEnv({
          HELPLINE_ATTACHMENTS_S3_BUCKET: 'b',
          HELPLINE_ATTACHMENTS_S3_ACCESS_KEY_ID: 'id',
        }),
      (error: unknown) => error instanceof S3BytesError && error.problem === 'credentials',
    );
    assert.throws(
      () =>
        s3BytesOptionsFromEnv({
          HELPLINE_ATTACHMENTS_S3_BUCKET: 'b',
          HELPLINE_ATTACHMENTS_S3_FORCE_PATH_STYLE: 'yes',
        }),
      TypeError,
    );
  });
});

describe('attachments over HTTP with their bytes in S3', () => {
  const servers: HelplineServer[] = [];
  const clients: TestClient[] = [];
  after(async () => {
    for (const client of clients) client.terminate();
    for (const server of servers) await server.close();
  });

  async function chat() {
    const bytes = createS3Bytes({ ...(await s3()).options, partBytes: 5 * 1024 * 1024 }, await loadS3Sdk());
    const server = await startTestServer({ attachments: { bytes } });
    servers.push(server);
    const placed = await activeChat(server);
    clients.push(placed.visitor, placed.agent);
    return { server, ...placed, agentToken: await staffToken('alice') };
  }

  it('uploads through the route into the bucket and serves the file back with the safe headers', async () => {
    const { server, visitor, cid, visitorToken: token, agentToken } = await chat();
    const done = await uploadWhole(server, token, cid, {
      name: 'photo "1".png',
      type: 'image/png',
      bytes: PNG,
    });
    assert.equal(done.status, 200, done.text);
    const ref = done.body as AttachmentRef;
    await visitor.ok('message.send', {
      cid,
      clientMsgId: '01900000-0000-7000-8000-000000000001',
      text: '',
      attachments: [ref],
    });
    const download = await fetch(`${server.url}/v1/attachments/${ref.id}`, {
      headers: { authorization: `Bearer ${agentToken}` },
    });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);
    assertServedSafely(download, {
      type: 'image/png',
      disposition: `attachment; filename="photo _1_.png"; filename*=UTF-8''photo%20%221%22.png`,
    });
  });

  it('an upload cut off mid-way keeps what reached the bucket and resumes from there', async () => {
    const { server, cid, visitorToken: token } = await chat();
    const proxy = await startFaultProxy(server.port);
    closing.push(() => proxy.close());
    const content = image(7 * 1024 * 1024);
    const created = await createUpload(server, token, cid, {
      name: 'big.png',
      type: 'image/png',
      size: content.length,
    });
    const id = (created.body as { id: string }).id;
    const offsetNow = async () =>
      ((await http(server, `/v1/attachments/${id}/upload`, { token })).body as { offset: number }).offset;
    // Past one part (5 MiB here), so a first object is stored while the request still runs; then the cut.
    const partial = await startPartialPut(proxy.port, token, id, content, 6 * 1024 * 1024);
    while ((await offsetNow()) === 0) await new Promise((resolve) => setImmediate(resolve));
    proxy.cut();
    partial.destroy();
    const offset = await offsetNow();
    assert.ok(offset > 0 && offset < content.length, `stored ${offset}`);
    await resumeUpload(server, token, id, content, offset);
    const done = await http(server, `/v1/attachments/${id}/complete`, { token, method: 'POST' });
    assert.equal(done.status, 200, done.text);
    assert.equal((done.body as AttachmentRef).sha256, createHash('sha256').update(content).digest('hex'));
  });
});
