import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerFrame } from '../protocol/protocol.types';
import { flush, testAgent } from '../testing';
import { alice, available, mail, setup } from './channels.testing';
import { emailLegThreadKey } from './email-leg.hub';
import type { Hub } from './hub';
import type { Subject } from './hub.types';

const ann: Subject = { id: 'ann', role: 'visitor', name: 'Ann' };
const eve: Subject = { id: 'eve', role: 'visitor', name: 'Eve' };
const bob: Subject = { id: 'bob', role: 'agent', name: 'bob' };
let ids = 0;
const clientMsgId = () => `0190a5b0-0000-7000-8000-${String(++ids).padStart(12, '0')}`;

/** A hub with email, Ann on a socket in a chat that Alice accepted. */
async function chatWithAnn(
  options: { readonly email?: boolean; readonly language?: string; readonly withBob?: boolean } = {},
) {
  // Alice takes chats in every language the tests start them in.
  const languages = ['en', 'nl', 'nl-BE', 'zh', 'zh-TW', 'ar', 'fr'];
  const world = setup(
    undefined,
    { languages },
    {
      withEmail: options.email !== false,
      ...(options.withBob ? { others: [testAgent('bob', { languages })] } : {}),
    },
  );
  await available(world.hub);
  const frames: ServerFrame[] = [];
  const socket = world.hub.connect({
    send: (raw) => frames.push(JSON.parse(raw) as ServerFrame),
    close() {},
  });
  socket.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:visitor:ann:Ann' }));
  await flush();
  const { cid } = await world.hub.execute(ann, 'chat.start', {
    channel: 'chat',
    ...(options.language ? { language: options.language } : {}),
  });
  await flush();
  await world.hub.execute(alice, 'offer.accept', { cid });
  await world.hub.execute(ann, 'message.send', {
    cid,
    clientMsgId: clientMsgId(),
    text: 'Where is **4711**?',
  });
  return { ...world, cid, socket };
}

const reply = (world: { readonly hub: Hub }, cid: string, text: string) =>
  world.hub.execute(alice, 'message.send', { cid, clientMsgId: clientMsgId(), text });

