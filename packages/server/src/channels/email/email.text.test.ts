import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStorableText } from '@helpline/core';
import { LINK_PROTOCOLS, type RenderToken, tokenize, toPlainText } from '@helpline/core/render';
import payloads from '../../../../core/src/render/fixtures/xss-payloads.json' with { type: 'json' };
import { parseEmail } from './email.parse';
import { safeEmailText, splitQuotedHistory } from './email.text';

function htmlMail(html: string): Buffer {
  return Buffer.from(
    'From: Ann <ann@example.com>\r\nTo: support@shop.example\r\nSubject: HTML\r\nMessage-ID: <h@example.com>\r\n' +
      `Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hi</p>${html}</body></html>\r\n`,
  );
}

function links(tokens: readonly RenderToken[]): string[] {
  return tokens.flatMap((token) =>
    token.kind === 'link'
      ? [token.href, ...links(token.children)]
      : 'children' in token
        ? links(token.children)
        : [],
  );
}

describe('email text', () => {
  it('drop control characters, fix lone surrogates, shorten blank runs, cap the length', () => {
    assert.equal(safeEmailText('Hello\r\n\r\n\r\n\r\nAnn\u0000\u0007 \r\n'), 'Hello\n\nAnn');
    assert.equal(safeEmailText('a\ud800b'), 'a\ufffdb');
    assert.equal(safeEmailText('x'.repeat(50), 10), `${'x'.repeat(10)}…`);
  });

  const quoted: ReadonlyArray<readonly [string, string, string, string]> = [
    [
      'Gmail',
      'Thanks!\n\nOn Mon, 7 Dec 2026 at 10:00, Shop <s@shop.example> wrote:\n> Your order',
      'Thanks!',
      'On Mon',
    ],
    [
      'a wrapped attribution',
      'Yes\n\nOn Mon, 7 Dec 2026 at 10:00, Shop Support\n<s@shop.example> wrote:\n> x',
      'Yes',
      'On Mon',
    ],
    ['German', 'Danke\n\nAm 07.12.2026 um 10:00 schrieb Shop <s@shop.example>:\n> x', 'Danke', 'Am 07'],
    ['Outlook', 'Fine\n\n________________________________\nFrom: Shop\nSent: Monday\n\nold', 'Fine', '_____'],
    [
      'Outlook without a rule',
      'Fine\n\nFrom: Shop <s@shop.example>\nSent: Monday\nTo: me\n\nold',
      'Fine',
      'From: Shop',
    ],
    ['Original Message', 'Ok\n-----Original Message-----\nFrom: x', 'Ok', '-----Original'],
    ['a trailing > block', 'Sure\n\n> old line\n>\n> another', 'Sure', '> old line'],
  ];
  for (const [name, text, fresh, quoteStart] of quoted) {
    it(`fold the quoted history of ${name}`, () => {
      const split = splitQuotedHistory(text);
      assert.equal(split.text, fresh);
      assert.ok(split.quoted.startsWith(quoteStart), split.quoted);
    });
  }

  it('keep a reply written between quoted lines, and a mail that is only a quote, whole', () => {
    const inline = '> Which size?\nLarge, please.\n> And colour?\nBlue.';
    assert.deepEqual(splitQuotedHistory(inline), { text: inline, quoted: '' });
    const onlyQuote = 'On Mon, Shop wrote:\n> hello';
    assert.deepEqual(splitQuotedHistory(onlyQuote), { text: onlyQuote, quoted: '' });
  });

  it('turn HTML mail into text: tags gone, entities decoded, links as text', async () => {
    const email = await parseEmail(
      htmlMail('<script>alert(1)</script><b>Order</b> &amp; <a href="https://shop.example/o/1">track</a>'),
    );
    assert.doesNotMatch(email.text, /<script|alert|<b>/);
    assert.match(email.text, /Order & track \[https:\/\/shop\.example\/o\/1\]/);
  });

  it(`make every payload of the XSS corpus (${payloads.length}) text the renderer shows safely`, async () => {
    for (const payload of payloads as string[]) {
      const { text, quoted } = await parseEmail(htmlMail(payload));
      for (const part of [text, quoted]) {
        assert.ok(isStorableText(part), payload);
        // Already in the renderer's plain-text form: nothing is left for a later pass to reinterpret.
        assert.equal(toPlainText(tokenize(part, { markdown: false, autolink: false })), part, payload);
        // Shown with markdown and links on, only allow-listed links come out.
        for (const href of links(tokenize(part))) {
          assert.ok(
            LINK_PROTOCOLS.some((protocol) => href.startsWith(protocol)),
            `${payload} → ${href}`,
          );
        }
      }
      assert.match(text, /^Hi/, payload);
    }
  });
});
