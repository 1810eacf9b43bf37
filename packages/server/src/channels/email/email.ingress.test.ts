// The SMTP ingress for forwarded mail: what it takes, what it refuses, and that a mail it could not take in is
// answered 451 (the sending server keeps it and retries) rather than accepted and lost. Runs without mail servers:
// the ingress is our own SMTP server and nodemailer is the forwarding one.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import * as v from 'valibot';
import { createEmailChannel, type EmailChannel } from './email.channel';
import { emailConfigSchema } from './email.config';
import type { EmailIntake } from './email.intake';
import { createMemoryEmailStore } from './email.store';
import { createRecordingIntake } from './email.testing';

const parsed = v.parse(emailConfigSchema, {
  mailboxes: [
    {
      id: 'support',
      address: 'support@shop.example',
      queueId: 'support',
      smtp: { host: '127.0.0.1', port: 1, allowPlaintext: true },
    },
  ],
  ingress: { host: '127.0.0.1' },
});
// Port 0: any free one (the file must name a real port).
const config = { ...parsed, ingress: { host: '127.0.0.1', port: 0, maxMessageBytes: 1024 * 1024 } };

describe('the SMTP ingress', () => {
  const channels: EmailChannel[] = [];
  after(() => Promise.all(channels.map((channel) => channel.stop())));

  async function start(intake: EmailIntake) {
    const channel = createEmailChannel({ config, store: createMemoryEmailStore(), intake, env: {} });
    channels.push(channel);
    await channel.start();
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: channel.ingressPort ?? 0,
      secure: false,
      ignoreTLS: true,
    });
    return { channel, transport };
  }

  it('take forwarded mail for a mailbox in, and refuse other recipients', async () => {
    const intake = createRecordingIntake();
    const { transport } = await start(intake);
    const sent = await transport.sendMail({
      from: 'ann@example.com',
      to: 'support@shop.example',
      subject: 'Forwarded',
      text: 'Hello',
    });
    assert.equal(intake.calls.length, 1, 'taken in before the 250');
    assert.equal(intake.calls[0]?.externalId, sent.messageId);
    assert.equal(intake.calls[0]?.to, 'support@shop.example');
    await assert.rejects(
      transport.sendMail({ from: 'ann@example.com', to: 'someone@else.example', subject: 'x', text: 'x' }),
      (error: { responseCode?: number }) => error.responseCode === 550,
    );
    transport.close();
  });

  it('answer 451 when the hub cannot take the mail, so the sender keeps it and tries again', async () => {
    const recording = createRecordingIntake();
    let refuse = true;
    const intake: EmailIntake = {
      receive: (message) =>
        refuse ? Promise.reject(new Error('no queue for this address')) : recording.receive(message),
      status: recording.status,
    };
    const { transport } = await start(intake);
    const mail = { from: 'ann@example.com', to: 'support@shop.example', subject: 'Retry me', text: 'Hello' };
    await assert.rejects(
      transport.sendMail(mail),
      (error: { responseCode?: number }) => error.responseCode === 451,
    );
    refuse = false;
    await transport.sendMail(mail);
    assert.equal(recording.calls.length, 1);
    transport.close();
  });
});