describe('hub: a chat continued by email', () => {
  it('only the visitor of the chat gives an address; bad ones are refused and nothing is stored', async () => {
    const { hub, cid, email, clock, socket } = await chatWithAnn();
    await assert.rejects(hub.execute(alice, 'conversation.email', { cid, address: 'ann@example.com' }), {
      code: 'auth/forbidden',
    });
    await assert.rejects(hub.execute(eve, 'conversation.email', { cid, address: 'eve@example.com' }), {
      code: 'not-found',
    });
    for (const address of [
      'ann',
      'ann@localhost',
      'ann@example.com\r\nBcc: x@example.com',
      `${'a'.repeat(250)}@x.io`,
    ])
      await assert.rejects(hub.execute(ann, 'conversation.email', { cid, address }), {
        code: 'validation/field',
      });
    // Nothing was recorded: Ann leaving and Alice writing mails nothing.
    socket.disconnected();
    await reply({ hub }, cid, 'Hello?');
    await clock.advance(300_000);
    assert.equal(email.sent.length, 0);
  });

  it('mails the transcript once the visitor is gone past the grace period, then each new reply, threaded', async () => {
    const { hub, cid, email, clock, socket } = await chatWithAnn();
    const result = await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    assert.deepEqual(result, {});
    // Not verified: the address is not the customer's.
    assert.equal(hub.interaction(cid)?.customer.email, undefined);
    await reply({ hub }, cid, 'Let me look.');
    assert.equal(email.sent.length, 0, 'seen in the chat: nothing to mail');
    socket.disconnected();
    await reply({ hub }, cid, 'It ships **today**: <https://shop.example/track>');
    await clock.advance(60_000);
    assert.equal(email.sent.length, 0, 'within the grace period');
    await clock.advance(61_000);
    await flush();
    assert.equal(email.sent.length, 1);
    const [transcript] = email.sent;
    assert.equal(transcript?.to.address, 'ann@example.com');
    assert.equal(transcript?.threadKey, emailLegThreadKey(cid));
    assert.equal(transcript?.from, 'Support@Shop.example');
    assert.match(transcript?.text ?? '', /Ann:\nWhere is 4711\?/);
    assert.match(transcript?.text ?? '', /alice:\nLet me look\./);
    assert.match(transcript?.text ?? '', /It ships today: <https:\/\/shop\.example\/track>/);
    assert.doesNotMatch(transcript?.text ?? '', /\*\*/);

    await reply({ hub }, cid, 'Anything else?');
    await flush();
    assert.equal(email.sent.length, 2);
    assert.equal(email.sent[1]?.text, 'Anything else?');
    assert.deepEqual(email.sent[1]?.references, ['<out-1@shop.example>'], 'in reply to the transcript');

    // Ann answers by mail: her message joins the same chat, as hers.
    const answer = await hub.channels.receive(
      mail({ threadKey: emailLegThreadKey(cid), from: { address: 'ann@example.com' }, text: 'No, thanks!' }),
    );
    assert.deepEqual(answer, { cid, created: false, reopened: false, duplicate: false });
    const history = await hub.execute(alice, 'history', { cid });
    const last = history.events.filter(({ ev }) => ev.type === 'message').at(-1)?.ev;
    assert.equal(last?.type === 'message' && last.from.id, 'ann');
    assert.equal(hub.interaction(cid)?.channel, 'chat');
    assert.equal(hub.interaction(cid)?.state, 'active');
  });

  it('mails nothing while the visitor is back within the grace period', async () => {
    const { hub, cid, email, clock, socket } = await chatWithAnn();
    await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    socket.disconnected();
    await reply({ hub }, cid, 'Still there?');
    const again = hub.connect({ send() {}, close() {} });
    again.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:visitor:ann:Ann' }));
    await flush();
    await clock.advance(180_000);
    assert.equal(email.sent.length, 0);
  });

  it('mails at once when the chat ends while the visitor is away; a mail after the end opens an email follow-up', async () => {
    const { hub, cid, email, socket } = await chatWithAnn();
    await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    socket.disconnected();
    await reply({ hub }, cid, 'Closing this, write back any time.');
    await hub.execute(alice, 'chat.end', { cid });
    await flush();
    assert.equal(email.sent.length, 1, 'mailed as the agent ended it');
    await hub.execute(alice, 'wrapup.submit', { cid });
    const followUp = await hub.channels.receive(
      mail({
        threadKey: emailLegThreadKey(cid),
        from: { address: 'ann@example.com' },
        text: 'One more thing',
      }),
    );
    assert.equal(followUp.created, true);
    assert.notEqual(followUp.cid, cid);
    assert.equal(hub.interaction(followUp.cid)?.channel, 'email');
    const next = await hub.channels.receive(
      mail({ threadKey: emailLegThreadKey(cid), from: { address: 'ann@example.com' }, text: 'And another' }),
    );
    assert.equal(next.cid, followUp.cid, 'the follow-up is found again');
  });

  it('mails after a restart while the visitor is away: the grace period goes on from when they left', async () => {
    const { hub, cid, storage, clock, socket } = await chatWithAnn();
    await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    await reply({ hub }, cid, 'Seen in the chat.');
    socket.disconnected();
    await flush();
    await reply({ hub }, cid, 'Missed by Ann.');
    await clock.advance(60_000);
    hub.close();
    // A new run on the same storage; Ann never comes back.
    const second = setup(storage, {}, { clock });
    await second.hub.restore();
    await flush();
    await clock.advance(59_000);
    assert.equal(second.email.sent.length, 0, 'still within the grace period from when Ann left');
    await clock.advance(2_000);
    await flush();
    assert.equal(second.email.sent.length, 1, 'the transcript went out');
    assert.match(second.email.sent[0]?.text ?? '', /Missed by Ann\./);
    await reply(second, cid, 'And one more.');
    await flush();
    assert.equal(second.email.sent.at(-1)?.text, 'And one more.');
  });

  it("after a restart that dropped the visitor's link, mails only what they miss from then on", async () => {
    const { hub, cid, storage, clock, socket } = await chatWithAnn();
    await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    socket.disconnected();
    await flush();
    const again = hub.connect({ send() {}, close() {} });
    again.receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:visitor:ann:Ann' }));
    await flush();
    await reply({ hub }, cid, 'Seen live.');
    hub.close();
    const second = setup(storage, {}, { clock });
    await second.hub.restore();
    await clock.advance(300_000);
    await flush();
    assert.equal(second.email.sent.length, 0, 'Ann saw everything before the restart');
    await reply(second, cid, 'After the restart.');
    await flush();
    assert.equal(second.email.sent.length, 1);
    assert.match(second.email.sent[0]?.text ?? '', /After the restart\./);
  });

  it('writes the mails in the language the chat was started in, English for one not shipped', async () => {
    for (const [language, subject, intro] of [
      ['nl-BE', 'Je gesprek met ons', /^Hier is je gesprek tot nu toe\./],
      ['zh-TW', '你與我們的對話', /^以下是你目前的對話。/],
      ['ar', 'محادثتك معنا', /^إليك محادثتك حتى الآن\./],
      ['fr', 'Your conversation with us', /^Here is your conversation so far\./],
    ] as const) {
      const { hub, cid, email, clock, socket } = await chatWithAnn({ language });
      await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
      socket.disconnected();
      await reply({ hub }, cid, 'Het pakket is onderweg.');
      await clock.advance(121_000);
      await flush();
      assert.equal(email.sent[0]?.subject, subject, language);
      assert.match(email.sent[0]?.text ?? '', intro, language);
      assert.match(email.sent[0]?.text ?? '', /alice:\nHet pakket is onderweg\./, 'the messages as written');
      await reply({ hub }, cid, 'Nog iets?');
      await flush();
      assert.equal(email.sent[1]?.subject, subject, 'the same subject on every mail of the thread');
      hub.close();
    }
  });

  it("offers the email follow-up of an ended chat to the chat's agent first", async () => {
    const { hub, cid, socket, frames, clock } = await chatWithAnn({ withBob: true });
    // Bob comes in once Alice has the chat, and has waited longer than her for work when the mail arrives.
    const bobFrames: ServerFrame[] = [];
    hub
      .connect({ send: (raw) => bobFrames.push(JSON.parse(raw) as ServerFrame), close() {} })
      .receive(JSON.stringify({ t: 'hello', v: 1, token: 'dev:agent:bob:bob' }));
    await flush();
    await hub.execute(bob, 'presence.set', { status: 'available' });
    await clock.advance(1_000);
    await hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' });
    socket.disconnected();
    await reply({ hub }, cid, 'Write back any time.');
    await hub.execute(alice, 'chat.end', { cid });
    await hub.execute(alice, 'wrapup.submit', { cid });
    await flush();
    const followUp = await hub.channels.receive(
      mail({
        threadKey: emailLegThreadKey(cid),
        from: { address: 'ann@example.com' },
        text: 'About 4711 again',
      }),
    );
    await flush();
    const offeredTo = (list: ServerFrame[]) =>
      list.some(
        (f) =>
          f.t === 'notice' && f.notice.type === 'offer' && f.notice.offer.interaction.id === followUp.cid,
      );
    assert.equal(offeredTo(frames), true, 'offered to Alice, who had the chat');
    assert.equal(offeredTo(bobFrames), false);
  });

  it('is refused when no email outbound is configured', async () => {
    const { hub, cid } = await chatWithAnn({ email: false });
    await assert.rejects(hub.execute(ann, 'conversation.email', { cid, address: 'ann@example.com' }), {
      code: 'messaging/not-configured',
    });
  });
});
