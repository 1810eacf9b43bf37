import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyEmail, messageIdsIn, normalizeMessageId, readBounce, readHeaders } from './email.headers';

const mail = (headers: string, body = 'Hello') =>
  `From: Ann <ann@example.com>\r\nTo: support@shop.example\r\n${headers}Subject: Hi\r\n\r\n${body}\r\n`;

describe('email headers', () => {
  it('unfold continuation lines and keep every occurrence', () => {
    const headers = readHeaders(
      'References: <a@x>\r\n <b@x>\r\nReceived: one\r\nReceived: two\r\n\r\nbody: no',
    );
    assert.deepEqual(headers.get('references'), ['<a@x> <b@x>']);
    assert.deepEqual(headers.get('received'), ['one', 'two']);
    assert.equal(headers.get('body'), undefined);
  });

  it('read message ids in order, once each, with angle brackets', () => {
    assert.deepEqual(messageIdsIn('<a@x> <b@x>\t<a@x> junk <c@y>'), ['<a@x>', '<b@x>', '<c@y>']);
    assert.deepEqual(messageIdsIn(undefined), []);
    assert.equal(normalizeMessageId('a@x'), '<a@x>');
    assert.equal(normalizeMessageId(' <a@x> '), '<a@x>');
    assert.equal(normalizeMessageId('no id here'), undefined);
  });

  const table: ReadonlyArray<readonly [string, string, string | undefined, string]> = [
    ['a person', '', undefined, 'message'],
    ['Auto-Submitted: no', 'Auto-Submitted: no\r\n', undefined, 'message'],
    ['Auto-Submitted: auto-replied', 'Auto-Submitted: auto-replied\r\n', undefined, 'auto-reply'],
    ['Auto-Submitted: auto-generated', 'Auto-Submitted: auto-generated\r\n', undefined, 'auto-reply'],
    ['X-Autoreply: yes', 'X-Autoreply: yes\r\n', undefined, 'auto-reply'],
    ['X-Autorespond', 'X-Autorespond: vacation\r\n', undefined, 'auto-reply'],
    ['Precedence: bulk', 'Precedence: bulk\r\n', undefined, 'bulk'],
    ['Precedence: junk', 'Precedence: junk\r\n', undefined, 'bulk'],
    ['Precedence: list', 'Precedence: List\r\n', undefined, 'bulk'],
    ['Precedence: first-class', 'Precedence: first-class\r\n', undefined, 'message'],
    [
      'a DSN',
      'Content-Type: multipart/report; report-type=delivery-status;\r\n boundary="x"\r\n',
      undefined,
      'bounce',
    ],
    [
      'a read receipt (MDN)',
      'Content-Type: multipart/report; report-type=disposition-notification\r\n',
      undefined,
      'message',
    ],
    ['a null sender from a mailer daemon', 'Return-Path: <>\r\n', 'MAILER-DAEMON@mx.example', 'bounce'],
    ['a null sender otherwise', 'Return-Path: <>\r\n', 'ann@example.com', 'auto-reply'],
  ];
  for (const [name, headers, from, kind] of table) {
    it(`classify ${name} as ${kind}`, () => {
      assert.equal(classifyEmail(readHeaders(mail(headers)), from ?? 'ann@example.com').kind, kind);
    });
  }

  it("read a DSN's returned Message-ID and reason, not the DSN's own id", () => {
    const dsn = [
      'From: MAILER-DAEMON@mx.example',
      'Message-ID: <dsn-1@mx.example>',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
      '',
      '--b',
      'Content-Type: message/delivery-status',
      '',
      'Final-Recipient: rfc822; x@nowhere.example',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '',
      '--b',
      'Content-Type: text/rfc822-headers',
      '',
      'Message-ID: <reply-7@shop.example>',
      'Subject: Re: order',
      '--b--',
    ].join('\r\n');
    assert.deepEqual(readBounce(dsn), {
      messageIds: ['<reply-7@shop.example>'],
      detail: '5.1.1 smtp; 550 5.1.1 user unknown',
    });
  });
});
