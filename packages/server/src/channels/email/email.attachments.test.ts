// Files of mail on the real Dovecot and Postfix of scripts/ensure-mail.mjs: a customer's attachments are kept in the
// attachment store (allow-list by content, scanner) and named in the message, bound to it once it is stored; a
// refused file is a note in the text and the mail still goes in; an agent's files go out as MIME attachments.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ATTACHMENT_POLICY } from '@helpline/core';
import type { OutboundMessage } from '@helpline/core/hub';
import { simpleParser } from 'mailparser';
import { createAttachmentStore, createMemoryBytes } from '../../attachments';
import { PNG } from '../../attachments/attachments.testing';
import type { AttachmentStore } from '../../attachments/attachments.types';
import { migrate } from '../../storage/migrations';
import { openPglite, type SqlClient } from '../../storage/sql.client';
import { createEmailChannel, type EmailChannel } from './email.channel';
import { createMemoryEmailStore } from './email.store';
import {
  createConditionWaiter,
  createRecordingIntake,
  type RecordedConversation,
  sendAsCustomer,
  testEmailConfig,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from './email.testing';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;
/** A Windows program's first bytes: no allow-list takes it, whatever its name says. */
const EXE = Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0]);

describe('email attachments on real mail servers', { skip }, () => {
  if ('skip' in servers) return;
  const env = { HELPLINE_TEST_MAIL_PASSWORD: servers.password };
  let db: SqlClient;
  let store: AttachmentStore;
  const scanned: string[] = [];
  const channels: EmailChannel[] = [];

  before(async () => {
    db = await openPglite('memory://');
    await migrate(db);
    store = createAttachmentStore({
      db,
      bytes: createMemoryBytes(),
      // The scanner hook sees every file a mail brings, and refuses one by its name.
      scan: async (file) => {
        scanned.push(file.name);
        return file.name === 'eicar.txt' ? { reject: 'Eicar-Test-Signature' } : undefined;
      },
    });
  });
  after(async () => {
    await Promise.all(channels.map((channel) => channel.stop()));
    await store.close();
    await db.close();
  });

  it("keeps a customer's files with the message and notes the refused ones; the reply carries the agent's file", async () => {
    const support = uniqueAddress(servers, 'support');
    const customer = uniqueAddress(servers, 'customer');
    const intake = createRecordingIntake();
    const { changed, until } = createConditionWaiter();
    const channel = createEmailChannel({
      config: testEmailConfig(servers, support),
      store: createMemoryEmailStore(),
      intake,
      env,
      attachments: { store, policy: DEFAULT_ATTACHMENT_POLICY },
      onStatus: changed,
    });
    channels.push(channel);
    await channel.start();

    const messageId = await sendAsCustomer(servers, {
      from: { name: 'Carla Customer', address: customer },
      to: support,
      subject: 'Broken parcel',
      text: 'Photos attached.',
      attachments: [
        { filename: 'parcel.png', content: PNG, contentType: 'image/png' },
        { filename: 'invoice.pdf.exe', content: EXE, contentType: 'application/pdf' },
        { filename: 'eicar.txt', content: 'X5O!P%@AP', contentType: 'text/plain' },
        { filename: '<img src=x onerror=alert(1)>.png', content: PNG, contentType: 'image/png' },
      ],
    });
    // Taken in once the mailbox counts it: the files are bound to the message by then.
    await until(() => channel.statuses()[0]?.received === 1, 'the mail taken in');
    const conversation = [...intake.conversations.values()][0] as RecordedConversation;
    const [message] = conversation.messages;
    assert.equal(message?.externalId, messageId);
    const files = message?.attachments ?? [];
    assert.deepEqual(
      files.map((file) => [file.name, file.type, file.size]),
      [
        ['parcel.png', 'image/png', PNG.length],
        ['<img src=x onerror=alert(1)>.png', 'image/png', PNG.length],
      ],
      'kept by their content, the name kept as text',
    );
    assert.match(
      message?.text ?? '',
      /^Photos attached\.\n\n\[Attachment not accepted: invoice\.pdf\.exe — /m,
    );
    assert.match(message?.text ?? '', /\[Attachment not accepted: eicar\.txt — .*Eicar-Test-Signature/);
    assert.ok(scanned.includes('eicar.txt') && scanned.includes('parcel.png'), 'the scanner saw them');
    // Bound to the message: those who may read it may download them.
    for (const file of files) {
      const record = await store.get(file.id);
      assert.equal(record?.cid, conversation.cid);
      assert.equal(record?.clientMsgId, `email:${messageId}`);
    }

    const reply: OutboundMessage = {
      channel: 'email',
      cid: conversation.cid,
      seq: 2,
      messageId: 'm2',
      threadKey: conversation.threadKey,
      from: support,
      to: { address: customer },
      subject: 'Broken parcel',
      text: 'Here is the return label.',
      attachments: [files[0] as NonNullable<(typeof files)[0]>],
      agent: { id: 'a1', displayName: 'Agent Ann' },
      references: [...conversation.externalIds],
    };
    await channel.outbound.send(reply);
    const [delivered] = await waitForInbox(servers, customer, (list) => list.length === 1);
    const received = await simpleParser(delivered?.source ?? Buffer.alloc(0));
    assert.equal(received.text?.trim(), 'Here is the return label.');
    assert.equal(received.html, false, 'still no HTML part');
    assert.equal(received.attachments.length, 1);
    assert.equal(received.attachments[0]?.filename, 'parcel.png');
    assert.equal(received.attachments[0]?.contentType, 'image/png');
    assert.equal(received.attachments[0]?.contentDisposition, 'attachment');
    assert.deepEqual(received.attachments[0]?.content, PNG);
  });
});
