import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContactIdentity, CustomerDirectory } from '../customer';
import { flush, supportQueue } from '../testing';
import { alice, available, mail, setup } from './channels.testing';
import type { OutboundMessage } from './channels.types';
import { createMemoryStorage } from './memory.storage';

describe('hub.channels: messages from channel adapters', () => {
  it('verifies only what the channel proves: WhatsApp and Messenger ids; an SMS sender and a From header are claims', async () => {
    const linked = new Map<string, ContactIdentity>();
    // Only link is reached when a conversation is created; the rest of the directory is not part of this test.
    const customers = {
      async link(interactionId: string, identity: ContactIdentity) {
        linked.set(interactionId, identity);
        return `cu-${interactionId}`;
      },
    } as unknown as CustomerDirectory;
    const { hub } = setup(undefined, {}, { customers, addresses: ['+15550100'] });
    const from = { address: '+447700900123' };
    const arrived = new Map<string, string>();
    for (const channel of ['email', 'sms', 'whatsapp', 'messenger'] as const) {
      const message =
        channel === 'email'
          ? mail()
          : mail({ channel, from: channel === 'messenger' ? { address: 'psid-42' } : from, to: '+15550100' });
      arrived.set(channel, (await hub.channels.receive({ ...message, threadKey: `t-${channel}` })).cid);
    }
    await flush();
    const verifiedOf = (channel: string) =>
      linked
        .get(arrived.get(channel) ?? '')
        ?.identifiers.filter((i) => i.kind !== 'contact') // the contact's own key, checked in customers' own tests
        .map((i) => `${i.kind}:${i.verified}`);
    assert.deepEqual(verifiedOf('email'), ['email:false']);
    assert.deepEqual(verifiedOf('sms'), ['sms:false', 'phone:false']);
    assert.deepEqual(verifiedOf('whatsapp'), ['whatsapp:true', 'phone:true']);
    assert.deepEqual(verifiedOf('messenger'), ['messenger:true']);
  });

  it('creates a conversation in the queue its address maps to, offers it, and stores each message once', async () => {
    const { hub } = setup();
    await available(hub);
    const first = mail();
    const result = await hub.channels.receive(first);
    assert.deepEqual(
      { ...result, cid: undefined },
      { cid: undefined, created: true, reopened: false, duplicate: false },
    );
    const interaction = hub.interaction(result.cid);
    assert.equal(interaction?.channel, 'email');
    assert.equal(interaction?.queueId, supportQueue.id);
    assert.equal(interaction?.customer.email, 'ann@example.com');
    await flush();
    assert.equal(hub.interaction(result.cid)?.state, 'offered');

    const again = await hub.channels.receive(first);
    assert.deepEqual(again, { cid: result.cid, created: false, reopened: false, duplicate: true });
    const second = await hub.channels.receive(mail({ text: 'Any news?' }));
    assert.deepEqual(second, { cid: result.cid, created: false, reopened: false, duplicate: false });
    const history = await hub
      .execute(alice, 'offer.accept', { cid: result.cid })
      .then(() => hub.execute(alice, 'history', { cid: result.cid }));
    const texts = history.events.flatMap(({ ev }) => (ev.type === 'message' ? [ev.text] : []));
    assert.deepEqual(texts, ['Hello, my order 4711 has not arrived.', 'Any news?']);
  });

  it('refuses a malformed message or an address no queue serves, storing nothing', async () => {
    const { hub } = setup();
    await assert.rejects(hub.channels.receive(mail({ externalId: '' })), { code: 'validation/field' });
    await assert.rejects(hub.channels.receive(mail({ channel: 'fax' as 'email' })), {
      code: 'validation/field',
    });
    await assert.rejects(hub.channels.receive(mail({ to: 'nobody@shop.example', threadKey: 'x' })), {
      code: 'not-found',
    });
    assert.deepEqual(hub.interactions(), []);
  });

  it("sends the agent's reply on its channel after storing it, and keeps the provider's statuses as receipts", async () => {
    const { hub, email } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail());
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    const ack = await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000001',
      text: 'On its way!',
    });
    await flush();
    assert.equal(email.sent.length, 1);
    const [out] = email.sent as [OutboundMessage];
    assert.equal(out.seq, ack.seq);
    assert.equal(out.from, 'support@shop.example');
    assert.equal(out.to.address, 'Ann@Example.com', 'as the adapter gave it');
    assert.equal(out.subject, 'Where is my order?');
    assert.equal(out.threadKey, '<root-1@mail.example>');
    assert.equal(out.references.length, 1, "the customer's message is referenced");

    assert.equal(await hub.channels.status('email', '<out-1@shop.example>', 'delivered'), true);
    assert.equal(
      await hub.channels.status('email', '<out-1@shop.example>', 'sent'),
      true,
      'not forward: ignored',
    );
    assert.equal(await hub.channels.status('email', '<unknown@x>', 'read'), false);
    const history = await hub.execute(alice, 'history', { cid });
    const receipts = history.events.flatMap(({ ev }) => (ev.type === 'receipt' ? [[ev.seq, ev.status]] : []));
    assert.deepEqual(receipts, [
      [ack.seq, 'sent'],
      [ack.seq, 'delivered'],
    ]);
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000002',
      text: 'Tracking: 123',
    });
    await flush();
    assert.deepEqual(
      email.sent[1]?.references,
      [out.references[0], '<out-1@shop.example>'],
      'our earlier reply is referenced after the customer message',
    );
  });

  it("keeps a sent message's statuses across a restart, forward only", async () => {
    const storage = createMemoryStorage();
    const first = setup(storage);
    await available(first.hub);
    const { cid } = await first.hub.channels.receive(mail({ threadKey: 'restart-status' }));
    await flush();
    await first.hub.execute(alice, 'offer.accept', { cid });
    await first.hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000003',
      text: 'Done',
    });
    await flush();
    assert.equal(await first.hub.channels.status('email', '<out-1@shop.example>', 'read'), true);
    first.hub.close();
    const second = setup(storage);
    await second.hub.restore();
    assert.equal(await second.hub.channels.status('email', '<out-1@shop.example>', 'delivered'), true);
    const history = await second.hub.execute(alice, 'history', { cid });
    const statuses = history.events.flatMap(({ ev }) => (ev.type === 'receipt' ? [ev.status] : []));
    assert.deepEqual(statuses, ['sent', 'read'], 'delivered after read changes nothing');
  });

  it('keeps a reply the channel failed to send, with a failed receipt', async () => {
    const { hub, email } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail());
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    email.failing = true;
    const ack = await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000001',
      text: 'Hello?',
    });
    await flush();
    const history = await hub.execute(alice, 'history', { cid });
    assert.ok(history.events.some(({ seq, ev }) => seq === ack.seq && ev.type === 'message'));
    const failed = history.events.find(({ ev }) => ev.type === 'receipt');
    assert.deepEqual(failed?.ev, {
      type: 'receipt',
      seq: ack.seq,
      status: 'failed',
      detail: 'SMTP 550 mailbox unavailable',
    });
  });

  it('pending holds no capacity; the customer answer brings it back; resolved reopens on the next message', async () => {
    const { hub } = setup();
    await available(hub);
    const { cid } = await hub.channels.receive(mail());
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: '0190a5b0-0000-7000-8000-000000000001',
      text: 'Could you send the order number?',
    });
    // The console's end resolves a written conversation.
    await hub.execute(alice, 'chat.end', { cid });
    assert.equal(hub.interaction(cid)?.state, 'resolved');
    const reopened = await hub.channels.receive(mail({ text: 'It is 4711.' }));
    assert.deepEqual(reopened, { cid, created: false, reopened: true, duplicate: false });
    await flush();
    // Offered back to the agent who handled it, who is still available.
    assert.equal(hub.interaction(cid)?.state, 'offered');
    assert.equal(hub.interaction(cid)?.agentId, 'alice');
    await hub.execute(alice, 'offer.accept', { cid });
    assert.equal(hub.interaction(cid)?.state, 'active');
    const alices = hub
      .interaction(cid)
      ?.participants.filter((p) => p.id === 'alice' && p.leftAt === undefined);
    assert.equal(alices?.length, 1, 'she takes part once');
  });

  it('finds the same conversation after a restart, from storage', async () => {
    const storage = createMemoryStorage();
    const first = setup(storage);
    const { cid } = await first.hub.channels.receive(mail({ threadKey: 'sms-thread' }));
    first.hub.close();
    const second = setup(storage);
    await second.hub.restore();
    const again = await second.hub.channels.receive(mail({ threadKey: 'sms-thread', text: 'Hello again' }));
    assert.equal(again.cid, cid);
    assert.equal(again.created, false);
  });
});
