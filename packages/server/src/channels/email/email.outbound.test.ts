// Sending replies: a 4xx or an absent server is tried again with the same Message-ID, a 5xx is final, and either
// failure is recorded on the message (a later bounce or receipt finds it). Against an SMTP server of the test's own.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import * as v from 'valibot';
import { emailConfigSchema, resolveMailboxes } from './email.config';
import { createEmailSender, type EmailOutboundMessage, EmailSendError } from './email.outbound';
import { createMemoryEmailStore } from './email.store';

/** An SMTP server that answers each DATA with the next of `answers` (a code, or 250 once they run out). */
async function smtpServer(answers: number[]) {
  const received: Buffer[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const code = answers.shift();
        if (code) return callback(Object.assign(new Error(`refused with ${code}`), { responseCode: code }));
        received.push(Buffer.concat(chunks));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function senderFor(port: number) {
  const config = v.parse(emailConfigSchema, {
    mailboxes: [
      {
        id: 'support',
        address: 'support@shop.example',
        name: 'Shop',
        queueId: 'support',
        smtp: { host: '127.0.0.1', port, allowPlaintext: true },
      },
    ],
  });
  const store = createMemoryEmailStore();
  const sender = createEmailSender(resolveMailboxes(config, {}), store, {
    attempts: 3,
    initialMs: 1,
    maxMs: 2,
  });
  return { sender, store };
}

const reply: EmailOutboundMessage = {
  threadKey: '<root@example.com>',
  from: 'support@shop.example',
  to: { address: 'ann@example.com', name: 'Ann' },
  subject: 'Order',
  text: 'On its way.',
  agent: { displayName: 'Alice' },
  references: ['<root@example.com>', '<second@example.com>', 'not-an-id'],
};

describe('sending replies', () => {
  const closers: Array<() => unknown> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('try a 4xx again with the same Message-ID, and send plain text with the threading headers', async () => {
    const server = await smtpServer([451, 421]);
    closers.push(server.close);
    const { sender, store } = senderFor(server.port);
    closers.push(() => sender.close());
    const { externalId } = await sender.send(reply);
    assert.equal(server.received.length, 1);
    const mail = await simpleParser(server.received[0] ?? Buffer.alloc(0));
    assert.equal(mail.messageId, externalId);
    assert.equal(mail.inReplyTo, '<second@example.com>');
    assert.deepEqual(mail.references, ['<root@example.com>', '<second@example.com>']);
    assert.equal(mail.subject, 'Re: Order');
    assert.equal(mail.html, false);
    assert.equal(mail.from?.text, '"Alice · Shop" <support@shop.example>');
    assert.equal((await store.message(externalId))?.status, 'sent');
  });

  it('fail at once on a 5xx (final), and after the last try when the server is away (retryable)', async () => {
    const server = await smtpServer([550]);
    closers.push(server.close);
    const refused = senderFor(server.port);
    closers.push(() => refused.sender.close());
    await assert.rejects(
      refused.sender.send(reply),
      (error: unknown) => error instanceof EmailSendError && !error.retryable,
    );
    assert.equal(server.received.length, 0);
    await server.close();
    const away = senderFor(server.port);
    closers.push(() => away.sender.close());
    await assert.rejects(
      away.sender.send(reply),
      (error: unknown) => error instanceof EmailSendError && error.retryable,
    );
  });
});
