// "Continue by email" end to end on the real Dovecot and Postfix: a chat's visitor gives an address and leaves, the
// agent answers, the transcript arrives in the visitor's mailbox threaded and addressed for replies, the answer sent
// by SMTP reaches the agent in the same chat, and the next reply arrives as the next mail of the thread.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createHub, devAuthenticate, type Hub, type Subject } from '@helpline/core/hub';
import { flush, supportQueue, testAgent } from '@helpline/core/testing';
import { simpleParser } from 'mailparser';
import type { ConfigInput } from '../../config/config';
import type { HelplineServer } from '../../server';
import { freshPgliteDir } from '../../testing/databases';
import { activeChat, startTestServer, TEST_CONFIG } from '../../testing/harness';
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
const vera: Subject = { id: 'vera', role: 'visitor', name: 'Vera' };
let ids = 0;
const clientMsgId = () => `0190a5b0-0000-7000-8000-${String(++ids).padStart(12, '0')}`;

describe('continue by email on real mail servers', { skip }, () => {
  if ('skip' in servers) return;
  const mail = servers;
  const stops: Array<() => unknown> = [];
  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  it('mails the transcript once the visitor left, threads the answer back into the chat, then mails the next reply', async () => {
    const support = uniqueAddress(mail, 'support');
    const visitorAddress = uniqueAddress(mail, 'vera');
    const config = testEmailConfig(mail, support);
    const { changed, until } = createConditionWaiter();
    let hub: Hub | undefined;
    let received = 0;
    const intake: EmailIntake = {
      async receive(message) {
        const result = await (hub as Hub).channels.receive(message);
        received += 1;
        changed();
        return result;
      },
      status: (...args) => (hub as Hub).channels.status(...args),
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
      channels: { addresses: emailAddresses(config), outbound: { email: channel.outbound } },
      emailLegGraceMs: 200,
    });
    const started = hub;
    stops.push(
      () => started.close(),
      () => channel.stop(),
    );
    hub
      .connect({ send() {}, close() {} })
      .receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:agent:alice:Alice' }));
    await hub.execute(alice, 'presence.set', { status: 'available' });
    await channel.start();

    // Vera chats, asks for replies by email, and leaves.
    const socket = hub.connect({ send() {}, close() {} });
    socket.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:visitor:vera:Vera' }));
    const { cid } = await hub.execute(vera, 'chat.start', { channel: 'chat' });
    await flush();
    await hub.execute(alice, 'offer.accept', { cid });
    await hub.execute(vera, 'message.send', {
      cid,
      clientMsgId: clientMsgId(),
      text: 'Is the **blue** one in stock?',
    });
    assert.deepEqual(await hub.execute(vera, 'conversation.email', { cid, address: visitorAddress }), {});
    socket.disconnected();
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: clientMsgId(),
      text: 'Let me check the stock.',
    });

    const [first] = await waitForInbox(mail, visitorAddress, (list) => list.length === 1);
    const transcript = await simpleParser(first?.source ?? Buffer.alloc(0));
    assert.equal(transcript.html, false, 'plain text only');
    assert.equal(transcript.subject, 'Re: Your conversation with us');
    assert.match(transcript.from?.text ?? '', /Alice/);
    assert.match(transcript.text ?? '', /Vera:\nIs the blue one in stock\?/);
    assert.match(transcript.text ?? '', /Alice:\nLet me check the stock\./);
    const replyTo = transcript.replyTo?.value[0]?.address ?? '';
    assert.match(replyTo, /^support-[^+]*\+[A-Za-z0-9]+@/, 'the reply token in the address');
    assert.ok(transcript.messageId);

    // Vera answers from her mail program: the answer joins the chat, as hers.
    await sendAsCustomer(mail, {
      from: visitorAddress,
      to: replyTo,
      subject: 'Re: Your conversation with us',
      inReplyTo: transcript.messageId,
      references: [transcript.messageId ?? ''],
      text: 'Thanks, I will wait.',
    });
    const texts = async () =>
      (await (hub as Hub).execute(alice, 'history', { cid })).events.flatMap(({ ev }) =>
        ev.type === 'message' ? [`${ev.from.id}: ${ev.text}`] : [],
      );
    await until(() => received === 1, 'the answer', 20_000);
    assert.deepEqual(await texts(), [
      'vera: Is the **blue** one in stock?',
      'alice: Let me check the stock.',
      'vera: Thanks, I will wait.',
    ]);
    assert.equal(hub.interactions().length, 1, 'no new conversation');
    assert.equal(hub.interaction(cid)?.channel, 'chat');

    // Alice's next reply is the next mail of the thread.
    await hub.execute(alice, 'message.send', {
      cid,
      clientMsgId: clientMsgId(),
      text: 'Back in stock tomorrow.',
    });
    const inbox = await waitForInbox(mail, visitorAddress, (list) => list.length === 2);
    const next = await simpleParser(inbox[1]?.source ?? Buffer.alloc(0));
    assert.equal(next.text?.trim(), 'Back in stock tomorrow.');
    const references = [next.references ?? []].flat();
    assert.ok(references.includes(transcript.messageId ?? ''), 'References name the transcript');
    assert.equal(next.replyTo?.value[0]?.address, replyTo, 'the same reply token');
  });

  it('mails the transcript after the grace period when the server restarted while the visitor was away', async () => {
    const support = uniqueAddress(mail, 'support');
    const visitorAddress = uniqueAddress(mail, 'vera');
    const graceSeconds = 3;
    const config = {
      ...TEST_CONFIG,
      email: { ...testEmailConfig(mail, support), continueGraceSeconds: graceSeconds },
    } as ConfigInput;
    const dataDir = await freshPgliteDir();
    const serve = async (): Promise<HelplineServer> => {
      const server = await startTestServer({
        config,
        storage: { kind: 'pglite', dataDir },
        env: { HELPLINE_TEST_MAIL_PASSWORD: mail.password },
      });
      stops.push(() => server.close());
      return server;
    };
    const first = await serve();
    const { visitor, agent, cid } = await activeChat(first);
    await visitor.ok('message.send', { cid, clientMsgId: clientMsgId(), text: 'Do you ship to Ghent?' });
    await visitor.ok('conversation.email', { cid, address: visitorAddress });
    visitor.close();
    // The leg records when the visitor left: that is what a restart goes on from.
    let awaySince: number | undefined;
    for (const deadline = Date.now() + 10_000; awaySince === undefined; ) {
      awaySince = (await first.storage.emailLeg(cid))?.awaySince;
      if (Date.now() > deadline) assert.fail('the leg never recorded the visitor leaving');
      if (awaySince === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await agent.ok('message.send', { cid, clientMsgId: clientMsgId(), text: 'Yes, within two days.' });
    agent.close();
    await first.close();

    // A new run on the same database; Vera never comes back.
    const second = await serve();
    const [only] = await waitForInbox(mail, visitorAddress, (list) => list.length === 1, 30_000);
    const transcript = await simpleParser(only?.source ?? Buffer.alloc(0));
    assert.match(transcript.text ?? '', /Do you ship to Ghent\?/);
    assert.match(transcript.text ?? '', /Yes, within two days\./);
    // Not before the grace period from when Vera left (the Date header counts whole seconds).
    assert.ok(
      (transcript.date?.getTime() ?? 0) >= awaySince + graceSeconds * 1000 - 1000,
      `mailed at ${transcript.date?.toISOString()}, left at ${new Date(awaySince).toISOString()}`,
    );
    assert.equal((await second.storage.emailLeg(cid))?.mailedThrough !== 0, true, 'recorded as mailed');
  });
});
