// The demo's email path end to end, with the demo's own configuration and mailbox (scripts/lib/demo-mailbox.mjs):
// a mail sent to the server's SMTP ingress becomes an email conversation offered to a demo agent, the agent's reply
// arrives in the demo mailbox threaded (In-Reply-To, References, a +token Reply-To, plain text), and the customer's
// answer sent from the mailbox page joins the same conversation. Real SMTP on loopback both ways; nothing mocked.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ServerFrame } from '@helpline/core';
import { runGuard } from '../../packages/core/src/protocol/protocol.guards';
import { serverFrameGuard } from '../../packages/core/src/protocol/protocol.guards.staff.generated';
import { DEV_CONFIG } from '../../packages/server/src/config/dev.config';
import type { HelplineServer } from '../../packages/server/src/server';
import { staffToken, startTestServer, TestClient } from '../../packages/server/src/testing/harness';
import { freePort } from '../../packages/server/src/testing/ports';
import {
  DEMO_CUSTOMER_ADDRESS,
  DEMO_SUPPORT_ADDRESS,
  demoEmailConfig,
  sendCustomerMail,
  startDemoMailbox,
} from '../../scripts/lib/demo-mailbox.mjs';

const offerOf = (frame: ServerFrame) =>
  frame.t === 'notice' && frame.notice.type === 'offer' ? frame.notice.offer.interaction : undefined;

const messageText = (frame: ServerFrame, cid: string) =>
  frame.t === 'evt' && frame.cid === cid && frame.ev.type === 'message' ? frame.ev.text : undefined;

describe('email in the demo: ingress → console → demo mailbox → the same conversation', () => {
  let mailbox: Awaited<ReturnType<typeof startDemoMailbox>>;
  let server: HelplineServer;
  let ingressPort: number;
  const clients: TestClient[] = [];

  before(async () => {
    ingressPort = await freePort();
    mailbox = await startDemoMailbox({ ingressPort });
    server = await startTestServer({
      config: {
        ...DEV_CONFIG,
        email: demoEmailConfig({ ingressPort, catcherPort: mailbox.catcherPort }),
      },
    });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server?.close();
    await mailbox?.close();
  });

  it('a customer mail is answered from the console and the answer to the reply joins it', async () => {
    const alice = await TestClient.connect(server.socketUrl, await staffToken('alice'), {
      site: '',
      origin: null,
    });
    clients.push(alice);
    await alice.ok('presence.set', { status: 'available' });

    // What `npm run demo:mail -- "Subject" "Body"` does. The subject carries markup: the page must show it as text.
    const subject = `Where is order ${randomUUID().slice(0, 8)}? <b>urgent</b>`;
    const firstId = await sendCustomerMail({
      port: ingressPort,
      subject,
      text: 'Hello, my order has not arrived yet.',
    });

    const offer = await alice.waitFor(
      (frame) => offerOf(frame)?.channel === 'email',
      'the email offer',
      10_000,
    );
    const interaction = offerOf(offer);
    assert.ok(interaction);
    // What the console checks every frame with: an offer it refused would never show in the CRM.
    assert.deepEqual(
      runGuard(serverFrameGuard, offer),
      { ok: true, value: offer },
      'the console takes the offer',
    );
    const cid = interaction.id;
    await alice.ok('offer.accept', { cid });
    await alice.waitFor(
      (frame) => messageText(frame, cid)?.includes('has not arrived') === true,
      'the customer mail in the conversation',
    );

    await alice.ok('message.send', { cid, text: 'It ships today.', clientMsgId: randomUUID() });
    const reply = await mailbox.waitForMail((mail: { text: string }) =>
      mail.text.includes('It ships today.'),
    );
    assert.equal(reply.envelopeTo[0], DEMO_CUSTOMER_ADDRESS, 'sent to the customer');
    assert.match(reply.from, new RegExp(DEMO_SUPPORT_ADDRESS.replace('.', '\\.')));
    assert.equal(reply.inReplyTo, firstId, 'In-Reply-To names the customer mail');
    assert.ok(reply.references.includes(firstId), 'References include it');
    assert.match(reply.replyToAddress, /^support\+[a-z2-7]{16}@shop\.localhost$/, 'Reply-To has the token');
    assert.equal(reply.subject, `Re: ${subject}`);

    // The mailbox page lists it as text: the subject's markup is escaped, never rendered.
    const page = await (await fetch(mailbox.url)).text();
    assert.ok(page.includes('&lt;b&gt;urgent&lt;/b&gt;'), 'the subject escaped');
    assert.ok(!page.includes('<b>urgent</b>'), 'no markup from a mail');
    assert.ok(page.includes(escapeForPage(reply.messageId)), 'the Message-ID shown');

    // "Reply as the customer" on the page: real mail to the ingress, to the +token address, In-Reply-To our reply.
    // A browser posts the page's form with `Origin: null` (the page is served with no-referrer).
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1];
    assert.ok(token, 'the page writes its form token');
    const answered = await fetch(new URL('reply', mailbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      body: new URLSearchParams({ id: String(reply.id), text: 'Thanks, I will wait for it.', token }),
    });
    assert.equal(answered.status, 200, await answered.clone().text());
    await alice.waitFor(
      (frame) => messageText(frame, cid)?.startsWith('Thanks, I will wait for it.') === true,
      'the customer answer in the same conversation',
      10_000,
    );
    const emailConversations = server.hub.interactions().filter((each) => each.channel === 'email');
    assert.equal(emailConversations.length, 1, 'the answer opened no second conversation');
  });

  it('the page refuses a form posted from another site, or without its token', async () => {
    const page = await (await fetch(mailbox.url)).text();
    const token = /name="token" value="([0-9a-f]+)"/.exec(page)?.[1] ?? '';
    const post = (origin: string, form: Record<string, string>) =>
      fetch(new URL('write', mailbox.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
        body: new URLSearchParams({ subject: 'spam', text: 'spam', ...form }),
      });
    assert.equal((await post('https://evil.example', { token })).status, 403, 'a foreign origin');
    assert.equal((await post('null', {})).status, 403, 'no token');
    assert.equal((await post('null', { token: 'f'.repeat(32) })).status, 403, 'a wrong token');
    const emailConversations = server.hub.interactions().filter((each) => each.channel === 'email');
    assert.equal(emailConversations.length, 1, 'no mail reached the ingress');
  });
});

function escapeForPage(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
