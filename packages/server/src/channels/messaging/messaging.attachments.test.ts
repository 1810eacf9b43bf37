// Inbound media into the server's own attachments store (its allow-list sniffs the content), through the bridge the
// handler uses; outbound media is refused on a server that gives Vonage no link (no `messaging.publicUrl`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isHelplineError } from '@helpline/core';
import { createAttachmentStore, createMemoryBytes } from '../../attachments';
import { silentLogger } from '../../log/logger';
import { migrate } from '../../storage/migrations';
import { openPglite, type SqlClient } from '../../storage/sql.client';
import { createMessagingAdapter } from './messaging.adapter';
import type { MessagingConfig } from './messaging.config';
import { createFakeMessages, createRecordingIntake } from './messaging.fake';
import { attachmentsForMessaging } from './messaging.media';
import { createSqlMessagingStore } from './messaging.store';

const WA = '+14155550101';
const CONFIG = {
  applicationId: '7a3e8b36-2b8e-4d8f-9b7e-1c2d3e4f5a6b',
  privateKeyEnv: 'VONAGE_PRIVATE_KEY',
  signatureSecretEnv: 'VONAGE_SIGNATURE_SECRET',
  apiHost: 'https://api.nexmo.com',
  webhookMaxAgeSeconds: 300,
  smsMaxSegments: 6,
  mediaMaxBytes: 1_000_000,
  senders: [{ channel: 'whatsapp', id: WA, queueId: 'support', templates: [] }],
} satisfies MessagingConfig;

const JPEG = new Uint8Array([
  0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
]);
const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]);

let db: SqlClient;
before(async () => {
  db = await openPglite('memory://');
  await migrate(db);
});
after(() => db.close());

describe('messaging media in the attachments store', () => {
  it('keeps an inbound photo (checked by content) and refuses a program, keeping the text', async () => {
    const store = createAttachmentStore({ db, bytes: createMemoryBytes() });
    const hub = createRecordingIntake();
    const adapter = createMessagingAdapter({
      config: CONFIG,
      api: createFakeMessages(),
      store: createSqlMessagingStore(db),
      attachments: attachmentsForMessaging(store),
      fetchMedia: async (url) => ({ bytes: url.endsWith('.jpg') ? JPEG : EXE, type: 'image/jpeg' }),
      now: Date.now,
      log: silentLogger,
    });
    adapter.connect(hub.intake);
    const inbound = (uuid: string, url: string) =>
      adapter.inbound({
        channel: 'whatsapp',
        message_uuid: uuid,
        to: WA.slice(1),
        from: '447700900001',
        timestamp: new Date().toISOString(),
        message_type: 'image',
        image: { url, caption: 'The parcel' },
      });
    await inbound('aaaaaaaa-0000-4000-8000-0000000000a1', 'https://api-eu.nexmo.com/v3/media/photo.jpg');
    await inbound('aaaaaaaa-0000-4000-8000-0000000000a2', 'https://api-eu.nexmo.com/v3/media/disguised');
    assert.equal(hub.received[0]?.text, 'The parcel');
    assert.equal(hub.received[0]?.attachments?.[0]?.name, 'image-aaaaaaaa.jpg');
    assert.match(
      hub.received[1]?.text ?? '',
      /^The parcel\n\[Attachment not accepted: image-aaaaaaaa\.jpg — .*image\/jpeg.*\]$/,
      'a program named a photo is not kept, and the conversation says so',
    );
    const [bound] = await db.query<{ cid: string; client_msg_id: string }>(
      'SELECT cid, client_msg_id FROM attachments',
    );
    assert.deepEqual(bound, { cid: 'c1', client_msg_id: 'whatsapp:aaaaaaaa-0000-4000-8000-0000000000a1' });
    const rows = await db.query<{ name: string; type: string }>('SELECT name, type FROM attachments');
    assert.deepEqual(rows, [{ name: 'image-aaaaaaaa.jpg', type: 'image/jpeg' }]);

    const refusal = await adapter
      .send({
        id: 'm1',
        channel: 'whatsapp',
        from: WA,
        to: '+447700900001',
        content: { kind: 'image', attachmentId: 'x' },
      })
      .catch((error: unknown) => error);
    assert.ok(isHelplineError(refusal) && refusal.code === 'messaging/unsupported');
  });
});
