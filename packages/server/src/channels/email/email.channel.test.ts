// The email channel end to end against the real Dovecot and Postfix of scripts/ensure-mail.mjs: a customer's mail
// becomes a conversation, the agent's reply arrives threaded in the customer's mailbox, the customer's answer joins
// the same conversation; bounces and automatic replies open nothing and send nothing.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { OutboundMessage } from '@helpline/core/hub';
import { simpleParser } from 'mailparser';
import { createEmailChannel, type EmailChannel } from './email.channel';
import { createMemoryEmailStore } from './email.store';
import {
  createConditionWaiter,
  createRecordingIntake,
  type RecordedConversation,
  readInbox,
  sendAsCustomer,
  testEmailConfig,
  testMailServers,
  uniqueAddress,
  waitForInbox,
} from './email.testing';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;

describe('the email channel on real mail servers', { skip }, () => {
  if ('skip' in servers) return;
  const mail = servers;
  const env = { HELPLINE_TEST_MAIL_PASSWORD: servers.password };
  const channels: EmailChannel[] = [];
  after(async () => {
    await Promise.all(channels.map((channel) => channel.stop()));
  });

  function start(support: string) {
    const intake = createRecordingIntake();
    const store = createMemoryEmailStore();
    // Resolves when a check holds after a mailbox status change (every mail read counts in `received`).
    const { changed, until: statusUntil } = createConditionWaiter();
    const channel = createEmailChannel({
      config: testEmailConfig(mail, support),
      store,
      intake,
      env,
      onStatus: changed,
    });
    channels.push(channel);
    return { intake, store, channel, statusUntil, ready: channel.start() };
  }

  /** The agent's reply as the hub hands it to the channel's outbound. */
  function reply(
    conversation: RecordedConversation,
    support: string,
    to: string,
    text: string,
  ): OutboundMessage {
    const first = conversation.messages[0];
    return {
      channel: 'email',
      cid: conversation.cid,
      seq: conversation.externalIds.length + 1,
      messageId: `m${conversation.externalIds.length + 1}`,
      threadKey: conversation.threadKey,
      from: support,
      to: { address: to },
      subject: first?.subject,
      text,
      agent: { id: 'a1', displayName: 'Agent Ann' },
      references: [...conversation.externalIds],
    };
  }

  it("turn a customer's mail into a conversation, thread the reply, and join the answer to it", async () => {
    const support = uniqueAddress(servers, 'support');
    const customer = uniqueAddress(servers, 'customer');
    const { intake, channel, ready } = start(support);
    await ready;

    const firstId = await sendAsCustomer(servers, {
      from: { name: 'Carla Customer', address: customer },
      to: support,
      subject: 'Where is my order?',
      html: '<p>Hello, my order <b>#42</b> has not arrived.</p><script>alert(1)</script>',
    });
    await intake.until(() => intake.conversations.size === 1, 'the first mail');
    const conversation = [...intake.conversations.values()][0] as RecordedConversation;
    const first = conversation.messages[0];
    assert.equal(first?.externalId, firstId);
    assert.equal(first?.threadKey, firstId);
    assert.deepEqual(first?.from, { address: customer, name: 'Carla Customer' });
    assert.equal(first?.to, support);
    assert.equal(first?.subject, 'Where is my order?');
    assert.match(first?.text ?? '', /Hello, my order #42 has not arrived\./);
    assert.doesNotMatch(first?.text ?? '', /<|alert/);

    const { externalId: replyId } = await channel.outbound.send(
      reply(conversation, support, customer, 'It ships today.\n\nAnn'),
    );
    conversation.externalIds.push(replyId); // the hub adds our reply to the conversation's references
    const [delivered] = await waitForInbox(servers, customer, (list) => list.length === 1);
    const received = await simpleParser(delivered?.source ?? Buffer.alloc(0));
    assert.equal(received.messageId, replyId);
    assert.equal(received.inReplyTo, firstId);
    assert.deepEqual([received.references].flat(), [firstId]);
    assert.equal(received.subject, 'Re: Where is my order?');
    assert.equal(received.html, false, 'plain text only');
    assert.equal(received.text?.trim(), 'It ships today.\n\nAnn');
    const replyTo = received.replyTo?.value[0]?.address ?? '';
    assert.match(replyTo, new RegExp(`^${support.split('@')[0]}\\+[a-z2-7]{16}@${servers.domain}$`));
    assert.equal(received.from?.value[0]?.address, support);

    // The customer's mail program answers the Reply-To, with the threading headers and the history quoted.
    const answerId = await sendAsCustomer(servers, {
      from: customer,
      to: replyTo,
      subject: 'Re: Where is my order?',
      inReplyTo: replyId,
      references: [firstId, replyId],
      text: 'Great, thanks!\n\nOn Mon, 7 Dec 2026 at 10:00, Agent Ann <support@shop.example> wrote:\n> It ships today.',
    });
    await intake.until(() => conversation.messages.length === 2, 'the answer');
    assert.equal(intake.conversations.size, 1);
    const answer = conversation.messages[1];
    assert.equal(answer?.externalId, answerId);
    assert.equal(answer?.threadKey, firstId);
    assert.match(answer?.text ?? '', /^Great, thanks!\n\n> On Mon/);

    // A mail program that keeps no threading headers still lands in the thread through the reply token.
    await sendAsCustomer(servers, {
      from: customer,
      to: replyTo,
      subject: 'one more thing',
      text: 'Gift wrap?',
    });
    await intake.until(() => conversation.messages.length === 3, 'the token-only mail');
    assert.equal(intake.conversations.size, 1);
    assert.equal(intake.calls.length, 3, 'each mail handed over once');
  });

  it('mark a bounced reply failed, and open nothing and answer nothing for bounces and automatic replies', async () => {
    const support = uniqueAddress(servers, 'support');
    const customer = uniqueAddress(servers, 'customer');
    const gone = `gone-${customer.split('@')[0]}@${servers.bounceDomain}`;
    const { intake, channel, statusUntil, ready } = start(support);
    await ready;

    await sendAsCustomer(servers, {
      from: gone,
      to: support,
      subject: 'Help',
      text: 'My address will bounce.',
    });
    await sendAsCustomer(servers, { from: customer, to: support, subject: 'Hello', text: 'Question' });
    await intake.until(() => intake.conversations.size === 2, 'both mails');
    // Postfix delivers in parallel: find each conversation by its customer, not by the order of arrival.
    const conversationOf = (address: string) =>
      [...intake.conversations.values()].find(
        (c) => c.messages[0]?.from.address === address,
      ) as RecordedConversation;
    const bouncing = conversationOf(gone);
    const normal = conversationOf(customer);

    const { externalId: bouncedId } = await channel.outbound.send(reply(bouncing, support, gone, 'Answer'));
    await intake.until(() => intake.statuses.length === 1, 'the bounce');
    assert.equal(intake.statuses[0]?.externalId, bouncedId);
    assert.equal(intake.statuses[0]?.status, 'failed');
    assert.match(intake.statuses[0]?.detail ?? '', /5\.1\.1/);

    const { externalId: replyId } = await channel.outbound.send(reply(normal, support, customer, 'Answer'));
    const [ours] = await waitForInbox(servers, customer, (list) => list.length === 1);
    const replyTo = (await simpleParser(ours?.source ?? Buffer.alloc(0))).replyTo?.value[0]?.address;
    // An out-of-office to our reply, a newsletter and a vacation notice.
    await sendAsCustomer(servers, {
      from: customer,
      to: replyTo,
      subject: 'Out of office',
      inReplyTo: replyId,
      headers: { 'Auto-Submitted': 'auto-replied' },
      text: 'I am away.',
    });
    await sendAsCustomer(servers, {
      from: customer,
      to: support,
      subject: 'Newsletter',
      headers: { Precedence: 'bulk' },
      text: 'News',
    });
    await sendAsCustomer(servers, {
      from: customer,
      to: support,
      subject: 'Vacation',
      headers: { 'X-Autoreply': 'yes' },
      text: 'Away',
    });
    await sendAsCustomer(servers, { from: customer, to: replyTo, subject: 'Re: Hello', text: 'Back again' });
    // All seven mails read: the two first, the bounce, the three automatic ones and the person's.
    await statusUntil(() => channel.statuses()[0]?.received === 7, 'every mail read');
    assert.equal(normal.messages.length, 2);
    assert.equal(normal.messages[1]?.text, 'Back again');
    assert.equal(intake.conversations.size, 2, 'no conversation from a bounce or an automatic reply');
    assert.equal(intake.calls.length, 3);
    assert.equal(intake.statuses.length, 1);
    assert.equal((await readInbox(servers, customer)).length, 1, 'nothing was sent back: no loop');
    assert.equal(channel.statuses()[0]?.state, 'connected');
  });
});
