import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ATTACHMENT_POLICY } from '@helpline/core';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, postgresTarget, testPostgresUrl } from '../testing/databases';
import { createFileBytes, createSqlBytes } from './attachments.bytes';
import { createS3Bytes, loadS3Sdk } from './attachments.s3.client';
import { startS3rver } from './attachments.s3.testing';
import { createAttachmentStore } from './attachments.store';
import { PNG } from './attachments.testing';
import type { AttachmentBytes } from './attachments.types';

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

/** A PNG of `size` bytes whose content is not all zeros. */
function image(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  PNG.copy(bytes);
  for (let i = PNG.length; i < size; i++) bytes[i] = (i * 13) % 251;
  return bytes;
}

async function* pieces(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function gather(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const piece of source) all.push(piece);
  return Buffer.concat(all);
}

/** The same behaviour from every bytes port: chunked writes, a resumed write, reads of ranges, the scanner, prune. */
function storeSuite(name: string, open: () => Promise<{ storage: SqlStorage; bytes: AttachmentBytes }>) {
  it(`${name}: stores in pieces, resumes, reads ranges, scans and prunes`, async () => {
    const { storage, bytes } = await open();
    const scanned: string[] = [];
    const store = createAttachmentStore({
      db: storage.sql,
      bytes,
      scan: async (file) => {
        scanned.push(file.sha256);
        return file.name.includes('eicar') ? { reject: 'EICAR test signature' } : undefined;
      },
    });
    const content = image(700 * 1024);
    const record = await store.create({
      cid: 'c1',
      uploaderId: 'v1',
      site: 'shop',
      name: 'a.png',
      type: 'image/png',
      size: content.length,
    });
    assert.equal(
      await store.write(record.id, 0, pieces(content.subarray(0, 300 * 1024), 64 * 1024)),
      300 * 1024,
    );
    await assert.rejects(store.write(record.id, 0, pieces(content, 1024)), { code: 'attachment/offset' });
    assert.equal(
      await store.write(record.id, 300 * 1024, pieces(content.subarray(300 * 1024), 100_000)),
      content.length,
    );
    const ref = await store.complete(record.id, DEFAULT_ATTACHMENT_POLICY);
    assert.equal(ref.sha256, createHash('sha256').update(content).digest('hex'));
    assert.deepEqual(scanned, [ref.sha256]);
    const stored = await store.get(record.id);
    assert.ok(stored);
    assert.deepEqual(await gather(store.read(stored)), content);
    assert.deepEqual(await gather(store.read(stored, 262_000, 300_000)), content.subarray(262_000, 300_000));

    // The scanner refuses: the file is gone.
    await assert.rejects(store.put(PNG, { name: 'eicar.png', type: 'image/png', origin: 'email:x@y' }), {
      code: 'attachment/rejected',
      message: 'eicar.png was refused by the file check (EICAR test signature).',
    });
    // An adapter's file, adopted by its conversation and message, then claimed by nobody else.
    const kept = await store.put(PNG, { name: 'photo.png', type: '', origin: 'whatsapp:m1' });
    await store.adopt(kept.id, { cid: 'c2', clientMsgId: 'k1' });
    assert.equal((await store.get(kept.id))?.cid, 'c2');
    // Uploads never sent are pruned; the sent one stays.
    assert.equal(await store.prune(Date.now() + 1), 1);
    assert.equal(await store.get(record.id), undefined);
    assert.ok(await store.get(kept.id));
    await store.close();
  });
}

describe('the attachment store', async () => {
  storeSuite('files under the PGlite data directory', async () => {
    const dir = await freshPgliteDir();
    const storage = await openStorage({ kind: 'pglite', dataDir: dir });
    closing.push(() => storage.close());
    return { storage, bytes: createFileBytes(join(dir, 'attachments')) };
  });

  storeSuite('bytea rows on PGlite', async () => {
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    closing.push(() => storage.close());
    return { storage, bytes: createSqlBytes(storage.sql) };
  });

  storeSuite('objects in an S3-compatible bucket (s3rver)', async () => {
    const s3 = await startS3rver();
    const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
    closing.push(async () => {
      await storage.close();
      await s3.close();
    });
    return { storage, bytes: createS3Bytes(s3.options, await loadS3Sdk()) };
  });

  const available = await testPostgresUrl();
  if ('skip' in available) {
    it('bytea rows on PostgreSQL', { skip: available.skip }, () => {});
  } else {
    storeSuite('bytea rows on PostgreSQL', async () => {
      const target = postgresTarget(available.url);
      const storage = await openStorage(target);
      closing.push(async () => {
        await storage.close();
        await target.drop();
      });
      return { storage, bytes: createSqlBytes(storage.sql) };
    });
  }

  it('files: bytes a crash left past the record are cut off before the next piece', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helpline-attachments-'));
    const bytes = createFileBytes(dir);
    await bytes.append('att_1', 0, Buffer.from('hello '));
    // A piece written, its record never updated: the file is longer than the record says.
    await bytes.append('att_1', 6, Buffer.from('wor'));
    await bytes.append('att_1', 6, Buffer.from('world'));
    assert.equal((await gather(bytes.read('att_1', 0, 11))).toString(), 'hello world');
    await truncate(join(dir, '_1', 'att_1'), 3);
    await bytes.append('att_1', 3, Buffer.from('p!'));
    assert.equal((await gather(bytes.read('att_1', 0, 5))).toString(), 'help!');
    await assert.rejects(bytes.append('../x', 0, Buffer.from('x')), TypeError);
  });
});
