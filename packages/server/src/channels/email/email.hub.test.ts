// The email channel wired to a real hub (core's createHub, hub.channels) on the real Dovecot and Postfix: a
// customer's mail becomes an email interaction offered to an agent, the agent's reply (message.send) goes out
// through the channel and arrives threaded in the customer's mailbox, the customer's answer joins the same
// interaction, and a bounce of a reply becomes its failed receipt.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHub, devAuthenticate, type Hub, type Subject } from '@helpline/core/hub';
import { createTestClock, flush, supportQueue, testAgent } from '@helpline/core/testing';
import { simpleParser } from 'mailparser';
import { createEmailChannel } from './email.channel';
import { emailAddresses } from './email.config';
import type { EmailIntake } from './email.intake';
import { createMemoryEmailStore } from './email.store';
import {
  createConditionWaiter,
  sendAsCustomer,
  testEmailConfig,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from './email.testing';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;
const alice: Subject = { id: 'alice', role: 'agent', name: 'Alice' };

describe('email through the hub on real mail servers', { skip }, () => {
  if ('skip' in servers) return;
  const mail = servers;
  const stops: Array<() => unknown> = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  async function start(support: string) {
    const config = testEmailConfig(mail, support);
    const { changed, until } = createConditionWaiter();
    let hub: Hub | undefined;
    const calls = { received: 0, statuses: 0 };
    // hub.channels, counting what it took, with a nudge for the test's waits after each call.
    const intake: EmailIntake = {
      async receive(message) {
        const result = await (hub as Hub).channels.receive(message);
        calls.received += 1;
        changed();
        return result;
      },
      async status(...args) {
        const known = await (hub as Hub).channels.status(...args);
        calls.statuses += 1;
        changed();
        return known;
      },
    };
    const channel = createEmailChannel({
      config,
      store: createMemoryEmailStore(),
      intake,
      env: { HELPLINE_TEST_MAIL_PASSWORD: mail.password },
    });
    hub = createHub({
      queues: [{ ...supportQueue, dispositionRequired: false }],
      agents: [testAgent('alice')],
      authenticate: devAuthenticate,
      clock: createTestClock(),
      channels: { addresses: emailAddresses(config), outbound: { email: channel.outbound } },
    });
    const started = hub;
    stops.push(
      () => started.close(),
      () => channel.stop(),
    );
    const connection = hub.connect({ send() {}, close() {} });
    connection.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:agent:alice:Alice' }));
    await hub.execute(alice, 'presence.set', { status: 'available' });
    await channel.start();
    return { hub, channel, until, calls };
  }

  async function messages(hub: Hub, cid: string) {
    const history = await hub.execute(alice, 'history', { cid });
    return history.events.flatMap(({ ev }) => (ev.type === 'message' ? [ev.text] : []));
  }

  it('take a mail in as an interaction, send the reply threaded, and join the answer to it', async () => {
    const support = uniqueAddress(mail, 'support');
    const customer = uniqueAddress(mail, 'customer');
    const { hub, until, calls } = await start(support);

    const firstId = await sendAsCustomer(mail, {
      from: { name: 'Carla', address: customer },
      to: support,
      subject: 'Where is my order?',
      text: 'Order 42 has not arrived.',
    });
    await until(() => hub.interactions().length === 1, 'the interaction');
    const [interaction] = hub.interactions();
    const cid = interaction?.id ?? '';
    assert.equal(interaction?.channel, 'email');
    assert.equal(interaction?.queueId, supportQueue.id);
    await flush();
    assert.equal(hub.interaction(cid)?.state, 'offered');
    await hub.execute(alice, 'offer.accept', { cid });
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000001',
      text: 'It ships today.',
    });

    const [delivered] = await waitForInbox(mail, customer, (list) => list.length === 1);
    const reply = await simpleParser(delivered?.source ?? Buffer.alloc(0));
    assert.equal(reply.inReplyTo, firstId);
    assert.equal(reply.subject, 'Re: Where is my order?');
    assert.equal(reply.text?.trim(), 'It ships today.');
    assert.equal(reply.html, false);
    assert.match(reply.from?.text ?? '', /Alice/);

    await sendAsCustomer(mail, {
      from: customer,
      to: reply.replyTo?.value[0]?.address,
      subject: 'Re: Where is my order?',
      inReplyTo: reply.messageId,
      references: [firstId, reply.messageId ?? ''],
      text: 'Thank you!',
    });
    await until(() => calls.received === 2, 'the answer');
    assert.deepEqual(await messages(hub, cid), [
      'Order 42 has not arrived.',
      'It ships today.',
      'Thank you!',
    ]);
    assert.equal(hub.interactions().length, 1);
  });

  it('turn the bounce of a reply into its failed receipt, and open no interaction from it', async () => {
    const support = uniqueAddress(mail, 'support');
    const gone = `gone-${support.split('@')[0]}@${mail.bounceDomain}`;
    const { hub, until, calls } = await start(support);
    await sendAsCustomer(mail, { from: gone, to: support, subject: 'Help', text: 'My address bounces.' });
    await until(() => hub.interactions().length === 1, 'the interaction');
    const cid = hub.interactions()[0]?.id ?? '';
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    const ack = await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000002',
      text: 'Here is your answer.',
    });
    await until(() => calls.statuses === 1, 'the bounce');
    const history = await hub.execute(alice, 'history', { cid });
    const receipts = history.events.flatMap(({ ev }) =>
      ev.type === 'receipt' ? [{ seq: ev.seq, status: ev.status }] : [],
    );
    assert.deepEqual(receipts, [
      { seq: ack.seq, status: 'sent' },
      { seq: ack.seq, status: 'failed' },
    ]);
    assert.equal(hub.interactions().length, 1, 'the bounce opened nothing');
    assert.equal(calls.received, 1);
  });
});
