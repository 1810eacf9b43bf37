// The mail servers the email tests use are real and behave as the tests assume: delivery to any address of the
// test domain, plus-addressing into the same mailbox, a wrong password refused, a DSN for the bouncing domain.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { readInbox, sendAsCustomer, testMailServers, uniqueAddress, waitForInbox } from './email.testing';

const servers = testMailServers();
const skip = 'skip' in servers ? servers.skip : false;

describe('the test mail servers (Dovecot and Postfix on 127.0.0.1)', { skip }, () => {
  if ('skip' in servers) return;

  it('deliver to a plus address into the mailbox of its base address', async () => {
    const support = uniqueAddress(servers, 'support');
    const [local, domain] = support.split('@');
    await sendAsCustomer(servers, {
      from: uniqueAddress(servers, 'customer'),
      to: `${local}+t0ken@${domain}`,
      subject: 'Plus addressing',
      text: 'hello',
    });
    const messages = await waitForInbox(servers, support, (list) => list.length === 1);
    assert.match(messages[0]?.source.toString('utf8') ?? '', /Subject: Plus addressing/);
  });

  it('refuse a wrong password', async () => {
    const client = new ImapFlow({
      host: servers.host,
      port: servers.imapPort,
      secure: false,
      auth: { user: uniqueAddress(servers, 'someone'), pass: `${servers.password}-wrong` },
      logger: false,
    });
    await assert.rejects(client.connect());
  });

  it('bounce mail to the bouncing domain back to its sender as a DSN', async () => {
    const sender = uniqueAddress(servers, 'sender');
    await sendAsCustomer(servers, {
      from: sender,
      to: `nobody@${servers.bounceDomain}`,
      subject: 'Bounce me',
      text: 'hello',
    });
    const [bounce] = await waitForInbox(servers, sender, (list) => list.length === 1);
    const source = bounce?.source.toString('utf8') ?? '';
    assert.match(source, /Return-Path: <>/);
    assert.match(source, /report-type=delivery-status/);
    assert.deepEqual(await readInbox(servers, uniqueAddress(servers, 'empty')), []);
  });
});
